// Clients and backends for the protocol-feature e2e files (notifications, client requests,
// passthrough, versions, limits): an SDK client whose transport records every raw JSON-RPC
// message (what the gateway really sent, before the SDK's schemas strip or reshape it) and can
// ask for any protocol revision; raw legacy-SSE and Streamable HTTP sessions over node:http
// (for clients that stop reading); the test server spoken to directly over stdio, as the
// reference for "what the backend sent"; and the test server's journal (`received`).
// Every wait is on an event or a condition with a deadline.

import { spawn } from 'node:child_process';
import http from 'node:http';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';

import { TEST_SERVER_BIN, textOf, waitFor, withDeadline, MCP_ACCEPT } from './gateway.mjs';

export const KINDS = ['streamable', 'sse'];
export const other = (kind) => (kind === 'sse' ? 'streamable' : 'sse');

// ---------------------------------------------------------------------------
// Waiting on a growing list of messages
// ---------------------------------------------------------------------------

/**
 * A list of messages that tests can wait on: `waitFor(pred)` resolves with the first message
 * (from index `from`) that matches, as soon as it arrives, or rejects at the deadline with
 * what did arrive.
 */
export class MessageLog {
  constructor(label) {
    this.label = label;
    this.messages = [];
    this.waiters = new Set();
  }

  push(m) {
    this.messages.push(m);
    for (const w of [...this.waiters]) {
      if (w.pred(m)) {
        this.waiters.delete(w);
        clearTimeout(w.timer);
        w.resolve(m);
      }
    }
  }

  /** Index to pass as `from`: only messages after now. */
  mark() {
    return this.messages.length;
  }

  since(from = 0, pred = () => true) {
    return this.messages.slice(from).filter(pred);
  }

  waitFor(pred, { from = 0, timeoutMs = 10000, what = 'a message' } = {}) {
    const found = this.messages.slice(from).find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve };
      w.timer = setTimeout(() => {
        this.waiters.delete(w);
        const seen = this.messages.slice(from).map((m) => summarize(m));
        reject(new Error(`${this.label}: timed out after ${timeoutMs} ms waiting for ${what}; ` +
          `received since mark: ${JSON.stringify(seen).slice(0, 2000)}`));
      }, timeoutMs);
      this.waiters.add(w);
    });
  }
}

function summarize(m) {
  if (m.method) return { method: m.method, id: m.id, params: truncate(m.params) };
  return { id: m.id, ...(m.error ? { error: m.error } : { result: truncate(m.result) }) };
}

function truncate(v) {
  const s = JSON.stringify(v);
  return s && s.length > 200 ? `${s.slice(0, 200)}…` : v;
}

export const isNotification = (method, pred = () => true) => (m) => m.method === method && m.id === undefined && pred(m.params || {});

// ---------------------------------------------------------------------------
// SDK client over a recording transport
// ---------------------------------------------------------------------------

/**
 * Wraps an SDK client transport: records every message both ways (inbound: a MessageLog) and,
 * when `protocolVersion` is given, asks for that revision in initialize instead of the SDK's
 * latest (the SDK accepts any revision it knows in the answer).
 */
export class RecordingTransport {
  constructor(inner, { protocolVersion, label = 'client' } = {}) {
    this.inner = inner;
    this.protocolVersion = protocolVersion;
    this.inbound = new MessageLog(`${label} inbound`);
    this.outbound = [];
    inner.onmessage = (m, extra) => {
      this.inbound.push(m);
      this.onmessage?.(m, extra);
    };
    inner.onclose = () => this.onclose?.();
    inner.onerror = (e) => this.onerror?.(e);
  }

  get sessionId() {
    return this.inner.sessionId;
  }

  start() {
    return this.inner.start();
  }

  send(message, options) {
    let m = message;
    if (this.protocolVersion && m.method === 'initialize') {
      m = { ...m, params: { ...m.params, protocolVersion: this.protocolVersion } };
    }
    this.outbound.push(m);
    return this.inner.send(m, options);
  }

  close() {
    return this.inner.close();
  }

  setProtocolVersion(v) {
    this.inner.setProtocolVersion?.(v);
  }
}

/**
 * Connects an SDK client over `kind` ('streamable' | 'sse'). `capabilities` are declared as
 * given; `setup(client)` runs before connect (request handlers must be set before the
 * capabilities are announced). Returns the client with `kind`, `rec` (the RecordingTransport),
 * `negotiated` (the protocolVersion of the gateway's initialize answer) and `close2()`.
 */
export async function connectClient(url, kind, { name, capabilities = {}, protocolVersion, setup } = {}) {
  const client = new Client({ name: name || `e2e-${kind}`, version: '1.0.0' }, { capabilities });
  client.onerror = () => {}; // e.g. progress for a token the SDK did not issue (we set our own)
  if (setup) setup(client);
  const inner = kind === 'streamable'
    ? new StreamableHTTPClientTransport(new URL(`${url}/mcp`))
    : new SSEClientTransport(new URL(`${url}/sse`));
  const rec = new RecordingTransport(inner, { protocolVersion, label: name || kind });
  await withDeadline(client.connect(rec), 15000, `${kind} connect to ${url}`);
  client.kind = kind;
  client.rec = rec;
  const init = rec.outbound.find((m) => m.method === 'initialize');
  client.negotiated = rec.inbound.messages.find((m) => m.id === init.id)?.result?.protocolVersion;
  client.close2 = async () => {
    try {
      if (kind === 'streamable') await inner.terminateSession().catch(() => {});
    } finally {
      await client.close().catch(() => {});
    }
  };
  return client;
}

/** Closes every client in `clients` (ignoring those that failed to connect). */
export async function closeAll(clients) {
  await Promise.all(clients.filter(Boolean).map((c) => c.close2()));
}

let probeSeq = 0;

/**
 * Proves that `client` receives messages not tied to a request (Streamable HTTP: its GET
 * stream, which the SDK opens after initialize, asynchronously), and doubles as a barrier:
 * anything `server` sent before the probe has reached the client once the probe has. It asks
 * the backend for an emergency-level log message (no level filters it out) and waits for it;
 * a probe sent before the stream was attached is lost, so it is repeated until the deadline.
 */
export async function probe(client, server, { timeoutMs = 10000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const marker = `probe-${process.pid}-${++probeSeq}`;
    const from = client.rec.inbound.mark();
    await client.callTool({ name: `${server}__emit_log`, arguments: { level: 'emergency', data: { probe: marker } } });
    try {
      await client.rec.inbound.waitFor(isNotification('notifications/message', (p) => p.data?.probe === marker), {
        from,
        timeoutMs: Math.min(300, Math.max(1, deadline - Date.now())),
        what: `probe ${marker}`,
      });
      return;
    } catch (e) {
      if (Date.now() >= deadline) throw new Error(`${client.kind} client never received a probe log message from ${server}: ${e.message}`);
    }
  }
}

/** Probes every client in parallel (see probe). */
export function probeAll(clients, server) {
  return Promise.all(clients.map((c) => probe(c, server)));
}

/** The test server's journal entries (messages it received), optionally of one method. */
export async function journal(client, server, method) {
  const res = await client.callTool({ name: `${server}__received`, arguments: method ? { method } : {} });
  assert.ok(!res.isError, `${server}__received failed: ${JSON.stringify(res)}`);
  return JSON.parse(textOf(res)).map((e) => e.message);
}

/** Waits until the journal of `server` holds a message with `method` matching `pred`. */
export async function waitJournal(client, server, method, pred = () => true, { timeoutMs = 10000, what } = {}) {
  let last = [];
  try {
    return await waitFor(async () => {
      last = await journal(client, server, method);
      return last.find(pred);
    }, { timeoutMs, intervalMs: 25, what: what || `${method} in ${server}'s journal` });
  } catch (e) {
    throw new Error(`${e.message}; ${method} entries: ${JSON.stringify(last).slice(0, 1500)}`);
  }
}

/** Parses the text of an ask_client result: {requestId, outcome, result|error}. */
export function askOutcome(result) {
  assert.ok(!result.isError, `ask_client failed: ${JSON.stringify(result)}`);
  return JSON.parse(textOf(result));
}

// ---------------------------------------------------------------------------
// The test server over stdio, without the gateway: the reference
// ---------------------------------------------------------------------------

/** Starts mcp-test-server with `args`, initialized; `request(method, params)` → raw response. */
export async function directServer(args) {
  const proc = spawn(TEST_SERVER_BIN, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const log = new MessageLog(`direct ${args.join(' ')}`);
  let buf = '';
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.trim()) log.push(JSON.parse(line));
    }
  });
  proc.stderr.resume();
  let nextId = 1;
  const server = {
    proc,
    log,
    async request(method, params = {}) {
      const id = nextId++;
      proc.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
      return log.waitFor((m) => m.id === id && !m.method, { what: `answer to ${method}`, timeoutMs: 5000 });
    },
    async close() {
      proc.stdin.end();
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('close', r)));
    },
  };
  const init = await server.request('initialize', {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'e2e-reference', version: '1' },
  });
  assert.ok(init.result, `direct initialize: ${JSON.stringify(init)}`);
  proc.stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
  return server;
}

// ---------------------------------------------------------------------------
// Raw sessions over node:http (flow control is ours: a reader can stop reading)
// ---------------------------------------------------------------------------

/** Parses SSE text incrementally; calls onEvent({event, data}) per event. */
export function sseParser(onEvent) {
  let buf = '';
  return (chunk) => {
    buf += chunk;
    let idx;
    while ((idx = buf.search(/\r?\n\r?\n/)) >= 0) {
      const block = buf.slice(0, idx);
      buf = buf.slice(idx).replace(/^\r?\n\r?\n/, '');
      let event = 'message';
      const data = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length) onEvent({ event, data: data.join('\n') });
    }
  };
}

/** A plain HTTP request; resolves with {status, headers, body} (body as text). */
export function httpRequest(url, { method = 'GET', headers = {}, body, timeoutMs = 10000, agent } = {}) {
  return new Promise((resolve, reject) => {
    // agent: false for a connection of its own (not one pooled from an earlier request).
    const req = http.request(url, { method, headers, ...(agent !== undefined && { agent }) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`HTTP ${method} ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/**
 * A legacy HTTP+SSE session by hand: GET /sse, then POSTs to the announced endpoint. Messages
 * from the stream go to `log` (a MessageLog); `pause()`/`resume()` stop and restart reading
 * the stream (the kernel's buffers then fill and the gateway's writes block); `ended` resolves
 * when the stream ends.
 */
export async function rawSseSession(url, { timeoutMs = 10000 } = {}) {
  const log = new MessageLog('raw SSE');
  let endpoint;
  let res;
  let bytes = 0;
  let resolveEnded;
  const ended = new Promise((r) => (resolveEnded = r));
  const opened = new Promise((resolve, reject) => {
    const req = http.get(`${url}/sse`, { headers: { accept: 'text/event-stream' } }, (r) => {
      res = r;
      if (r.statusCode !== 200) {
        let t = '';
        r.on('data', (d) => (t += d));
        r.on('end', () => reject(Object.assign(new Error(`GET /sse: HTTP ${r.statusCode} ${t}`), { status: r.statusCode })));
        return;
      }
      r.setEncoding('utf8');
      const parse = sseParser(({ event, data }) => {
        if (event === 'endpoint') {
          endpoint = new URL(data, url).toString();
          resolve();
        } else {
          log.push(JSON.parse(data));
        }
      });
      r.on('data', (d) => {
        bytes += d.length;
        parse(d);
      });
      r.on('end', () => resolveEnded('end'));
      r.on('error', () => resolveEnded('error'));
      r.on('close', () => resolveEnded('close'));
    });
    req.on('error', (e) => {
      reject(e);
      resolveEnded('error');
    });
  });
  await withDeadline(opened, timeoutMs, 'legacy SSE endpoint event');
  return {
    log,
    ended,
    endpoint,
    get bytes() {
      return bytes;
    },
    pause: () => res.pause(),
    resume: () => res.resume(),
    destroy: () => res.destroy(),
    post(message) {
      return httpRequest(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message),
      });
    },
  };
}

/** initialize + notifications/initialized on a raw SSE session; returns the initialize result. */
export async function rawSseInitialize(session, protocolVersion, capabilities = {}) {
  const r = await session.post({
    jsonrpc: '2.0',
    id: 'init',
    method: 'initialize',
    params: { protocolVersion, capabilities, clientInfo: { name: 'raw-sse', version: '1' } },
  });
  assert.equal(r.status, 202, `POST initialize: HTTP ${r.status} ${r.body}`);
  const answer = await session.log.waitFor((m) => m.id === 'init', { what: 'initialize answer on the SSE stream' });
  await session.post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return answer;
}

/** A raw Streamable HTTP session: initialize (with `protocolVersion`) and initialized. */
export async function rawStreamableSession(url, protocolVersion = '2025-11-25', capabilities = {}) {
  const res = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: MCP_ACCEPT },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion, capabilities, clientInfo: { name: 'raw-streamable', version: '1' } },
    }),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `initialize: HTTP ${res.status} ${text}`);
  const sessionId = res.headers.get('mcp-session-id');
  const answer = JSON.parse(text);
  const headers = {
    'content-type': 'application/json',
    accept: MCP_ACCEPT,
    'mcp-session-id': sessionId,
    'mcp-protocol-version': answer.result.protocolVersion,
  };
  const n = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  await n.arrayBuffer();
  assert.equal(n.status, 202, 'notifications/initialized accepted');
  return { sessionId, answer, headers };
}
