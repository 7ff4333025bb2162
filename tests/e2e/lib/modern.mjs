// Clients for the MCP 2026-07-28 ("modern", stateless) end of the gateway's /mcp endpoint, for
// the modern-*.test.mjs files: raw POSTs with the request-metadata headers derived from the body
// (so that a test can drop or change exactly one of them), a raw subscriptions/listen stream,
// and the official v2 client (@modelcontextprotocol/client) pinned to 2026-07-28 whose
// transport records every raw JSON-RPC message both ways (the SDK decodes results: resultType,
// inputRequests and requestState never reach the caller, so the wire is where they are checked).
// Every wait is on an event or a condition with a deadline.

import assert from 'node:assert/strict';
import path from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

import { MCP_ACCEPT, REPO_ROOT, withDeadline, waitFor } from './gateway.mjs';
import { MessageLog } from './peers.mjs';

export const MODERN = '2026-07-28';

/** The reserved _meta keys of 2026-07-28 (basic/index, "_meta"). */
export const META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  logLevel: 'io.modelcontextprotocol/logLevel',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  subscriptionId: 'io.modelcontextprotocol/subscriptionId',
};

/** The 2026-07-28 error codes (basic/index, "Error Codes"). */
export const CODE = {
  methodNotFound: -32601,
  invalidParams: -32602,
  headerMismatch: -32020,
  missingCapability: -32021,
  unsupportedVersion: -32022,
};

/** The modern stdio fixture server of tests/conformance, as a config entry. */
export function modernFixture(more = {}) {
  return { command: process.execPath, args: [path.join(REPO_ROOT, 'tests', 'conformance', 'fixture-modern.mjs')], ...more };
}

/** The per-request _meta envelope every modern request carries. */
export function envelope({ capabilities = {}, name = 'e2e-modern-raw', version = MODERN, logLevel, progressToken } = {}) {
  const meta = {
    [META.protocolVersion]: version,
    [META.clientInfo]: { name, version: '1.0.0' },
    [META.clientCapabilities]: capabilities,
  };
  if (logLevel !== undefined) meta[META.logLevel] = logLevel;
  if (progressToken !== undefined) meta.progressToken = progressToken;
  return meta;
}

let nextRawId = 1;

/** A JSON-RPC request whose params carry `envelope(env)` merged under any params._meta given. */
export function modernRequest(method, params = {}, env = {}, id = `raw-${nextRawId++}`) {
  return { jsonrpc: '2.0', id, method, params: { ...params, _meta: { ...envelope(env), ...params._meta } } };
}

/**
 * The headers a modern POST of `body` carries: the version from params._meta, Mcp-Method, and
 * Mcp-Name for tools/call and prompts/get (params.name) and resources/read (params.uri).
 * `overrides` replaces any of them; a value of null leaves that header out.
 */
export function modernHeaders(body, overrides = {}) {
  const h = { 'content-type': 'application/json', accept: MCP_ACCEPT };
  const version = body?.params?._meta?.[META.protocolVersion];
  if (version !== undefined) h['mcp-protocol-version'] = version;
  if (body?.method) h['mcp-method'] = body.method;
  const nameField = { 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' }[body?.method];
  if (nameField && typeof body.params?.[nameField] === 'string') h['mcp-name'] = body.params[nameField];
  for (const [k, v] of Object.entries(overrides)) {
    const key = k.toLowerCase();
    if (v === null) delete h[key];
    else h[key] = v;
  }
  return h;
}

/** Splits SSE text into the JSON messages of its data lines (comments and blank events skipped). */
function parseSseMessages(text) {
  const out = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const data = block
      .split(/\r?\n/)
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).replace(/^ /, ''))
      .join('\n');
    if (data) out.push(JSON.parse(data));
  }
  return out;
}

/**
 * POSTs `body` to /mcp with modernHeaders(body, headers) and reads the whole answer (a JSON
 * object, or an SSE stream up to the response to `body.id`, then the stream is dropped).
 * Resolves with {status, contentType, headers, messages, response, notifications}.
 */
export async function modernPost(url, body, { headers = {}, timeoutMs = 10000, rawBody } = {}) {
  const ac = new AbortController();
  const res = await withDeadline(fetch(`${url}/mcp`, {
    method: 'POST',
    headers: modernHeaders(body, headers),
    body: rawBody ?? JSON.stringify(body),
    signal: ac.signal,
  }), timeoutMs, `POST ${body?.method}`);
  const contentType = res.headers.get('content-type') || '';
  const out = { status: res.status, contentType, headers: res.headers, messages: [] };
  try {
    if (contentType.includes('text/event-stream')) {
      const reader = res.body.getReader();
      const dec = new TextDecoder();
      let text = '';
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { value, done } = await withDeadline(reader.read(), Math.max(1, deadline - Date.now()), `SSE answer to ${body?.method}`);
        if (done) break;
        text += dec.decode(value, { stream: true });
        const cut = text.lastIndexOf('\n\n');
        if (cut < 0) continue;
        out.messages.push(...parseSseMessages(text.slice(0, cut)));
        text = text.slice(cut + 2);
        if (out.messages.some((m) => m.id === body.id && !m.method)) break;
      }
    } else {
      const text = await res.text();
      if (text) out.messages.push(JSON.parse(text));
    }
  } finally {
    ac.abort();
  }
  out.response = out.messages.find((m) => m.id !== undefined && !m.method);
  out.notifications = out.messages.filter((m) => m.method && m.id === undefined);
  return out;
}

/** modernPost of modernRequest(method, params, env); `opts` as modernPost's. */
export function modernCall(url, method, params = {}, env = {}, opts = {}) {
  return modernPost(url, modernRequest(method, params, env, opts.id), opts);
}

/** Asserts an answer is HTTP `status` with a JSON-RPC error of `code`; returns the error. */
export function assertRpcError(answer, status, code, what) {
  const detail = `${what}: HTTP ${answer.status} ${JSON.stringify(answer.messages).slice(0, 600)}`;
  assert.equal(answer.status, status, `${detail} (expected HTTP ${status})`);
  assert.ok(answer.response?.error, `${detail} (expected an error response)`);
  assert.equal(answer.response.error.code, code, `${detail} (expected code ${code})`);
  return answer.response.error;
}

/** Asserts a successful answer and returns its result. */
export function resultOf(answer, what) {
  const detail = `${what}: HTTP ${answer.status} ${JSON.stringify(answer.messages).slice(0, 600)}`;
  assert.equal(answer.status, 200, detail);
  assert.ok(answer.response?.result, detail);
  return answer.response.result;
}

/**
 * POSTs `body` and keeps its SSE answer open: every message goes to `log` (a MessageLog) as it
 * arrives. Resolves once the answer's headers are in. Returns {log, status, headers, ended
 * (resolves when the stream ends), close() (drops the connection)}. A JSON (non-SSE) answer is
 * read whole and pushed to the log.
 */
export async function streamPost(url, body, { headers = {}, timeoutMs = 10000, label } = {}) {
  const ac = new AbortController();
  const res = await withDeadline(fetch(`${url}/mcp`, {
    method: 'POST', headers: modernHeaders(body, headers), body: JSON.stringify(body), signal: ac.signal,
  }), timeoutMs, `POST ${body.method}`);
  const log = new MessageLog(label || `stream of ${body.method} ${JSON.stringify(body.id)}`);
  const contentType = res.headers.get('content-type') || '';
  const ended = (async () => {
    if (!contentType.includes('text/event-stream')) {
      const text = await res.text();
      if (text) log.push(JSON.parse(text));
      return 'json';
    }
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let text = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return 'end';
        text += dec.decode(value, { stream: true });
        const cut = text.lastIndexOf('\n\n');
        if (cut < 0) continue;
        for (const m of parseSseMessages(text.slice(0, cut))) log.push(m);
        text = text.slice(cut + 2);
      }
    } catch {
      return 'aborted';
    }
  })();
  return { id: body.id, log, status: res.status, headers: res.headers, contentType, ended, close: () => ac.abort() };
}

/**
 * Opens a raw subscriptions/listen stream with `filter` and request id `id`; resolves once the
 * first message arrived, which must be the acknowledgement (`ack`). `log` holds every message,
 * the acknowledgement first.
 */
export async function openListener(url, filter, { id = `listen-${nextRawId++}`, env = {}, timeoutMs = 10000 } = {}) {
  const body = { jsonrpc: '2.0', id, method: 'subscriptions/listen', params: { notifications: filter, _meta: envelope(env) } };
  const s = await streamPost(url, body, { timeoutMs, label: `listener ${JSON.stringify(id)}` });
  if (!s.contentType.includes('text/event-stream')) {
    await s.ended;
    throw new Error(`subscriptions/listen: HTTP ${s.status} ${s.contentType} ${JSON.stringify(s.log.messages)}`);
  }
  s.ack = await s.log.waitFor(() => true, { timeoutMs, what: 'the first message of the listen stream' });
  return s;
}

// ---------------------------------------------------------------------------
// The official v2 client, pinned to 2026-07-28, over a recording transport
// ---------------------------------------------------------------------------

/**
 * Records what goes through a v2 transport without wrapping it (the client's era negotiation
 * reads and restores the transport's handlers): send is wrapped, and onmessage becomes an
 * accessor whose getter hands the transport a recording shim around the client's handler.
 */
function recordTransport(transport, label) {
  const inbound = new MessageLog(`${label} inbound`);
  const outbound = [];
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    outbound.push(message);
    return send(message, options);
  };
  let handler;
  Object.defineProperty(transport, 'onmessage', {
    configurable: true,
    get() {
      if (!handler) return undefined;
      const shim = (m, extra) => {
        inbound.push(m);
        return handler(m, extra);
      };
      shim.recordedHandler = handler;
      return shim;
    },
    set(fn) {
      handler = fn?.recordedHandler ?? fn;
    },
  });
  return { inbound, outbound };
}

/**
 * Connects @modelcontextprotocol/client 2.4.0 to `${url}/mcp` speaking 2026-07-28 (pinned: the
 * server/discover probe must offer it, no fallback to initialize). `capabilities` are declared
 * per request; `setup(client)` registers handlers before connecting. The client gets `rec`
 * ({inbound: MessageLog, outbound: [], http: [{method, headers, body}]}) and `close2()`.
 */
export async function connectModern(url, { name = 'e2e-modern', capabilities = {}, setup, options = {} } = {}) {
  const client = new Client({ name, version: '1.0.0' }, {
    capabilities,
    versionNegotiation: { mode: { pin: MODERN } },
    ...options,
  });
  client.onerror = () => {};
  if (setup) setup(client);
  // The HTTP requests as sent (headers included), for what the transport derives from a message.
  const http = [];
  const recordingFetch = (input, init = {}) => {
    http.push({ method: init.method ?? 'GET', headers: Object.fromEntries(new Headers(init.headers)), body: init.body });
    return fetch(input, init);
  };
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { fetch: recordingFetch });
  client.rec = recordTransport(transport, name);
  client.rec.http = http;
  await withDeadline(client.connect(transport), 15000, `v2 client connect to ${url}/mcp`);
  client.close2 = async () => {
    // A client that fell back to a legacy session ends it, as the 1.32.2 helpers do.
    if (transport.sessionId) await transport.terminateSession().catch(() => {});
    await client.close().catch(() => {});
  };
  return client;
}

/** The raw response (from the recording) to the last outbound request matching `pred`. */
export function rawAnswer(client, pred) {
  const req = client.rec.outbound.filter((m) => m.id !== undefined && m.method && pred(m)).at(-1);
  assert.ok(req, 'a matching outbound request was recorded');
  return client.rec.inbound.messages.find((m) => m.id === req.id && !m.method);
}

/** Waits until /status shows no modern call and no in-flight call to any server. */
export function waitIdle(gw, what = 'no call in flight') {
  return gw.waitForStatus((st) => st.inFlight === 0 && st.sessions.modernCalls === 0 &&
    st.servers.every((s) => s.inFlight === 0), 10000, what);
}

export { waitFor };

/** The test server's journal (messages it received) read with a modern call; optionally one method. */
export async function modernJournal(url, server, method) {
  const a = await modernCall(url, 'tools/call', { name: `${server}__received`, arguments: method ? { method } : {} });
  const r = resultOf(a, `${server}__received`);
  return JSON.parse(r.content[0].text).map((e) => e.message);
}

/** Waits until `server`'s journal holds a `method` message matching `pred`; returns it. */
export async function waitModernJournal(url, server, method, pred = () => true, { timeoutMs = 10000, what } = {}) {
  let last = [];
  try {
    return await waitFor(async () => {
      last = await modernJournal(url, server, method);
      return last.find(pred);
    }, { timeoutMs, intervalMs: 25, what: what || `${method} in ${server}'s journal` });
  } catch (e) {
    throw new Error(`${e.message}; ${method} entries: ${JSON.stringify(last).slice(0, 1500)}`);
  }
}

/** The text of the first content block of a tools/call result. */
export function textOfResult(result) {
  const block = result?.content?.find((c) => c.type === 'text');
  assert.ok(block, `a text block in ${JSON.stringify(result).slice(0, 400)}`);
  return block.text;
}

/**
 * What the modern fixture lists when spoken to directly (in this process, no gateway): the
 * reference for what the gateway must serve of it. Resolves {tools, prompts, resources,
 * resourceTemplates}, each an array of the items' names (URIs, URI templates).
 */
export async function fixtureLists() {
  const { createModernServer } = await import(modernFixture().args[0]);
  const server = createModernServer();
  const out = {};
  for (const [method, key, ident] of [['tools/list', 'tools', 'name'], ['prompts/list', 'prompts', 'name'],
    ['resources/list', 'resources', 'uri'], ['resources/templates/list', 'resourceTemplates', 'uriTemplate']]) {
    const sent = [];
    await server.handle(modernRequest(method), { send: (m) => sent.push(m) });
    const answer = sent.find((m) => m.result);
    assert.ok(answer && !answer.result.nextCursor, `${method} of the fixture in one page: ${JSON.stringify(sent).slice(0, 300)}`);
    out[key] = answer.result[key].map((x) => x[ident]);
  }
  return out;
}
