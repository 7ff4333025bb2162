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

  itStopsCleanly(gw);
});
