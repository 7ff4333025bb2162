#!/usr/bin/env node
// Serves the conformance fixture (fixture-server.mjs) over Streamable HTTP at /mcp, one
// server instance per session, so that the suite can run against the fixture without the
// gateway. A scenario that fails here is a fixture (or suite) problem; one that passes here
// and fails through mcproxy is the gateway's.
//
//   node fixture-http.mjs [--port N]     prints {"url": "http://127.0.0.1:PORT/mcp"} on stdout
//
// Like mcproxy, it refuses requests whose Host or Origin is not a loopback name (DNS
// rebinding defence) with 403. It keeps the events of each stream in memory, so a client
// can resume a stream with Last-Event-ID (the suite's server-sse-polling scenario).

import http from 'node:http';
import { randomUUID } from 'node:crypto';

import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';

import { createFixtureServer } from './fixture-server.mjs';

const LOOPBACK_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
const MAX_BODY = 4 * 1024 * 1024;

/** Events of every stream of one session, for replay after Last-Event-ID. */
class MemoryEventStore {
  constructor() {
    this.events = new Map(); // eventId -> {streamId, message}
    this.next = 0;
  }
  async storeEvent(streamId, message) {
    const eventId = `${streamId}_${String(++this.next).padStart(10, '0')}`;
    this.events.set(eventId, { streamId, message });
    return eventId;
  }
  async getStreamIdForEventId(eventId) {
    return this.events.get(eventId)?.streamId;
  }
  async replayEventsAfter(lastEventId, { send }) {
    const last = this.events.get(lastEventId);
    if (!last) return '';
    let after = false;
    for (const [eventId, { streamId, message }] of this.events) {
      if (eventId === lastEventId) {
        after = true;
        continue;
      }
      if (after && streamId === last.streamId && Object.keys(message).length > 0) await send(eventId, message);
    }
    return last.streamId;
  }
}

function loopbackName(value) {
  if (!value) return true;
  try {
    const u = new URL(value.includes('://') ? value : `http://${value}`);
    return LOOPBACK_HOSTNAMES.has(u.hostname.toLowerCase());
  } catch {
    return false;
  }
}

function jsonError(res, status, code, message) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
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

const transports = new Map(); // session id -> transport

async function handle(req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (url.pathname !== '/mcp') return jsonError(res, 404, -32000, 'Not found');
  if (!loopbackName(req.headers.host) || !loopbackName(req.headers.origin)) {
    return jsonError(res, 403, -32000, 'Forbidden: non-local Host or Origin');
  }
  const sessionId = req.headers['mcp-session-id'];

  if (req.method === 'POST') {
    let body;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return jsonError(res, 400, -32700, 'Parse error');
    }
    if (sessionId) {
      const transport = transports.get(sessionId);
      if (!transport) return jsonError(res, 404, -32001, 'Session not found');
      return transport.handleRequest(req, res, body);
    }
    if (!isInitializeRequest(body)) return jsonError(res, 400, -32000, 'Bad Request: no session id');
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: new MemoryEventStore(),
      retryInterval: 500,
      onsessioninitialized: (id) => transports.set(id, transport),
    });
    transport.onclose = () => {
      if (transport.sessionId) transports.delete(transport.sessionId);
    };
    await createFixtureServer().connect(transport);
    return transport.handleRequest(req, res, body);
  }

  if (req.method === 'GET' || req.method === 'DELETE') {
    const transport = sessionId && transports.get(sessionId);
    if (!transport) return jsonError(res, sessionId ? 404 : 400, -32000, 'Unknown or missing session id');
    return transport.handleRequest(req, res);
  }
  res.writeHead(405, { Allow: 'GET, POST, DELETE' });
  res.end();
}

const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 0;
const httpServer = http.createServer((req, res) => {
  handle(req, res).catch((e) => {
    process.stderr.write(`fixture-http: ${e?.stack || e}\n`);
    if (!res.headersSent) jsonError(res, 500, -32603, 'Internal error');
    else res.end();
  });
});
httpServer.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${httpServer.address().port}/mcp` })}\n`);
});

function shutdown() {
  for (const t of transports.values()) t.close().catch(() => {});
  httpServer.close(() => process.exit(0));
  httpServer.closeAllConnections();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
