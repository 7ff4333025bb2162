#!/usr/bin/env node
// Serves the modern fixture (fixture-modern.mjs) over Streamable HTTP as revision 2026-07-28
// has it: stateless, POST only, at /mcp; so that the suite can run against the fixture
// without the gateway. A scenario that fails here is a fixture (or suite) problem; one that
// passes here and fails through mcproxy is the gateway's.
//
//   node fixture-modern-http.mjs [--port N]   prints {"url": "http://127.0.0.1:PORT/mcp"}
//
// What the transport adds to the server (basic/transports/streamable-http):
// - Host/Origin must be loopback names (DNS rebinding defence): else 403;
// - MCP-Protocol-Version and Mcp-Method on every request, Mcp-Name on tools/call,
//   prompts/get and resources/read, each matching the body ("Server Validation"): else 400
//   with -32020 HeaderMismatch;
// - error statuses: 404 for -32601, 400 for _meta and version errors (-32602 on a missing
//   _meta, -32021, -32022);
// - an answer is JSON unless the server says something first (progress, log, the
//   acknowledgement of subscriptions/listen): then an SSE stream; closing it cancels.
// - GET and DELETE: 405 (no sessions, no GET stream in this revision).

import http from 'node:http';

import { createModernServer, ERR, headerParams } from './fixture-modern.mjs';

const LOOPBACK_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
const MAX_BODY = 4 * 1024 * 1024;
const STATUS_OF_ERROR = new Map([
  [ERR.parse, 400],
  [ERR.invalidRequest, 400],
  [ERR.invalidParams, 400],
  [ERR.methodNotFound, 404],
  [ERR.headerMismatch, 400],
  [ERR.missingCapability, 400],
  [ERR.unsupportedVersion, 400],
]);
const PROTOCOL_VERSION_KEY = 'io.modelcontextprotocol/protocolVersion';

function loopbackName(value) {
  if (!value) return true;
  try {
    const u = new URL(value.includes('://') ? value : `http://${value}`);
    return LOOPBACK_HOSTNAMES.has(u.hostname.toLowerCase());
  } catch {
    return false;
  }
}

function sendJson(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
      } else {
        chunks.push(c);
      }
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Mcp-Name and Mcp-Param-* values may be "=?base64?...?=" (Value Encoding). */
function decodeHeaderValue(v) {
  const m = /^=\?base64\?(.*)\?=$/.exec(v);
  if (!m) return v;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(m[1]) || m[1].length % 4 !== 0) return undefined;
  return Buffer.from(m[1], 'base64').toString('utf8');
}

/** Header checks of "Server Validation"; returns a JSON-RPC error or null. */
function validateHeaders(req, body) {
  const version = req.headers['mcp-protocol-version'];
  const mismatch = (message) => ({ code: ERR.headerMismatch, message: `Header mismatch: ${message}` });
  if (!version) return mismatch('missing MCP-Protocol-Version header');
  if (!('id' in body)) return null; // notifications: no header rules in this revision
  const method = req.headers['mcp-method'];
  if (method === undefined) return mismatch('missing Mcp-Method header');
  if (method !== body.method) return mismatch(`Mcp-Method '${method}' does not match body method '${body.method}'`);
  const nameField = { 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' }[body.method];
  if (nameField) {
    const raw = req.headers['mcp-name'];
    if (raw === undefined) return mismatch('missing Mcp-Name header');
    const name = decodeHeaderValue(raw);
    if (name === undefined || name !== body.params?.[nameField]) {
      return mismatch(`Mcp-Name '${raw}' does not match body ${nameField}`);
    }
  }
  if (body.method === 'tools/call') {
    // "Server Behavior for Custom Headers": each x-mcp-header argument present in the body
    // must be mirrored, and match after decoding; an absent one must not be.
    for (const [arg, suffix, type] of headerParams(body.params?.name)) {
      const raw = req.headers[`mcp-param-${suffix.toLowerCase()}`];
      const value = body.params?.arguments?.[arg];
      if (value === undefined || value === null) {
        if (raw !== undefined) return mismatch(`Mcp-Param-${suffix} sent but ${arg} is not in the arguments`);
        continue;
      }
      if (raw === undefined) return mismatch(`missing Mcp-Param-${suffix} header for argument ${arg}`);
      const decoded = decodeHeaderValue(raw);
      const expected = type === 'boolean' ? String(value) : type === 'integer' ? String(Number(value)) : String(value);
      const got = type === 'integer' && decoded !== undefined ? String(Number(decoded)) : decoded;
      if (got === undefined || got !== expected) return mismatch(`Mcp-Param-${suffix} '${raw}' does not match ${arg}`);
    }
  }
  const metaVersion = body.params?._meta?.[PROTOCOL_VERSION_KEY];
  if (metaVersion !== undefined && metaVersion !== version) {
    return mismatch(`MCP-Protocol-Version '${version}' does not match _meta ${PROTOCOL_VERSION_KEY} '${metaVersion}'`);
  }
  return null;
}

const server = createModernServer();

async function handle(req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (url.pathname !== '/mcp') return sendJson(res, 404, { jsonrpc: '2.0', id: null, error: { code: -32000, message: 'Not found' } });
  if (!loopbackName(req.headers.host) || !loopbackName(req.headers.origin)) {
    return sendJson(res, 403, { jsonrpc: '2.0', id: null, error: { code: -32000, message: 'Forbidden: non-local Host or Origin' } });
  }
  if (req.method !== 'POST') {
    res.writeHead(405, { Allow: 'POST' });
    return res.end();
  }
  let body;
  try {
    body = JSON.parse(await readBody(req));
  } catch {
    return sendJson(res, 400, { jsonrpc: '2.0', id: null, error: { code: ERR.parse, message: 'Parse error' } });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return sendJson(res, 400, { jsonrpc: '2.0', id: null, error: { code: ERR.invalidRequest, message: 'Invalid request' } });
  }
  const headerError = validateHeaders(req, body);
  if (headerError) return sendJson(res, 400, { jsonrpc: '2.0', id: body.id ?? null, error: headerError });
  if (!('id' in body)) {
    await server.handle(body, { send: () => {} });
    res.writeHead(202);
    return res.end();
  }

  // JSON until the server says something before its answer; then SSE.
  let streaming = false;
  let done = false;
  const closers = [];
  res.on('close', () => {
    for (const c of closers) c();
  });
  const out = {
    onClose: (fn) => closers.push(fn),
    send(message) {
      if (done || res.writableEnded) return;
      const isAnswer = 'id' in message && !('method' in message);
      if (!streaming && isAnswer) {
        done = true;
        const code = message.error?.code;
        const status = message.error ? (STATUS_OF_ERROR.get(code) ?? 200) : 200;
        return sendJson(res, status, message);
      }
      if (!streaming) {
        streaming = true;
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' });
      }
      res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
      if (isAnswer) {
        done = true;
        res.end();
      }
    },
  };
  await server.handle(body, out);
}

const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 0;
const httpServer = http.createServer((req, res) => {
  handle(req, res).catch((e) => {
    process.stderr.write(`fixture-modern-http: ${e?.stack || e}\n`);
    if (!res.headersSent) sendJson(res, 500, { jsonrpc: '2.0', id: null, error: { code: ERR.internal, message: 'Internal error' } });
    else res.end();
  });
});
httpServer.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${httpServer.address().port}/mcp` })}\n`);
});

function shutdown() {
  httpServer.close(() => process.exit(0));
  httpServer.closeAllConnections();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
