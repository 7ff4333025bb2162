// Both protocol eras on one endpoint at the same time: legacy sessions of the 1.32.2 SDK client
// (Streamable HTTP and HTTP+SSE) and 2026-07-28 clients of @modelcontextprotocol/client 2.4.0
// against one gateway. Concurrent calls answered to whoever asked; one backend list change
// reaching legacy sessions unsolicited and modern clients on their listen streams; a legacy
// session's real elicitation request and a modern client's input_required at the same moment;
// one resource subscribed to by both eras.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ElicitRequestSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

import { sharedGateway, itStopsCleanly, testServer, withDeadline, textOf, settle } from './lib/gateway.mjs';
import { MessageLog, connectClient, closeAll, probeAll, isNotification, journal } from './lib/peers.mjs';
import { META, connectModern, waitIdle, textOfResult } from './lib/modern.mjs';

const PID = process.pid;
const ELICIT = { message: 'Who are you?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } };

describe('legacy sessions and 2026-07-28 clients on one endpoint at once', { timeout: 60000 }, () => {
  const gw = sharedGateway({
    servers: {
      a: testServer('a', ['--protocol-tools']),
      b: testServer('b', ['--protocol-tools', '--resource-scheme', 'test-b']),
    },
  });

  it('calls from two legacy sessions and two modern clients overlap, and every answer goes to the caller that asked', async () => {
    const L1 = await connectClient(gw.url, 'streamable', { name: 'legacy-streamable' });
    const L2 = await connectClient(gw.url, 'sse', { name: 'legacy-sse' });
    const M1 = await connectModern(gw.url, { name: 'modern-1' });
    const M2 = await connectModern(gw.url, { name: 'modern-2' });
    const clients = { L1, L2, M1, M2 };
    try {
      // One long call per client keeps all four in flight while the bursts run.
      const sleepers = Object.values(clients).map((c, i) => settle(c.callTool({ name: `${i % 2 ? 'b' : 'a'}__sleep`, arguments: { ms: 1500 } })));
      const st = await gw.waitForStatus((s) => s.inFlight >= 4 && s.sessions.modernCalls >= 2, 5000, 'four calls in flight, two of them modern');
      assert.deepEqual([st.sessions.total, st.sessions.sse, st.sessions.streamable], [2, 1, 1],
        `two legacy sessions, modern calls not counted as sessions: ${JSON.stringify(st.sessions)}`);
      const bursts = Object.entries(clients).flatMap(([label, c]) => Array.from({ length: 15 }, (_, i) => {
        const text = `${label}-${i}-${PID}`;
        const server = i % 2 ? 'a' : 'b';
        return c.callTool({ name: `${server}__echo`, arguments: { text } }).then((r) => ({ label, text, got: textOf(r) }));
      }));
      for (const r of await withDeadline(Promise.all(bursts), 20000, 'the echo bursts')) {
        assert.equal(r.got, r.text, `${r.label} got its own answer`);
      }
      for (const r of await withDeadline(Promise.all(sleepers), 20000, 'the long calls')) {
        assert.ok(r.ok, `a long call failed: ${r.error?.stack}`);
        assert.equal(textOf(r.value), 'slept 1500 ms');
      }
      await waitIdle(gw, 'every call done');
      assert.equal((await gw.status()).sessions.total, 2, 'the modern clients left no session');
    } finally {
      await closeAll([L1, L2]);
      await M1.close2();
      await M2.close2();
    }
    gw.assertClean();
  });

  it('one backend list change reaches legacy sessions unsolicited and the modern client on its listen stream, each in its own shape', async () => {
    const L1 = await connectClient(gw.url, 'streamable', { name: 'legacy-streamable' });
    const L2 = await connectClient(gw.url, 'sse', { name: 'legacy-sse' });
    const changes = new MessageLog('modern tools onChanged');
    const M = await connectModern(gw.url, {
      name: 'modern-listener',
      options: { listChanged: { tools: { onChanged: (err, tools) => changes.push({ err, names: tools?.map((t) => t.name) }), debounceMs: 0 } } },
    });
    try {
      await probeAll([L1, L2], 'a'); // the legacy notification streams are up
      const isChange = isNotification('notifications/tools/list_changed');
      for (const [caller, present] of [[M, true], [L1, false]]) {
        const marks = [L1, L2].map((c) => c.rec.inbound.mark());
        await caller.callTool({ name: 'a__toggle_extra', arguments: {} });
        for (const [i, L] of [L1, L2].entries()) {
          const n = await L.rec.inbound.waitFor(isChange, { from: marks[i], what: `tools/list_changed at ${L.kind}` });
          assert.equal(n.params?._meta?.[META.subscriptionId], undefined, `the ${L.kind} session's copy carries no subscription id`);
        }
        await changes.waitFor((e) => !e.err && e.names?.includes('a__extra') === present,
          { timeoutMs: 10000, what: `the modern client's tools list ${present ? 'with' : 'without'} a__extra` });
      }
      const tagged = M.rec.inbound.messages.filter((m) => m.method === 'notifications/tools/list_changed');
      assert.ok(tagged.length >= 2 && tagged.every((m) => m.params?._meta?.[META.subscriptionId] !== undefined),
        `the modern copies are tagged: ${JSON.stringify(tagged)}`);
    } finally {
      await closeAll([L1, L2]);
      await M.autoOpenedSubscription?.close();
      await M.close2();
    }
    gw.assertClean();
  });

  it('at the same moment, a legacy session gets a real elicitation request and a modern client an input_required, each answered by its own handler', async () => {
    const legacySeen = [];
    const L = await connectClient(gw.url, 'streamable', {
      name: 'legacy-asked',
      capabilities: { elicitation: {} },
      setup: (c) => c.setRequestHandler(ElicitRequestSchema, async (req) => {
        legacySeen.push(req.params);
        return { action: 'accept', content: { name: 'legacy' } };
      }),
    });
    const modernSeen = [];
    const M = await connectModern(gw.url, {
      name: 'modern-asked',
      capabilities: { elicitation: {} },
      setup: (c) => c.setRequestHandler('elicitation/create', async (req) => {
        modernSeen.push(req.params);
        return { action: 'accept', content: { name: 'modern' } };
      }),
    });
    try {
      // A backend's request goes to a legacy session only while that session alone has calls there.
      await waitIdle(gw, 'nothing else in flight');
      const [lr, mr] = await withDeadline(Promise.all([
        L.callTool({ name: 'a__ask_client', arguments: { method: 'elicitation/create', params: ELICIT, timeoutMs: 20000 } }),
        M.callTool({ name: 'b__ask_client', arguments: { method: 'elicitation/create', params: ELICIT, timeoutMs: 20000 } }),
      ]), 15000, 'both asks answered');
      assert.deepEqual(JSON.parse(textOf(lr)).result, { action: 'accept', content: { name: 'legacy' } },
        `a got the legacy session's answer: ${textOf(lr)}`);
      assert.deepEqual(JSON.parse(textOfResult(mr)).result, { action: 'accept', content: { name: 'modern' } }, 'b got the modern client\'s answer');
      assert.equal(legacySeen.length, 1);
      assert.equal(modernSeen.length, 1);
      assert.equal(legacySeen[0].message, ELICIT.message);
      assert.equal(modernSeen[0].message, ELICIT.message);
      assert.ok(L.rec.inbound.messages.some((m) => m.method === 'elicitation/create' && m.id !== undefined), 'the legacy session got a JSON-RPC request');
      assert.deepEqual(M.rec.inbound.messages.filter((m) => m.method && m.id !== undefined), [], 'the modern client never gets a JSON-RPC request');
      assert.ok(M.rec.inbound.messages.some((m) => m.result?.resultType === 'input_required'), 'it got input_required instead');
      await waitIdle(gw, 'both asks done');
    } finally {
      await L.close2();
      await M.close2();
    }
    gw.assertClean();
  });

  it('one resource subscribed by a legacy session and a modern listener: the backend hears one subscription, both hear the update', async () => {
    const uri = 'test-b://static/hello';
    const legacyUpdates = new MessageLog('legacy resources/updated');
    const L = await connectClient(gw.url, 'sse', {
      name: 'legacy-subscriber',
      setup: (c) => c.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => legacyUpdates.push(n)),
    });
    const modernUpdates = new MessageLog('modern resources/updated');
    const M = await connectModern(gw.url, {
      name: 'modern-subscriber',
      setup: (c) => c.setNotificationHandler('notifications/resources/updated', (n) => modernUpdates.push(n)),
    });
    let sub;
    try {
      const before = (await journal(L, 'b', 'resources/subscribe')).filter((m) => m.params.uri === uri).length;
      await L.subscribeResource({ uri });
      sub = await M.listen({ resourceSubscriptions: [uri] });
      assert.deepEqual(sub.honoredFilter.resourceSubscriptions, [uri]);
      await L.callTool({ name: 'b__touch_resource', arguments: { uri } });
      const l = await legacyUpdates.waitFor((n) => n.params.uri === uri, { what: 'the update at the legacy session' });
      const m = await modernUpdates.waitFor((n) => n.params.uri === uri, { what: 'the update at the modern listener' });
      assert.equal(l.params._meta?.[META.subscriptionId], undefined, 'the legacy copy is untagged');
      assert.equal(m.params._meta?.[META.subscriptionId], M.rec.outbound.find((x) => x.method === 'subscriptions/listen').id, 'the modern copy carries its listen id');
      const subscribes = (await journal(L, 'b', 'resources/subscribe')).filter((x) => x.params.uri === uri).length;
      assert.equal(subscribes - before, 1, 'two subscribers of both eras, one subscription at the backend');
    } finally {
      await sub?.close();
      await L.close2();
      await M.close2();
    }
    gw.assertClean();
  });

  itStopsCleanly(gw);
});
