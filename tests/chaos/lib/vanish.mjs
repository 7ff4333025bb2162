// Clients that vanish in the middle of a call, spoken in raw HTTP so that the moment is exact:
// the socket is destroyed right after the first progress notification of a running call.
//
// Streamable HTTP: the POST's SSE stream is cut; the session must survive (a later ping on it
// is answered) and is then deleted on purpose. Legacy SSE: the session's GET stream is cut; the
// session must end with it (a later POST to it gets 404).

import http from 'node:http';

const PROTOCOL_VERSION = '2025-06-18';

function rpc(id, method, params) {
  const m = { jsonrpc: '2.0', method };
  if (id !== undefined) m.id = id;
  if (params !== undefined) m.params = params;
  return JSON.stringify(m);
}

/** Splits SSE text into events; returns [events, rest]. */
function parseEvents(buffer) {
  const events = [];
  let idx;
  while ((idx = buffer.search(/\r?\n\r?\n/)) >= 0) {
    const block = buffer.slice(0, idx);
    buffer = buffer.slice(idx).replace(/^\r?\n\r?\n/, '');
    let event = 'message';
    const data = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length) events.push({ event, data: data.join('\n') });
  }
  return [events, buffer];
}

/**
 * Starts a request on a connection of its own. `onResponse(res, req)` gets the response; the
 * promise settles with what it resolves to, or rejects on error or after `timeoutMs`.
 */
function exchange(url, { method = 'POST', headers = {}, body, timeoutMs = 10000 }, onResponse) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`${method} ${url}: nothing decisive within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (fn) => (v) => {
      clearTimeout(timer);
      fn(v);
    };
    // A socket we cut on purpose (after the response started) reports an error too.
    req.on('error', (e) => {
      if (!req.chaosCut) done(reject)(e);
    });
    req.on('response', (res) => {
      res.on('error', () => {}); // a socket we destroy on purpose
      Promise.resolve(onResponse(res, req)).then(done(resolve), done(reject));
    });
    req.end(body);
  });
}

function readBody(res) {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (d) => (text += d));
    res.on('end', () => resolve(text));
    res.on('error', reject);
  });
}

/** The JSON-RPC messages of a Streamable HTTP answer (JSON or a finished SSE stream). */
async function messagesOf(res) {
  const text = await readBody(res);
  if ((res.headers['content-type'] || '').includes('text/event-stream')) {
    return parseEvents(text)[0].map((e) => JSON.parse(e.data));
  }
  return text ? [JSON.parse(text)] : [];
}

const MCP_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

/**
 * Streamable HTTP client that vanishes mid-call. Returns {outcome, ...}: outcome
 * 'vanished' (cut after `progressEvents` progress notifications), or 'answered-first' (the
 * call ended before that, e.g. its server was down: nothing to cut).
 * Throws when the gateway misbehaves (initialize refused, the session lost afterwards).
 */
export async function vanishStreamable(baseUrl, tool, { ms, progressEvents = 1 }) {
  const url = `${baseUrl}/mcp`;
  const init = await exchange(url, {
    headers: MCP_HEADERS,
    body: rpc(1, 'initialize', {
      protocolVersion: PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: 'chaos-vanish', version: '1' },
    }),
  }, async (res) => ({ status: res.statusCode, sid: res.headers['mcp-session-id'], msgs: await messagesOf(res) }));
  if (init.status !== 200 || !init.sid || !init.msgs.some((m) => m.id === 1 && m.result)) {
    throw new Error(`initialize: HTTP ${init.status}, session ${init.sid}, ${JSON.stringify(init.msgs).slice(0, 200)}`);
  }
  const headers = { ...MCP_HEADERS, 'mcp-session-id': init.sid, 'mcp-protocol-version': PROTOCOL_VERSION };
  try {
    return await useStreamableSession(url, headers, init.sid, tool, ms, progressEvents);
  } catch (e) {
    // Whatever went wrong, the session is ended on purpose so that the settle can count on it.
    await exchange(url, { method: 'DELETE', headers }, (res) => readBody(res)).catch(() => {});
    throw e;
  }
}

async function useStreamableSession(url, headers, sid, tool, ms, progressEvents) {
  const inited = await exchange(url, { headers, body: rpc(undefined, 'notifications/initialized') }, (res) =>
    readBody(res).then(() => res.statusCode));
  if (inited !== 202) throw new Error(`notifications/initialized: HTTP ${inited}`);

  const outcome = await exchange(url, {
    headers,
    body: rpc(2, 'tools/call', { name: tool, arguments: { ms }, _meta: { progressToken: 'vanish' } }),
    timeoutMs: ms + 10000,
  }, (res, req) => new Promise((resolve) => {
    if (!(res.headers['content-type'] || '').includes('text/event-stream')) {
      readBody(res).then(() => resolve('answered-first'), () => resolve('answered-first'));
      return;
    }
    let buffer = '';
    let seen = 0;
    res.setEncoding('utf8');
    res.on('data', (d) => {
      let events;
      [events, buffer] = parseEvents(buffer + d);
      for (const e of events) {
        const m = JSON.parse(e.data);
        if (m.method === 'notifications/progress' && ++seen >= progressEvents) {
          req.chaosCut = true;
          req.destroy();
          resolve('vanished');
          return;
        }
        if (m.id === 2) {
          resolve('answered-first');
          return;
        }
      }
    });
    res.on('end', () => resolve('answered-first'));
    res.on('close', () => resolve('answered-first'));
  }));

  // The session outlives a cut stream (Streamable HTTP sessions are not tied to a connection).
  const ping = await exchange(url, { headers, body: rpc(3, 'ping') }, async (res) => ({
    status: res.statusCode,
    msgs: await messagesOf(res),
  }));
  if (ping.status !== 200 || !ping.msgs.some((m) => m.id === 3 && m.result)) {
    throw new Error(`session ${sid} lost after its stream was cut: ping got HTTP ${ping.status} ${JSON.stringify(ping.msgs).slice(0, 200)}`);
  }
  const del = await exchange(url, { method: 'DELETE', headers }, (res) => readBody(res).then(() => res.statusCode));
  if (del !== 200) throw new Error(`DELETE of session ${sid}: HTTP ${del}`);
  return { outcome, session: sid };
}

/**
 * Legacy SSE client that vanishes mid-call by cutting its GET /sse stream. Returns
 * {outcome, ...} as vanishStreamable; throws when the gateway misbehaves (no endpoint, no
 * initialize answer, the session still accepting POSTs long after its stream was cut).
 */
export async function vanishSse(baseUrl, tool, { ms, progressEvents = 1, goneWithinMs = 10000 }) {
  let stream; // {req, res}
  let buffer = '';
  const waiters = []; // {pred, resolve}
  const events = [];
  const onEvent = (e) => {
    events.push(e);
    for (const w of [...waiters]) {
      if (w.pred(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  };
  const waitEvent = (pred, timeoutMs, what) =>
    new Promise((resolve, reject) => {
      const hit = events.find(pred);
      if (hit) return resolve(hit);
      const w = { pred, resolve: (e) => (clearTimeout(timer), resolve(e)) };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(w), 1);
        reject(new Error(`legacy SSE: no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.push(w);
    });

  await new Promise((resolve, reject) => {
    const req = http.get(`${baseUrl}/sse`, { agent: false, headers: { accept: 'text/event-stream' } });
    req.on('error', reject);
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`GET /sse: HTTP ${res.statusCode}`));
        req.destroy();
        return;
      }
      stream = { req, res };
      res.setEncoding('utf8');
      res.on('error', () => {});
      res.on('data', (d) => {
        let evs;
        [evs, buffer] = parseEvents(buffer + d);
        evs.forEach(onEvent);
      });
      resolve();
    });
  });
  try {
    const endpoint = (await waitEvent((e) => e.event === 'endpoint', 5000, 'endpoint event')).data;
    const post = (body) =>
      exchange(new URL(endpoint, baseUrl), { headers: { 'content-type': 'application/json' }, body }, (res) =>
        readBody(res).then(() => res.statusCode));
    const message = (id) => (e) => e.event === 'message' && JSON.parse(e.data).id === id;

    let status = await post(rpc(1, 'initialize', {
      protocolVersion: '2024-11-05',
      capabilities: {},
      clientInfo: { name: 'chaos-vanish-sse', version: '1' },
    }));
    if (status !== 202) throw new Error(`initialize POST: HTTP ${status}`);
    await waitEvent(message(1), 5000, 'initialize answer');
    status = await post(rpc(undefined, 'notifications/initialized'));
    if (status !== 202) throw new Error(`notifications/initialized POST: HTTP ${status}`);

    status = await post(rpc(2, 'tools/call', { name: tool, arguments: { ms }, _meta: { progressToken: 'vanish' } }));
    if (status !== 202) throw new Error(`tools/call POST: HTTP ${status}`);
    let seen = 0;
    const first = await waitEvent((e) => {
      if (e.event !== 'message') return false;
      const m = JSON.parse(e.data);
      if (m.id === 2) return true;
      return m.method === 'notifications/progress' && ++seen >= progressEvents;
    }, ms + 10000, 'progress or answer of the call');
    const outcome = JSON.parse(first.data).id === 2 ? 'answered-first' : 'vanished';
    stream.req.destroy();

    // A legacy session lives as long as its stream: it must be gone soon.
    const t0 = Date.now();
    for (;;) {
      status = await post(rpc(9, 'ping'));
      if (status === 404) break;
      if (Date.now() - t0 > goneWithinMs) {
        throw new Error(`legacy session still accepts POSTs (HTTP ${status}) ${goneWithinMs} ms after its stream was cut`);
      }
      await new Promise((r) => setTimeout(r, 50)); // polling interval of a condition wait
    }
    return { outcome, goneAfterMs: Date.now() - t0 };
  } finally {
    stream?.req.destroy();
  }
}
