// Notifications through the gateway, with the official SDK client on both front transports:
// progress tokens that collide across sessions, logging/setLevel fan-out, resource
// subscriptions, list_changed for tools, prompts and resources, and cancellation in both
// directions with id mapping. The backends are the project's test server with --protocol-tools,
// whose journal (`received`) says what reached the backend, under which id.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';

import { sharedGateway, itStopsCleanly, testServer, textOf, listAll, withDeadline, settle } from './lib/gateway.mjs';
import {
  KINDS,
  other,
  connectClient,
  closeAll,
  probe,
  probeAll,
  journal,
  waitJournal,
  askOutcome,
  isNotification,
} from './lib/peers.mjs';

const PID = process.pid;

describe('notifications: progress, logging, subscriptions, list_changed, cancellation', { timeout: 120000 }, () => {
  const gw = sharedGateway({
    servers: {
      a: testServer('a', ['--protocol-tools']),
      b: testServer('b', ['--protocol-tools', '--resource-scheme', 'test-b']),
    },
  });

  for (const kind of KINDS) {
    describe(`over ${kind}`, () => {
      it('progress: three sessions using the same progressToken at once each get only their own progress', async () => {
        const clients = [];
        try {
          clients.push(await connectClient(gw.url, kind, { name: `p1-${kind}` }));
          clients.push(await connectClient(gw.url, kind, { name: `p2-${kind}` }));
          clients.push(await connectClient(gw.url, other(kind), { name: `p3-${other(kind)}` }));
          const token = 'same-token';
          const ms = [300, 450, 600];
          const tags = ms.map((_, i) => `progress-${kind}-${i}-${PID}`);
          const marks = clients.map((c) => c.rec.inbound.mark());
          // No onprogress: the SDK would replace our token with its request id.
          const results = await Promise.all(clients.map((c, i) =>
            c.callTool({ name: 'a__sleep', arguments: { ms: ms[i], tag: tags[i] }, _meta: { progressToken: token } })));
          results.forEach((r, i) => assert.equal(textOf(r), `slept ${ms[i]} ms`));

          clients.forEach((c, i) => {
            const progress = c.rec.inbound.since(marks[i], isNotification('notifications/progress')).map((m) => m.params);
            assert.ok(progress.length >= 2, `client ${i} got ${progress.length} progress notifications`);
            const foreign = progress.filter((p) => p.progressToken !== token || !String(p.message).endsWith(` of ${ms[i]} ms`));
            assert.deepEqual(foreign, [], `client ${i} (${c.kind}, sleeping ${ms[i]} ms) got progress that is not its own`);
            const last = progress.at(-1);
            assert.equal(last.progress, last.total, `client ${i}: the last progress is complete`);
          });

          // The backend saw three different tokens for the three calls.
          const calls = (await journal(clients[0], 'a', 'tools/call')).filter((m) => tags.includes(m.params.arguments?.tag));
          assert.equal(calls.length, 3, 'the backend got the three calls');
          const tokens = calls.map((m) => JSON.stringify(m.params._meta?.progressToken));
          assert.equal(new Set(tokens).size, 3, `tokens at the backend are distinct: ${tokens}`);
        } finally {
          await closeAll(clients);
        }
        gw.assertClean();
      });

      it('logging/setLevel reaches every backend: a debug message appears only after setLevel debug', async () => {
        const c = await connectClient(gw.url, kind, { name: `log-${kind}` });
        try {
          await probe(c, 'a');
          // The backends' level is shared by every session: start from info.
          await c.setLoggingLevel('info');
          const m1 = `before-${kind}-${PID}`;
          const from = c.rec.inbound.mark();
          const r1 = await c.callTool({ name: 'a__emit_log', arguments: { level: 'debug', data: { m: m1 } } });
          assert.equal(textOf(r1), 'filtered', 'at level info the backend does not send debug');

          await c.setLoggingLevel('debug');
          for (const server of ['a', 'b']) {
            const m2 = `after-${server}-${kind}-${PID}`;
            const r2 = await c.callTool({ name: `${server}__emit_log`, arguments: { level: 'debug', logger: 'e2e', data: { m: m2 } } });
            assert.equal(textOf(r2), 'sent', `setLevel debug reached backend ${server}`);
            const msg = await c.rec.inbound.waitFor(isNotification('notifications/message', (p) => p.data?.m === m2), {
              from,
              what: `the debug message of ${server}`,
            });
            assert.deepEqual(msg.params, { level: 'debug', logger: 'e2e', data: { m: m2 } }, 'the message arrives unchanged');
            const levels = (await journal(c, server, 'logging/setLevel')).map((m) => m.params.level);
            assert.deepEqual(levels.slice(-2), ['info', 'debug'], `${server} received both setLevel requests`);
          }
          await probe(c, 'a');
          assert.deepEqual(c.rec.inbound.since(from, isNotification('notifications/message', (p) => p.data?.m === m1)), [],
            'the filtered debug message never arrived');
          await c.setLoggingLevel('info');
        } finally {
          await c.close2();
        }
        gw.assertClean();
      });

      it('logging: a session that asked for level error gets no debug messages another session asked for', async () => {
        const quiet = await connectClient(gw.url, kind, { name: `quiet-${kind}` });
        const chatty = await connectClient(gw.url, other(kind), { name: `chatty-${other(kind)}` });
        try {
          await probeAll([quiet, chatty], 'a');
          await quiet.setLoggingLevel('error');
          await chatty.setLoggingLevel('debug');
          const m = `debug-for-chatty-${kind}-${PID}`;
          const marks = [quiet.rec.inbound.mark(), chatty.rec.inbound.mark()];
          await chatty.callTool({ name: 'a__emit_log', arguments: { level: 'debug', data: { m } } });
          await chatty.rec.inbound.waitFor(isNotification('notifications/message', (p) => p.data?.m === m), {
            from: marks[1],
            what: 'the debug message at the session that asked for debug',
          });
          await probe(quiet, 'a');
          const leaked = quiet.rec.inbound.since(marks[0], isNotification('notifications/message', (p) => p.data?.m === m));
          assert.deepEqual(leaked.map((x) => x.params), [],
            `the ${kind} session set level "error" but received a debug message that another session enabled`);
        } finally {
          await chatty.setLoggingLevel('info').catch(() => {});
          await closeAll([quiet, chatty]);
        }
        gw.assertClean();
      });

      it('resources/updated goes only to sessions subscribed to the URI; after unsubscribe to none', async () => {
        const uri = 'test://static/hello';
        const A = await connectClient(gw.url, kind, { name: `subA-${kind}` });
        const B = await connectClient(gw.url, kind, { name: `subB-${kind}` });
        const C = await connectClient(gw.url, other(kind), { name: `subC-${other(kind)}` });
        const clients = { A, B, C };
        try {
          await probeAll([A, B, C], 'a');
          const observed = {};
          const step = async (label) => {
            const marks = Object.fromEntries(Object.entries(clients).map(([k, c]) => [k, c.rec.inbound.mark()]));
            await A.callTool({ name: 'a__touch_resource', arguments: { uri } });
            await probeAll([A, B, C], 'a'); // anything a sent before the probe has arrived
            observed[label] = Object.fromEntries(Object.entries(clients).map(([k, c]) =>
              [k, c.rec.inbound.since(marks[k], isNotification('notifications/resources/updated', (p) => p.uri === uri)).length]));
          };
          await A.subscribeResource({ uri });
          await B.subscribeResource({ uri });
          await step('A and B subscribed');
          await A.unsubscribeResource({ uri });
          await step('A unsubscribed, B subscribed');
          await B.unsubscribeResource({ uri });
          await step('none subscribed');
          assert.deepEqual(observed, {
            'A and B subscribed': { A: 1, B: 1, C: 0 },
            'A unsubscribed, B subscribed': { A: 0, B: 1, C: 0 },
            'none subscribed': { A: 0, B: 0, C: 0 },
          }, `notifications/resources/updated per session (A, B: ${kind}; C: ${other(kind)}, never subscribed)`);
        } finally {
          await closeAll([A, B, C]);
        }
        gw.assertClean();
      });

      it('notifications/cancelled from the client reaches the backend under the backend\'s own id, and only for that call', async () => {
        const A = await connectClient(gw.url, kind, { name: `cancelA-${kind}` });
        const B = await connectClient(gw.url, kind, { name: `cancelB-${kind}` });
        try {
          const tagA = `cancel-A-${kind}-${PID}`;
          const tagB = `cancel-B-${kind}-${PID}`;
          const ac = new AbortController();
          // Both fresh clients number their requests alike: the two calls have the same client id.
          const callA = settle(A.callTool({ name: 'a__sleep', arguments: { ms: 30000, tag: tagA } }, undefined, { signal: ac.signal }));
          const callB = B.callTool({ name: 'a__sleep', arguments: { ms: 1000, tag: tagB } });
          const reqA = await waitJournal(B, 'a', 'tools/call', (m) => m.params.arguments?.tag === tagA);
          const reqB = await waitJournal(B, 'a', 'tools/call', (m) => m.params.arguments?.tag === tagB);
          const clientIdA = A.rec.outbound.find((m) => m.params?.arguments?.tag === tagA).id;
          const clientIdB = B.rec.outbound.find((m) => m.params?.arguments?.tag === tagB).id;
          assert.equal(clientIdA, clientIdB, 'the two sessions used the same request id (the case id mapping is for)');
          assert.notEqual(reqA.id, reqB.id, 'the backend got the calls under different ids');

          ac.abort('user pressed stop');
          const ra = await withDeadline(callA, 5000, 'the aborted call to settle');
          assert.equal(ra.ok, false, 'the aborted call rejects');
          const sent = A.rec.outbound.find((m) => m.method === 'notifications/cancelled');
          assert.deepEqual(sent?.params, { requestId: clientIdA, reason: 'user pressed stop' }, 'the SDK sent notifications/cancelled');

          const cancelled = await waitJournal(B, 'a', 'notifications/cancelled', (m) => m.params.requestId === reqA.id, {
            what: `notifications/cancelled for backend id ${reqA.id}`,
          });
          assert.deepEqual(cancelled.params, { requestId: reqA.id, reason: 'user pressed stop' }, 'id mapped, reason kept');

          assert.equal(textOf(await callB), 'slept 1000 ms', 'the other session\'s call with the same client id was not cancelled');
          const stray = (await journal(B, 'a', 'notifications/cancelled')).filter((m) => m.params.requestId === reqB.id);
          assert.deepEqual(stray, [], 'no cancellation for the other session\'s call');
          await gw.waitForStatus((st) => st.servers.find((s) => s.name === 'a')?.inFlight === 0, 5000, 'no call in flight to a');
        } finally {
          await closeAll([A, B]);
        }
        gw.assertClean();
      });

      it('notifications/cancelled from the backend (an elicitation it gives up on) reaches the client under the id the client saw', async () => {
        let seen = null;
        let handled;
        const done = new Promise((r) => (handled = r));
        const A = await connectClient(gw.url, kind, {
          name: `giveup-${kind}`,
          capabilities: { elicitation: {} },
          setup: (c) => c.setRequestHandler(ElicitRequestSchema, async (req, extra) => {
            seen = { requestId: extra.requestId, message: req.params.message, aborted: false };
            // The backend gives up on the request while the client is still "asking the user".
            c.callTool({ name: 'a__cancel_asks', arguments: { reason: 'gave up waiting' } }).catch(() => {});
            await new Promise((resolve) => {
              if (extra.signal.aborted) return resolve();
              extra.signal.addEventListener('abort', resolve);
              setTimeout(resolve, 2000).unref(); // a bound on a failing gateway, not a synchronization
            });
            seen.aborted = extra.signal.aborted;
            handled();
            return { action: 'decline' };
          }),
        });
        try {
          const from = A.rec.inbound.mark();
          const res = await A.callTool({
            name: 'a__ask_client',
            arguments: {
              method: 'elicitation/create',
              params: { message: `Continue? ${kind}`, requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } } },
            },
          });
          assert.equal(askOutcome(res).outcome, 'cancelled', 'the backend cancelled its request');
          await withDeadline(done, 5000, 'the elicitation handler to finish');
          assert.equal(seen?.message, `Continue? ${kind}`, 'the elicitation reached the client');
          const notes = A.rec.inbound.since(from, isNotification('notifications/cancelled')).map((m) => m.params);
          assert.deepEqual(notes, [{ requestId: seen.requestId, reason: 'gave up waiting' }],
            `the client got notifications/cancelled for the id it saw (${JSON.stringify(seen.requestId)})`);
          assert.equal(seen.aborted, true, 'the SDK aborted the handler of the cancelled request');
        } finally {
          await A.close2();
        }
        gw.assertClean();
      });
    });
  }

  it('initialize announces what the backends support: resources.subscribe, logging, completions (both transports)', async () => {
    const clients = [await connectClient(gw.url, 'streamable', { name: 'caps-streamable' }), await connectClient(gw.url, 'sse', { name: 'caps-sse' })];
    try {
      for (const c of clients) {
        const caps = c.getServerCapabilities();
        // A client that checks capabilities (the SDK's enforceStrictCapabilities) refuses
        // resources/subscribe unless the server announced resources.subscribe.
        assert.deepEqual({
          subscribe: caps?.resources?.subscribe,
          logging: caps?.logging,
          completions: caps?.completions,
        }, { subscribe: true, logging: {}, completions: {} }, `${c.kind}: capabilities ${JSON.stringify(caps)}`);
      }
    } finally {
      await closeAll(clients);
    }
    gw.assertClean();
  });

  it('list_changed for tools, prompts and resources is re-announced to sessions on both transports and the lists agree', async () => {
    const clients = [await connectClient(gw.url, 'streamable', { name: 'lc-streamable' }), await connectClient(gw.url, 'sse', { name: 'lc-sse' })];
    try {
      await probeAll(clients, 'a');
      const kinds = [
        {
          tool: 'a__toggle_extra',
          note: 'notifications/tools/list_changed',
          present: async (c) => (await listAll(c, 'tools')).some((t) => t.name === 'a__extra'),
          use: async (c) => assert.equal(textOf(await c.callTool({ name: 'a__extra', arguments: {} })), 'extra'),
        },
        {
          tool: 'a__toggle_prompt',
          note: 'notifications/prompts/list_changed',
          present: async (c) => (await listAll(c, 'prompts')).some((p) => p.name === 'a__extra_prompt'),
          use: async (c) => assert.equal((await c.getPrompt({ name: 'a__extra_prompt' })).messages[0].content.text, 'extra'),
        },
        {
          tool: 'a__toggle_resource',
          note: 'notifications/resources/list_changed',
          present: async (c) => (await listAll(c, 'resources')).some((r) => r.uri === 'test://static/extra'),
          use: async (c) => assert.equal((await c.readResource({ uri: 'test://static/extra' })).contents[0].text, 'extra'),
        },
      ];
      for (const k of kinds) {
        for (const on of [true, false]) {
          const marks = clients.map((c) => c.rec.inbound.mark());
          await clients[0].callTool({ name: k.tool, arguments: {} });
          for (const [i, c] of clients.entries()) {
            await c.rec.inbound.waitFor(isNotification(k.note), { from: marks[i], what: `${k.note} on ${c.kind}` });
            // The gateway announces the change once its catalog holds it.
            assert.equal(await k.present(c), on, `${c.kind}: the list after ${k.note} shows the change (${on ? 'added' : 'removed'})`);
            if (on) await k.use(c);
          }
        }
      }
    } finally {
      await closeAll(clients);
    }
    gw.assertClean();
  });

  itStopsCleanly(gw);
});
