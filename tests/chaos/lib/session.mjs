// Client sessions of the official MCP TypeScript SDK (the same install as tests/e2e), with a
// tap on the transport that tells a gateway's answer from a failure made up on the client side.
//
// The SDK rejects a request both when the gateway answered with a JSON-RPC error and when the
// transport failed (a POST refused, a stream that ended: "MCP error -32000: Connection closed",
// the same code the gateway uses for "went away"). So every request carries a tag in
// params._meta; the tap maps the JSON-RPC id the SDK gave it to the tag, and records the
// response when one arrives. A request is "answered" if and only if a response with its id
// came back over the wire.

import { connectSse, connectStreamable } from '../../e2e/lib/gateway.mjs';
// The SDK's own module, the same instance the client uses (resolved to the same file).
import { ListToolsResultSchema } from '../../e2e/node_modules/@modelcontextprotocol/sdk/dist/esm/types.js';

/** Counts outcomes and keeps the first few examples of each violation. */
export class Ledger {
  constructor() {
    this.total = 0;
    this.outcomes = {}; // "source/outcome" -> count
    this.violations = {}; // kind -> count
    this.examples = {}; // kind -> first examples
    this.maxAnswerMs = 0;
    this.progress = 0;
    this.excused = {}; // kind -> count: failures during a stall of the whole test machine
    this.timed = []; // {kind, detail, from, to}: violations that a stall can explain
  }
  /**
   * Moves the violations whose time span comes within `marginMs` of a stall ([from, to]) to
   * `excused`. Called once the run is over, when every stall has been seen.
   */
  excuseStalls(stalls, marginMs) {
    for (const v of this.timed) {
      if (!stalls.some(([a, b]) => a <= v.to + marginMs && b >= v.from - marginMs)) continue;
      this.violations[v.kind]--;
      if (this.violations[v.kind] === 0) delete this.violations[v.kind];
      this.examples[v.kind] = this.examples[v.kind]?.filter((d) => d !== v.detail);
      this.excused[v.kind] = (this.excused[v.kind] || 0) + 1;
      const list = (this.examples[`excused ${v.kind}`] ||= []);
      if (list.length < 5) list.push(v.detail);
    }
    this.timed = [];
  }
  record(source, outcome, ms) {
    this.total++;
    const key = `${source}/${outcome}`;
    this.outcomes[key] = (this.outcomes[key] || 0) + 1;
    if (ms > this.maxAnswerMs) this.maxAnswerMs = ms;
  }
  /** `span` ([from, to] in ms since the epoch): when it happened, for excuseStalls(). */
  violation(kind, detail, span) {
    this.violations[kind] = (this.violations[kind] || 0) + 1;
    const list = (this.examples[kind] ||= []);
    if (list.length < 10) list.push(detail);
    if (span) this.timed.push({ kind, detail, from: span[0], to: span[1] });
  }
  violationCount(kind) {
    return kind ? this.violations[kind] || 0 : Object.values(this.violations).reduce((a, b) => a + b, 0);
  }
  /** Outcome counts summed over sources: {ok: n, 'rpc:timeout': n, ...}. */
  byOutcome() {
    const out = {};
    for (const [k, n] of Object.entries(this.outcomes)) {
      const outcome = k.slice(k.indexOf('/') + 1);
      out[outcome] = (out[outcome] || 0) + n;
    }
    return out;
  }
}

/** A name for a JSON-RPC error the gateway (or a backend through it) answered with. */
export function errorKind(error) {
  const m = String(error?.message || '');
  if (/is not available/.test(m)) return 'rpc:unavailable';
  if (/went away before answering/.test(m)) return 'rpc:backend-gone';
  if (/timed out after/.test(m)) return 'rpc:timeout';
  if (/Unknown tool|Unknown prompt|not found/i.test(m)) return 'rpc:unknown-name';
  if (/shutting down/.test(m)) return 'rpc:shutdown';
  return `rpc:other(${error?.code})`;
}

let nextTag = 0;

/**
 * Connects one SDK client (`kind`: 'sse' or 'streamable') and returns a session object:
 *   request(method, params, {deadlineMs, onprogress}) -> {answered, result?, error?, why?, ms}
 *   closedBy: why the session ended without being closed by us, or null
 *   progressAfterAnswer: progress notifications that came after their request's answer
 *   close(): deliberate close (DELETE for Streamable HTTP)
 */
export async function openSession(kind, url, label) {
  const client = await (kind === 'sse' ? connectSse : connectStreamable)(url, { name: label });
  const transport = client.transport;
  const session = {
    kind,
    label,
    client,
    closing: false,
    closedBy: null, // set when the transport closed without us asking
    transportErrors: [], // the first few errors the SDK reported outside a request
    transportErrorCount: 0,
    progressAfterAnswer: [],
  };
  const tagOfId = new Map();
  const idOfTag = new Map();
  const responses = new Map(); // tag -> JSON-RPC response message
  const origSend = transport.send.bind(transport);
  transport.send = (message, options) => {
    const tag = message?.params?._meta?.chaosTag;
    if (tag !== undefined && message.id !== undefined) {
      tagOfId.set(message.id, tag);
      idOfTag.set(tag, message.id);
    }
    return origSend(message, options);
  };
  // Ids of answered requests (the SDK's progress token is the request id), to catch progress
  // that arrives after the answer: the specification says progress stops when the request
  // completes (basic/utilities/progress), so a gateway that reorders would be caught here.
  const answered = new Set();
  const origOnMessage = transport.onmessage;
  transport.onmessage = (message, extra) => {
    if (message && message.id !== undefined && ('result' in message || 'error' in message)) {
      const tag = tagOfId.get(message.id);
      if (tag !== undefined) {
        tagOfId.delete(message.id);
        responses.set(tag, message);
      }
      answered.add(message.id);
      if (answered.size > 10000) answered.delete(answered.values().next().value);
    } else if (message?.method === 'notifications/progress' && answered.has(message.params?.progressToken)) {
      session.progressAfterAnswer.push(JSON.stringify(message).slice(0, 200));
    }
    return origOnMessage?.(message, extra);
  };

  client.onclose = () => {
    if (!session.closing && !session.closedBy) session.closedBy = 'transport closed';
  };
  client.onerror = (e) => {
    const text = String(e?.message || e);
    // The SDK runs notification handlers a microtask after the answer handler, so a progress
    // notification that arrived just before the answer in the same read is reported as
    // unknown; the tap above checks the real order on the wire.
    if (text.startsWith('Received a progress notification for an unknown token')) return;
    if (session.closing) return;
    session.transportErrorCount++;
    if (session.transportErrors.length < 20) session.transportErrors.push(text);
  };

  session.request = async (method, params, { deadlineMs, onprogress } = {}) => {
    const tag = `${label}#${++nextTag}`;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(new Error(`chaos deadline of ${deadlineMs} ms`)), deadlineMs);
    const t0 = Date.now();
    const full = { ...params, _meta: { ...(params?._meta || {}), chaosTag: tag } };
    const options = { signal: ac.signal, timeout: deadlineMs * 10 };
    if (onprogress) options.onprogress = onprogress;
    try {
      let result;
      if (method === 'tools/call') result = await client.callTool(full, undefined, options);
      // Not client.listTools(): it compiles every output schema with a fresh Ajv validator that
      // Ajv caches for good (keyed by the new schema object), so a client that lists tools
      // thousands of times grows by hundreds of MB and stalls in GC. The load lists through
      // request(); openSession() lists once so that results are still checked against schemas.
      else if (method === 'tools/list') result = await client.request({ method, params: full }, ListToolsResultSchema, options);
      else if (method === 'prompts/get') result = await client.getPrompt(full, options);
      else throw new Error(`chaos session: unsupported method ${method}`);
      return { answered: true, result, ms: Date.now() - t0, started: t0 };
    } catch (error) {
      const ms = Date.now() - t0;
      const response = responses.get(tag);
      if (response?.error) return { answered: true, error: response.error, ms, started: t0 };
      if (response) return { answered: true, rejected: error, ms, started: t0 }; // the SDK refused it
      if (ac.signal.aborted) return { answered: false, why: 'deadline', error, ms, started: t0 };
      return { answered: false, why: 'transport', error, ms, started: t0 };
    } finally {
      clearTimeout(timer);
      responses.delete(tag);
      tagOfId.delete(idOfTag.get(tag));
      idOfTag.delete(tag);
    }
  };

  // Once, so that the SDK knows the tools' output schemas and checks structuredContent.
  await client.listTools();

  session.close = async () => {
    session.closing = true;
    await client.close2();
  };
  return session;
}
