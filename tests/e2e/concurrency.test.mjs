// 8 sessions (4 SSE + 4 Streamable HTTP) each with 50 concurrent calls. Every SDK
// client numbers its requests from 0, so request ids collide across sessions; the
// gateway must still route every answer to the request that asked for it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';

import {
  sharedGateway,
  itStopsCleanly,
  testServer,
  connectSse,
  connectStreamable,
  textOf,
  callText,
  settle,
  waitFor,
  countFds,
} from './lib/gateway.mjs';

const SESSIONS_PER_KIND = 4;
const CALLS_PER_SESSION = 50;

describe('concurrency: colliding request ids across sessions', { timeout: 180000 }, () => {
  const gw = sharedGateway({ servers: { a: testServer('a'), b: testServer('b') } });

  it(`${2 * SESSIONS_PER_KIND} sessions x ${CALLS_PER_SESSION} concurrent calls each get their own answers`, async () => {
    const base = await gw.status();
    const fdsBefore = countFds(gw.pid);
    const clients = [];
    try {
      for (let i = 0; i < SESSIONS_PER_KIND; i++) {
        clients.push(await connectSse(gw.url, { name: `sse-${i}` }));
        clients.push(await connectStreamable(gw.url, { name: `streamable-${i}` }));
      }
      const st = await gw.status();
      assert.equal(st.sessions.sse - base.sessions.sse, SESSIONS_PER_KIND, `sse sessions: ${JSON.stringify(st.sessions)}`);
      assert.equal(st.sessions.streamable - base.sessions.streamable, SESSIONS_PER_KIND, `streamable sessions: ${JSON.stringify(st.sessions)}`);
      assert.equal(st.sessions.total - base.sessions.total, 2 * SESSIONS_PER_KIND);

      const runId = crypto.randomBytes(4).toString('hex');
      const calls = [];
      clients.forEach((client, s) => {
        for (let c = 0; c < CALLS_PER_SESSION; c++) {
          const text = `${runId}|${client.kind}|session-${s}|call-${c}|${'y'.repeat((s * 31 + c * 7) % 200)}`;
          let req;
          if (c % 5 === 4) {
            // Mix in a slow, non-blocking call so answers come back out of order.
            req = client.callTool({ name: `${c % 2 ? 'a' : 'b'}__sleep`, arguments: { ms: 20 + ((s * 13 + c) % 80) } });
            calls.push(req.then((r) => ({ s, c, kind: client.kind, expect: `slept ${20 + ((s * 13 + c) % 80)} ms`, got: textOf(r) })));
          } else if (c % 5 === 3) {
            const a = s * 1000 + c;
            req = client.callTool({ name: `${c % 2 ? 'b' : 'a'}__add`, arguments: { a, b: 1 } });
            calls.push(req.then((r) => ({ s, c, kind: client.kind, expect: String(a + 1), got: textOf(r) })));
          } else {
            const server = (s + c) % 2 ? 'a' : 'b';
            req = client.callTool({ name: `${server}__echo`, arguments: { text } });
            calls.push(req.then((r) => ({ s, c, kind: client.kind, expect: text, got: textOf(r), structured: r.structuredContent })));
          }
        }
      });
      const settled = await Promise.allSettled(calls);
      const rejected = settled.filter((x) => x.status === 'rejected');
      assert.deepEqual(rejected.map((x) => String(x.reason)).slice(0, 5), [], `${rejected.length} calls failed`);
      const results = settled.map((x) => x.value);
      assert.equal(results.length, 2 * SESSIONS_PER_KIND * CALLS_PER_SESSION);
      const mismatched = results.filter((r) => r.got !== r.expect || (r.structured && r.structured.text !== r.expect));
      assert.deepEqual(
        mismatched.slice(0, 5).map((r) => ({ session: r.s, call: r.c, kind: r.kind, expect: r.expect.slice(0, 60), got: r.got.slice(0, 60) })),
        [],
        `${mismatched.length} answers were routed to the wrong request`,
      );

      // The sessions are still healthy afterwards.
      for (const client of clients) {
        const r = await client.callTool({ name: 'a__echo', arguments: { text: `after-${client.kind}` } });
        assert.equal(textOf(r), `after-${client.kind}`);
      }
    } finally {
      for (const c of clients) await c.close2().catch(() => {});
    }

    // Terminated Streamable HTTP sessions are dropped from /status.
    await gw.waitForStatus((st) => st.sessions.streamable === base.sessions.streamable, 10000,
      'streamable session count back to its baseline after DELETE');
    // The supervisor does not keep a descriptor per finished session.
    const fdsAfter = await waitFor(() => {
      const n = countFds(gw.pid);
      return n <= fdsBefore + 4 ? n : false;
    }, { timeoutMs: 15000, intervalMs: 200, what: `supervisor fd count back near ${fdsBefore}` });
    assert.ok(fdsAfter <= fdsBefore + 4);
    gw.assertClean();
  });

  it('one session with 200 concurrent calls (pipelining on a single session)', async () => {
    const client = await connectStreamable(gw.url);
    try {
      const n = 200;
      const results = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          client.callTool({ name: `${i % 2 ? 'a' : 'b'}__echo`, arguments: { text: `single-${i}` } }).then((r) => textOf(r)),
        ),
      );
      results.forEach((t, i) => assert.equal(t, `single-${i}`));
    } finally {
      await client.close2();
    }
    gw.assertClean();
  });

  // /status also reports "inFlight" (per server and in total); these tests use it to
  // check that abandoned requests are not leaked.
  it('a cancelled call (notifications/cancelled) is dropped from the in-flight table', async () => {
    const client = await connectStreamable(gw.url);
    try {
      const ac = new AbortController();
      let progress = 0;
      const call = settle(client.callTool({ name: 'a__sleep', arguments: { ms: 30000 } }, undefined, {
        signal: ac.signal,
        timeout: 60000,
        onprogress: () => progress++,
      }));
      await waitFor(() => progress > 0, { timeoutMs: 8000, what: 'a__sleep in flight' });
      const st = await gw.status();
      assert.equal(typeof st.inFlight, 'number', `/status has inFlight: ${JSON.stringify(st)}`);
      assert.ok(st.inFlight >= 1 && st.servers.find((s) => s.name === 'a').inFlight >= 1, JSON.stringify(st));
      ac.abort('cancelled by the e2e test');
      const r = await call;
      assert.equal(r.ok, false);
      await gw.waitForStatus((s) => s.inFlight === 0 && s.servers.every((x) => x.inFlight === 0), 5000,
        'inFlight back to 0 after the cancellation');
      assert.equal(await callText(client, 'a__echo', { text: 'after cancel' }), 'after cancel');
    } finally {
      await client.close2();
    }
    gw.assertClean();
  });

  it('an SSE client that disconnects with calls in flight is cleaned up', async () => {
    const base = await gw.status();
    const client = await connectSse(gw.url);
    let progress = 0;
    const calls = Array.from({ length: 5 }, (_, i) =>
      settle(client.callTool({ name: `${i % 2 ? 'a' : 'b'}__sleep`, arguments: { ms: 30000 } }, undefined, {
        timeout: 60000,
        onprogress: () => progress++,
      })));
    await waitFor(() => progress >= 5, { timeoutMs: 8000, what: 'the sleeps in flight' });
    const during = await gw.status();
    assert.equal(during.sessions.sse, base.sessions.sse + 1);
    assert.ok(during.inFlight >= 5, `inFlight ${during.inFlight}`);
    await client.close();
    await Promise.all(calls);
    await gw.waitForStatus((s) => s.sessions.sse === base.sessions.sse && s.inFlight === 0, 10000,
      'SSE session and its in-flight calls released after disconnect');
    // Both backends still serve new sessions.
    const c2 = await connectStreamable(gw.url);
    try {
      assert.equal(await callText(c2, 'a__echo', { text: 'x' }), 'x');
      assert.equal(await callText(c2, 'b__echo', { text: 'y' }), 'y');
    } finally {
      await c2.close2();
    }
    gw.assertClean();
  });

  itStopsCleanly(gw);
});
