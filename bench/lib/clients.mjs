// Clients used by the benchmark. Every client has the same shape:
//   { kind, call(text) -> Promise<void> (throws on error or wrong echo), close(), pid? }
//
// SDK clients (the measured paths): direct stdio, Streamable HTTP, legacy SSE.
// Raw clients (supplementary, to separate client-library cost from gateway cost):
// newline-delimited JSON-RPC over a pipe, and plain node:http keep-alive POSTs to /mcp.

import { spawn } from 'node:child_process';
import http from 'node:http';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';

export const CALL_TIMEOUT_MS = 10000;
const PROTOCOL_VERSION = '2025-06-18';

function checkEcho(result, text, tool) {
  if (result?.isError) throw new Error(`${tool} returned isError: ${JSON.stringify(result).slice(0, 300)}`);
  const got = result?.content?.[0]?.text;
  if (got !== text) throw new Error(`${tool} echoed ${JSON.stringify(got)}, expected ${JSON.stringify(text)}`);
}

async function sdkClient(kind, transport, tool, onClose) {
  const client = new Client({ name: `mcproxy-bench-${kind}`, version: '1.0.0' }, { capabilities: {} });
  await withDeadline(client.connect(transport), 15000, `${kind} connect`);
  // Populate the SDK's tool cache the same way on every path (output-schema validation of echo).
  await withDeadline(client.listTools(), 15000, `${kind} tools/list`);
  const opts = { timeout: CALL_TIMEOUT_MS };
  return {
    kind,
    pid: transport.pid ?? null,
    async call(text) {
      const res = await client.callTool({ name: tool, arguments: { text } }, undefined, opts);
      checkEcho(res, text, tool);
    },
    async close() {
      if (onClose) await onClose().catch(() => {});
      await client.close();
    },
  };
}

/** (a) SDK client spawning its own test server over stdio: the floor. */
export function connectDirect(testServerBin, name) {
  const transport = new StdioClientTransport({
    command: testServerBin,
    args: ['--name', name],
    stderr: 'ignore',
  });
  return sdkClient('direct', transport, 'echo');
}

/** (b) SDK client through the gateway over Streamable HTTP (/mcp). */
export function connectStreamable(url, server) {
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`));
  return sdkClient('streamable', transport, `${server}__echo`, () => transport.terminateSession());
}

/** (c) SDK client through the gateway over legacy HTTP+SSE (/sse + POST /messages). */
export function connectSse(url, server) {
  const transport = new SSEClientTransport(new URL(`${url}/sse`));
  return sdkClient('sse', transport, `${server}__echo`);
}

export function withDeadline(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`deadline of ${ms} ms exceeded: ${what}`)), ms))),
  ]);
}

// ---------------------------------------------------------------------------
// Raw clients (supplementary)
// ---------------------------------------------------------------------------

/** Raw newline-delimited JSON-RPC to a freshly spawned test server: floor without the SDK. */
export async function connectRawStdio(testServerBin, name) {
  const child = spawn(testServerBin, ['--name', name], { stdio: ['pipe', 'pipe', 'ignore'] });
  const pending = new Map();
  let buf = '';
  let nextId = 1;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (!line.trim()) continue;
      const m = JSON.parse(line);
      const p = m.id != null && pending.get(m.id);
      if (p) {
        pending.delete(m.id);
        m.error ? p.reject(new Error(JSON.stringify(m.error))) : p.resolve(m.result);
      }
    }
  });
  const exited = new Promise((r) => child.on('exit', r));
  child.on('exit', () => {
    for (const p of pending.values()) p.reject(new Error('raw stdio server exited'));
    pending.clear();
  });
  const request = (method, params) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
    });
  await withDeadline(
    request('initialize', {
      protocolVersion: PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: 'mcproxy-bench-raw', version: '1' },
    }),
    15000,
    'raw stdio initialize',
  );
  child.stdin.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) + '\n');
  return {
    kind: 'raw-stdio',
    pid: child.pid,
    async call(text) {
      const res = await request('tools/call', { name: 'echo', arguments: { text } });
      checkEcho(res, text, 'echo');
    },
    async close() {
      child.stdin.end();
      await withDeadline(exited, 5000, 'raw stdio server exit').catch(() => child.kill('SIGKILL'));
    },
  };
}

/**
 * Raw Streamable HTTP with node:http, JSON bodies, no compression requested.
 * keepAlive=true: one persistent socket (reopened when the server closes it);
 * keepAlive=false: a new TCP connection per request ("connection: close").
 * Counts TCP connections opened, to show whether the server keeps connections alive.
 */
export async function connectRawHttp(url, server, { keepAlive = true } = {}) {
  const u = new URL(`${url}/mcp`);
  const agent = new http.Agent({ keepAlive, maxSockets: 1 });
  let sessionId = null;
  let connections = 0;
  const seen = new WeakSet();
  let nextId = 1;

  const post = (body) =>
    new Promise((resolve, reject) => {
      const headers = {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': PROTOCOL_VERSION,
      };
      if (sessionId) headers['mcp-session-id'] = sessionId;
      if (!keepAlive) headers.connection = 'close';
      const req = http.request(
        { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.setTimeout(CALL_TIMEOUT_MS, () => req.destroy(new Error('raw HTTP request timed out')));
      req.on('socket', (s) => {
        if (!seen.has(s)) {
          seen.add(s);
          connections++;
        }
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });

  const parse = (r) => {
    if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${r.body.slice(0, 200)}`);
    const ct = r.headers['content-type'] || '';
    if (ct.includes('text/event-stream')) {
      const data = r.body
        .split(/\r?\n/)
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trim());
      for (const d of data) {
        const m = JSON.parse(d);
        if ('result' in m || 'error' in m) return m;
      }
      throw new Error('no JSON-RPC response in SSE body');
    }
    return JSON.parse(r.body);
  };

  const init = await post({
    jsonrpc: '2.0',
    id: nextId++,
    method: 'initialize',
    params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'mcproxy-bench-raw', version: '1' } },
  });
  const initMsg = parse(init);
  if (!initMsg.result) throw new Error(`raw initialize failed: ${init.body.slice(0, 300)}`);
  sessionId = init.headers['mcp-session-id'] || null;
  const n = await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  if (n.status !== 202 && n.status !== 200) throw new Error(`notifications/initialized HTTP ${n.status}`);
  const tool = `${server}__echo`;
  return {
    kind: keepAlive ? 'raw-http-keepalive' : 'raw-http-close',
    connections: () => connections,
    keepAliveHeader: init.headers['keep-alive'] || null,
    async call(text) {
      const m = parse(await post({ jsonrpc: '2.0', id: nextId++, method: 'tools/call', params: { name: tool, arguments: { text } } }));
      if (m.error) throw new Error(`${tool}: ${JSON.stringify(m.error)}`);
      checkEcho(m.result, text, tool);
    },
    async close() {
      await new Promise((resolve) => {
        const req = http.request(
          { host: u.hostname, port: u.port, path: u.pathname, method: 'DELETE', agent, headers: { 'mcp-session-id': sessionId } },
          (res) => {
            res.resume();
            res.on('end', resolve);
          },
        );
        req.on('error', resolve);
        req.end();
      });
      agent.destroy();
    },
  };
}
