// The front's limits, on both transports: request body size (mcproxy.maxMessageBytes, with
// Content-Length and chunked), header size (one huge header, and a huge header block), the
// number of sessions (mcproxy.maxSessions), and the per-session outbox (a client that stops
// reading while a backend floods it is disconnected and logged, while another client keeps
// working). Each refusal must be a prompt, clear 4xx/5xx, never a hang or a crash.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';

import { sharedGateway, startGateway, itStopsCleanly, testServer, textOf, withDeadline, settle, waitFor, fatalError, MCP_ACCEPT } from './lib/gateway.mjs';
import { logMark, logLines, waitForLog } from './lib/ops.mjs';
import {
  KINDS,
  other,
  connectClient,
  closeAll,
  httpRequest,
  rawSseSession,
  rawSseInitialize,
  rawStreamableSession,
} from './lib/peers.mjs';

const MAX_BODY = 65536;
const MAX_SESSIONS = 3;
const OVERFLOW_RE = /could not keep up/;
const CALL_TIMEOUT_MS = 3000; // server a's timeoutMs: a hung call fails the test in seconds

/**
 * Writes `head` (and `body`) on a fresh TCP connection and resolves with the HTTP status as
 * soon as the response head has arrived ({status, line, sessionId, ms}), or {closed|error} if
 * the connection ends first; rejects after `timeoutMs` (a hang).
 */
function rawExchange(port, head, body = '', { timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    const done = (v) => {
      clearTimeout(timer);
      s.destroy();
      resolve({ ...v, ms: Date.now() - t0 });
    };
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no HTTP status line within ${timeoutMs} ms (got ${JSON.stringify(got.slice(0, 100))})`));
    }, timeoutMs);
    s.on('data', (d) => {
      got += d.toString('latin1');
      const end = got.indexOf('\r\n\r\n');
      if (end >= 0) {
        const line = got.slice(0, got.indexOf('\r\n'));
        done({
          status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(line)?.[1]),
          line,
          sessionId: /\r\nmcp-session-id: *([^\r]+)/i.exec(got.slice(0, end))?.[1],
        });
      }
    });
    s.on('error', (e) => done({ error: e.code }));
    s.on('close', () => done({ closed: true }));
    // Write in pieces: the server may answer (and close) before it has read everything.
    s.write(head, 'latin1');
    if (body) s.write(body, 'latin1');
  });
}

function initializeBody(id = 1) {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'limits', version: '1' } },
  });
}

const isRefusal = (status) => status >= 400 && status < 600;

describe('front limits: body and header size, sessions, per-session outbox', { timeout: 120000 }, () => {
  const gw = sharedGateway({
    servers: {
      a: testServer('a', ['--protocol-tools'], { timeoutMs: CALL_TIMEOUT_MS }),
      b: testServer('b', ['--protocol-tools']),
    },
    mcproxy: { maxSessions: MAX_SESSIONS, maxMessageBytes: MAX_BODY },
  });

  const noSessions = () => gw.waitForStatus((st) => st.sessions.total === 0, 10000, 'every earlier session closed');

  for (const kind of KINDS) {
    describe(`over ${kind}`, () => {
      it(`a body over maxMessageBytes gets 413 at once (Content-Length and chunked); one just under it works`, async () => {
        await noSessions();
        const c = await connectClient(gw.url, kind, { name: `body-${kind}` });
        let raw;
        try {
          const pad = 'y'.repeat(MAX_BODY - 400);
          assert.equal(textOf(await c.callTool({ name: 'a__add', arguments: { a: 1, b: 2, pad } })), '3', 'a body just under the limit');

          const big = JSON.stringify({ jsonrpc: '2.0', id: 77, method: 'tools/call', params: { name: 'a__echo', arguments: { text: 'z'.repeat(4 * MAX_BODY) } } });
          let path;
          let headers;
          if (kind === 'streamable') {
            raw = await rawStreamableSession(gw.url);
            path = '/mcp';
            headers = `Content-Type: application/json\r\nAccept: ${MCP_ACCEPT}\r\nMcp-Session-Id: ${raw.sessionId}\r\n`;
          } else {
            raw = await rawSseSession(gw.url);
            await rawSseInitialize(raw, '2025-11-25');
            path = new URL(raw.endpoint).pathname + new URL(raw.endpoint).search;
            headers = 'Content-Type: application/json\r\n';
          }
          const start = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers}`;
          const withLength = await rawExchange(gw.port, `${start}Content-Length: ${big.length}\r\n\r\n`, big);
          assert.equal(withLength.status, 413, `Content-Length ${big.length}: ${JSON.stringify(withLength)}`);
          const chunked = await settle(rawExchange(gw.port, `${start}Transfer-Encoding: chunked\r\n\r\n`,
            `${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`, { timeoutMs: 2000 }));
          assert.ok(chunked.ok, `chunked body of ${big.length} bytes: ${chunked.error?.message}`);
          assert.equal(chunked.value.status, 413, `chunked body of ${big.length} bytes over a ${MAX_BODY}-byte limit: ${JSON.stringify(chunked.value)}`);

          // The session is unharmed.
          assert.equal(textOf(await c.callTool({ name: 'a__echo', arguments: { text: 'after' } })), 'after');
        } finally {
          raw?.destroy?.();
          if (raw?.sessionId) await fetch(`${gw.url}/mcp`, { method: 'DELETE', headers: { 'mcp-session-id': raw.sessionId } }).catch(() => {});
          await c.close2();
        }
        gw.assertClean();
      });

      it('an answer over maxMessageBytes from the backend fails the call at once (not at the call timeout), and the session goes on', async () => {
        const c = await connectClient(gw.url, kind, { name: `bigreply-${kind}` });
        try {
          const r = await settle(withDeadline(c.callTool({ name: 'a__large', arguments: { bytes: 2 * MAX_BODY } }), 2000,
            `the call whose ${2 * MAX_BODY}-byte answer is over the limit (server timeoutMs ${CALL_TIMEOUT_MS})`));
          assert.ok(!/deadline/.test(r.error?.message ?? ''), `the call hung: ${r.error?.message}`);
          assert.ok(!r.ok || r.value.isError, `the call fails: ${JSON.stringify(r.value ?? r.error?.message).slice(0, 300)}`);
          assert.equal(textOf(await c.callTool({ name: 'a__echo', arguments: { text: 'next' } })), 'next');
        } finally {
          await c.close2();
        }
        await gw.waitForStatus((st) => st.inFlight === 0, CALL_TIMEOUT_MS + 2000, 'no call left in flight');
        gw.assertClean();
      });

      it('huge request headers get a clear 4xx at once (one 64 KiB header; a 1 MiB header block), and the gateway stays up', async () => {
        const request = kind === 'streamable'
          ? { line: 'POST /mcp HTTP/1.1', headers: `Content-Type: application/json\r\nAccept: ${MCP_ACCEPT}\r\n`, body: initializeBody() }
          : { line: 'GET /sse HTTP/1.1', headers: 'Accept: text/event-stream\r\n', body: '' };
        const head = (extra) => `${request.line}\r\nHost: 127.0.0.1\r\nConnection: close\r\n${request.headers}${extra}` +
          (request.body ? `Content-Length: ${request.body.length}\r\n` : '') + '\r\n';
        const cases = {
          'one 64 KiB header': `X-Big: ${'a'.repeat(64 * 1024)}\r\n`,
          '1 MiB of headers (65536 short lines)': Array.from({ length: 65536 }, (_, i) => `X-H${i}: ${'v'.repeat(8)}\r\n`).join(''),
        };
        const got = {};
        for (const [label, extra] of Object.entries(cases)) {
          const r = await settle(rawExchange(gw.port, head(extra), request.body));
          got[label] = r.ok ? (isRefusal(r.value.status) ? '4xx' : `HTTP ${r.value.status}`) : r.error.message;
          if (r.value?.sessionId) {
            // Accepted after all: end the session it opened.
            await fetch(`${gw.url}/mcp`, { method: 'DELETE', headers: { 'mcp-session-id': r.value.sessionId } });
          }
          assert.equal((await fetch(`${gw.url}/health`)).status, 200, `healthy after ${label}`);
        }
        assert.deepEqual(got, Object.fromEntries(Object.keys(cases).map((k) => [k, '4xx'])),
          `${request.line} with huge headers: a refusal for each`);
        // Nothing was left behind by the refused requests.
        await noSessions();
        gw.assertClean();
      });

      it(`a session beyond maxSessions (${MAX_SESSIONS}) is refused on either transport; once one closes a new one is accepted`, async () => {
        await noSessions();
        const clients = [];
        try {
          for (let i = 0; i < MAX_SESSIONS; i++) clients.push(await connectClient(gw.url, kind, { name: `s${i}-${kind}` }));
          assert.equal((await gw.status()).sessions.total, MAX_SESSIONS);
          const refused = {};
          for (const k of [kind, other(kind)]) {
            const r = await settle(withDeadline(connectClient(gw.url, k, { name: `extra-${k}` }), 5000, `a ${k} session beyond the limit`));
            if (r.ok) {
              clients.push(r.value);
              refused[k] = `accepted (sessions now ${(await gw.status()).sessions.total})`;
            } else {
              refused[k] = /deadline/.test(r.error.message) ? `hung: ${r.error.message}` : 'refused';
            }
          }
          const raw = await httpRequest(`${gw.url}/mcp`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: MCP_ACCEPT },
            body: initializeBody(),
          });
          assert.equal(raw.status, 503, `raw initialize beyond the limit: ${raw.status} ${raw.body}`);
          assert.match(JSON.parse(raw.body).error?.message ?? '', /[Tt]oo many sessions/);
          assert.deepEqual(refused, { [kind]: 'refused', [other(kind)]: 'refused' },
            `with ${MAX_SESSIONS} ${kind} sessions open, a new session of each kind`);

          const closing = clients.shift();
          await closing.close2();
          await gw.waitForStatus((st) => st.sessions.total < MAX_SESSIONS, 10000, 'a session slot free again');
          const again = await connectClient(gw.url, kind, { name: `again-${kind}` });
          clients.push(again);
          assert.equal(textOf(await again.callTool({ name: 'a__echo', arguments: { text: 'in' } })), 'in');
        } finally {
          await closeAll(clients);
        }
        gw.assertClean();
      });

      it('a client that stops reading while a backend floods it is disconnected and logged once; another client keeps working', async () => {
        await noSessions();
        const mark = logMark(gw);
        // 108 MB in messages under maxMessageBytes each: beyond the 32 MiB outbox, the batch being
        // written and the socket buffers.
        const count = 1800;
        const bytes = 60000;
        const call = (id) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'a__progress_flood', arguments: { count, bytes }, _meta: { progressToken: 1 } } });
        let slow; // {ended, resume, read(): bytes}
        let raw;
        const fast = await connectClient(gw.url, kind, { name: `fast-${kind}` });
        try {
          if (kind === 'streamable') {
            raw = await rawStreamableSession(gw.url);
            const res = await new Promise((resolve, reject) => {
              const req = http.request(`${gw.url}/mcp`, { method: 'POST', headers: raw.headers }, resolve);
              req.on('error', reject);
              req.end(JSON.stringify(call(5)));
            });
            assert.equal(res.headers['content-type'], 'text/event-stream', 'the flooded call answers with a stream');
            res.pause();
            let n = 0;
            const ended = new Promise((r) => {
              res.on('end', () => r('end'));
              res.on('close', () => r('close'));
              res.on('error', () => r('error'));
            });
            res.on('data', (d) => (n += d.length));
            slow = { ended, resume: () => res.resume(), read: () => n };
          } else {
            raw = await rawSseSession(gw.url);
            await rawSseInitialize(raw, '2025-11-25');
            raw.pause();
            assert.equal((await raw.post(call(5))).status, 202);
            slow = { ended: raw.ended, resume: raw.resume, read: () => raw.bytes };
          }

          // While the flood runs, the other client's calls keep being answered promptly.
          let overflowed = false;
          const logged = waitForLog(gw, OVERFLOW_RE, { from: mark, timeoutMs: 30000, what: 'the outbox overflow warning' })
            .finally(() => (overflowed = true));
          let answered = 0;
          while (!overflowed) {
            const t0 = Date.now();
            const text = `alive-${answered}`;
            assert.equal(textOf(await withDeadline(fast.callTool({ name: 'b__echo', arguments: { text } }), 5000, 'a call during the flood')), text);
            assert.ok(Date.now() - t0 < 2000, `a call during the flood took ${Date.now() - t0} ms`);
            answered++;
          }
          await logged;
          assert.ok(answered >= 1, 'the other client was served during the flood');

          // The slow client, reading again, finds its stream cut short: no final answer.
          slow.resume();
          await withDeadline(slow.ended, 10000, 'the slow client\'s stream to end once it reads again');
          assert.ok(slow.read() < count * bytes, `the slow client got ${slow.read()} of ${count * bytes} bytes`);
          if (kind === 'sse') {
            // The legacy session lives as long as its stream: it is gone.
            assert.deepEqual(raw.log.since(0, (m) => m.id === 5), [], 'no answer to the flooded call on the cut stream');
            await gw.waitForStatus((st) => st.sessions.sse === 1, 10000, 'the slow legacy session closed (the fast one remains)');
            assert.equal((await raw.post({ jsonrpc: '2.0', method: 'notifications/initialized' })).status, 404);
          }
          assert.equal(textOf(await fast.callTool({ name: 'a__echo', arguments: { text: 'after' } })), 'after',
            'the flooding backend still serves the other client');
          // One line for the one client, naming its session (the log's "(session <8 hex>)").
          const sessionId = kind === 'streamable' ? raw.sessionId : new URL(raw.endpoint).searchParams.get('sessionId');
          const warnings = logLines(gw, OVERFLOW_RE, mark);
          assert.deepEqual({ lines: warnings.length, namesTheSession: warnings.every((l) => l.includes(`(session ${sessionId.slice(0, 8)})`)) },
            { lines: 1, namesTheSession: true }, `overflow warnings: ${warnings.slice(0, 3).join(' | ')}`);
        } finally {
          raw?.destroy?.();
          if (raw?.sessionId) await fetch(`${gw.url}/mcp`, { method: 'DELETE', headers: { 'mcp-session-id': raw.sessionId } }).catch(() => {});
          await fast.close2();
        }
        gw.assertClean();
      });
    });
  }

  it(`at maxSessions (${MAX_SESSIONS}) the least recently used idle Streamable session gives its place to a new client; a busy one never does`, async () => {
    await noSessions();
    const EVICTABLE_AFTER_MS = 10000; // RouterSettings::evictable_after
    const initialize = () => httpRequest(`${gw.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: MCP_ACCEPT },
      body: initializeBody(),
    });
    const list = (s) => httpRequest(`${gw.url}/mcp`, { method: 'POST', headers: s.headers, body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }) });
    // Three sessions with no GET stream, like a client that leaks them; the third stays busy.
    const [r1, r2, r3] = [await rawStreamableSession(gw.url), await rawStreamableSession(gw.url), await rawStreamableSession(gw.url)];
    const created = Date.now();
    const busy = new AbortController();
    const call = fetch(`${gw.url}/mcp`, {
      method: 'POST',
      headers: r3.headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'b__sleep', arguments: { ms: 60000 } } }),
      signal: busy.signal,
    }).then((r) => r.arrayBuffer()).catch(() => {});
    const opened = [];
    try {
      const first = await initialize();
      assert.equal(first.status, 503, `at the cap, with every session fresh: ${first.status} ${first.body}`);
      const mark = logMark(gw);
      // Until r1 has been idle long enough, a new client is refused; then it takes r1's place.
      const admitted = await waitFor(async () => {
        const r = await initialize();
        if (r.status === 200) return r;
        if (r.status !== 503) throw fatalError(`refused while nothing is evictable, expected 503: ${r.status} ${r.body}`);
        return null;
      }, { timeoutMs: EVICTABLE_AFTER_MS + 15000, intervalMs: 250, what: 'a new session admitted once an idle one can give way' });
      opened.push(admitted.headers['mcp-session-id']);
      assert.ok(Date.now() - created >= EVICTABLE_AFTER_MS - 500, 'not before the idle time');
      await waitForLog(gw, /mcproxy\.maxSessions \(3\) reached: ended the least recently used idle session \(idle \d+ s\)/, { from: mark });
      assert.equal((await list(r1)).status, 404, 'the evicted session (least recently used) is gone');
      // Next in line is r2 (idle, no stream); r3 is busy and stays.
      const second = await initialize();
      assert.equal(second.status, 200, `a second new client takes r2's place: ${second.status}`);
      opened.push(second.headers['mcp-session-id']);
      assert.equal((await list(r2)).status, 404, 'r2 gave way next');
      const third = await initialize();
      assert.equal(third.status, 503, 'r3 has a call in flight and the others are new: nobody gives way');
      assert.equal(logLines(gw, /ended the least recently used idle session/, mark).length, 2);
    } finally {
      busy.abort();
      await call;
      for (const id of [r1.sessionId, r2.sessionId, r3.sessionId, ...opened]) {
        await httpRequest(`${gw.url}/mcp`, { method: 'DELETE', headers: { 'mcp-session-id': id } }).catch(() => {});
      }
    }
    await noSessions();
    gw.assertClean();
  });

  it('a session costs the supervisor well under 2 KiB of heap (its capabilities are names, not a 64 KiB JSON document)', async (t) => {
    const roomy = await startGateway({ servers: { a: testServer('a') }, mcproxy: { maxSessions: 400 } });
    try {
      const before = (await roomy.status()).heap;
      if (before.inUseKB < 100) {
        t.skip(`the heap figures are not glibc's here (a sanitizer's allocator): ${JSON.stringify(before)}`);
        return;
      }
      const N = 300;
      const capabilities = { roots: { listChanged: true }, sampling: {}, elicitation: { form: {}, url: {} } };
      for (let i = 0; i < N; i++) await rawStreamableSession(roomy.url, '2025-11-25', capabilities);
      const after = await roomy.status();
      assert.equal(after.sessions.total, N);
      const perSession = ((after.heap.inUseKB - before.inUseKB) * 1024) / N;
      assert.ok(perSession < 2048, `${Math.round(perSession)} bytes of heap per session (${JSON.stringify(before)} -> ${JSON.stringify(after.heap)})`);
    } finally {
      await roomy.stop();
    }
    roomy.assertClean();
  });

  itStopsCleanly(gw);
});
