// Requests that go the other way, server to client, through the gateway, with the official SDK
// client on both front transports: sampling/createMessage, elicitation/create and roots/list
// from a backend while a client's call runs, a client without the capability, two sessions
// busy at once, notifications/roots/list_changed to backends, ping both ways, and
// completion/complete routed by its ref to the backend that owns the prompt or template.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';

import { sharedGateway, itStopsCleanly, testServer, withDeadline, settle, waitFor } from './lib/gateway.mjs';
import { KINDS, other, connectClient, closeAll, journal, waitJournal, askOutcome } from './lib/peers.mjs';

const PID = process.pid;

const ASKS = {
  'sampling/createMessage': {
    params: {
      messages: [{ role: 'user', content: { type: 'text', text: 'Say hi' } }],
      systemPrompt: 'Be brief.',
      maxTokens: 16,
    },
  },
  'elicitation/create': {
    params: {
      message: 'Your name?',
      requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
    },
  },
  'roots/list': { params: {} },
};

/** What a client answers, labelled with who it is, so that a misrouted answer shows. */
function answers(label) {
  return {
    'sampling/createMessage': { model: `model-${label}`, role: 'assistant', content: { type: 'text', text: `hi from ${label}` } },
    'elicitation/create': { action: 'accept', content: { name: label } },
    'roots/list': { roots: [{ uri: `file:///roots/${label}`, name: label }] },
  };
}

/** A client declaring sampling, elicitation and roots, answering as `label`; `seen` logs requests. */
async function capableClient(url, kind, label) {
  const seen = [];
  const reply = answers(label);
  const client = await connectClient(url, kind, {
    name: label,
    capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } },
    setup: (c) => {
      for (const [schema, method] of [
        [CreateMessageRequestSchema, 'sampling/createMessage'],
        [ElicitRequestSchema, 'elicitation/create'],
        [ListRootsRequestSchema, 'roots/list'],
      ]) {
        c.setRequestHandler(schema, async (req, extra) => {
          seen.push({ method, params: req.params, requestId: extra.requestId });
          return reply[method];
        });
      }
    },
  });
  client.seen = seen;
  return client;
}

function ask(client, method, timeoutMs = 10000) {
  return client.callTool({ name: 'a__ask_client', arguments: { method, params: ASKS[method].params, timeoutMs } });
}

describe('client requests: sampling, elicitation, roots, ping, completion', { timeout: 120000 }, () => {
  const gw = sharedGateway({
    servers: {
      a: testServer('a', ['--protocol-tools']),
      b: testServer('b', ['--protocol-tools', '--resource-scheme', 'test-b']),
    },
  });

  for (const kind of KINDS) {
    describe(`over ${kind}`, () => {
      it('sampling, elicitation and roots/list reach the session whose call caused them, and its answer goes back', async () => {
        const A = await capableClient(gw.url, kind, `A-${kind}`);
        const B = await capableClient(gw.url, other(kind), `B-${other(kind)}`);
        try {
          for (const method of Object.keys(ASKS)) {
            for (const [asker, bystander] of [[A, B], [B, A]]) {
              const before = bystander.seen.length;
              const label = asker === A ? `A-${kind}` : `B-${other(kind)}`;
              const out = askOutcome(await withDeadline(ask(asker, method), 10000, `${method} through the gateway`));
              assert.deepEqual(out.result, answers(label)[method],
                `${method} asked during ${label}'s call is answered by ${label}: ${JSON.stringify(out)}`);
              assert.equal(out.outcome, 'answered');
              const got = asker.seen.at(-1);
              assert.equal(got.method, method);
              if (method !== 'roots/list') {
                assert.deepEqual(got.params, ASKS[method].params, `${method} params reach the client unchanged`);
              }
              assert.equal(bystander.seen.length, before, `${method} was not shown to the other session`);
            }
          }
        } finally {
          await closeAll([A, B]);
        }
        gw.assertClean();
      });

      it('a session that did not declare the capability: the backend gets an error at once, the call completes, the client never sees the request', async () => {
        const N = await connectClient(gw.url, kind, { name: `nocaps-${kind}` });
        try {
          for (const method of Object.keys(ASKS)) {
            const from = N.rec.inbound.mark();
            const t0 = Date.now();
            const out = askOutcome(await withDeadline(ask(N, method), 5000, `${method} without the capability`));
            assert.equal(out.outcome, 'answered', `${method}: the backend got an answer, not a timeout`);
            assert.ok(out.error && Number.isInteger(out.error.code), `${method}: the answer is an error: ${JSON.stringify(out)}`);
            assert.ok(Date.now() - t0 < 3000, `${method}: answered in ${Date.now() - t0} ms`);
            assert.deepEqual(N.rec.inbound.since(from, (m) => m.method === method), [], `${method} was not sent to the client`);
          }
        } finally {
          await N.close2();
        }
        gw.assertClean();
      });

      it('while two sessions have calls in flight to the backend, its request never reaches the wrong session and never hangs', async (t) => {
        const A = await capableClient(gw.url, kind, `A2-${kind}`);
        const B = await capableClient(gw.url, other(kind), `B2-${other(kind)}`);
        const ac = new AbortController();
        try {
          const busy = settle(B.callTool({ name: 'a__sleep', arguments: { ms: 20000 } }, undefined, { signal: ac.signal }));
          await gw.waitForStatus((st) => st.servers.find((s) => s.name === 'a')?.inFlight >= 1, 5000, 'B\'s call in flight to a');
          const out = askOutcome(await withDeadline(ask(A, 'elicitation/create'), 5000, 'elicitation while two sessions are busy'));
          t.diagnostic(`gateway's answer with two sessions busy: ${JSON.stringify(out)}`);
          assert.equal(B.seen.length, 0, 'the other session never saw the elicitation');
          if (out.result) assert.deepEqual(out.result, answers(`A2-${kind}`)['elicitation/create'], 'if relayed, to the caller');
          else assert.ok(out.error, `otherwise an error: ${JSON.stringify(out)}`);
          ac.abort('done');
          await busy;
          await gw.waitForStatus((st) => st.servers.find((s) => s.name === 'a')?.inFlight === 0, 5000, 'the cancelled call gone');
        } finally {
          await closeAll([A, B]);
        }
        gw.assertClean();
      });

      it('notifications/roots/list_changed from a client reaches every backend', async () => {
        const A = await capableClient(gw.url, kind, `roots-${kind}`);
        try {
          const before = {};
          for (const s of ['a', 'b']) before[s] = (await journal(A, s, 'notifications/roots/list_changed')).length;
          await A.sendRootsListChanged();
          for (const s of ['a', 'b']) {
            await waitFor(async () => (await journal(A, s, 'notifications/roots/list_changed')).length > before[s], {
              what: `notifications/roots/list_changed at backend ${s}`,
            });
          }
        } finally {
          await A.close2();
        }
        gw.assertClean();
      });

      it('ping: the gateway answers a client\'s ping, and a backend\'s ping is answered', async () => {
        const c = await connectClient(gw.url, kind, { name: `ping-${kind}` });
        try {
          assert.deepEqual(await withDeadline(c.ping(), 5000, 'client ping'), {});
          const out = askOutcome(await withDeadline(
            c.callTool({ name: 'a__ask_client', arguments: { method: 'ping', timeoutMs: 10000 } }), 5000, 'backend ping'));
          assert.equal(out.outcome, 'answered', JSON.stringify(out));
          assert.deepEqual(out.result, {}, `the backend's ping got an empty result: ${JSON.stringify(out)}`);
        } finally {
          await c.close2();
        }
        gw.assertClean();
      });

      it('completion/complete is routed by its ref (prompt name, template URI) to the backend that owns it', async () => {
        const c = await connectClient(gw.url, kind, { name: `complete-${kind}` });
        try {
          const cases = [
            { ref: { type: 'ref/prompt', name: 'a__greet' }, arg: { name: 'name', value: 'A' }, owner: 'a', values: ['Alice'] },
            { ref: { type: 'ref/prompt', name: 'b__greet' }, arg: { name: 'name', value: 'B' }, owner: 'b', values: ['Bob'] },
            { ref: { type: 'ref/resource', uri: 'test://items/{id}' }, arg: { name: 'id', value: '' }, owner: 'a', values: ['a-1', 'a-2'] },
            { ref: { type: 'ref/resource', uri: 'test-b://items/{id}' }, arg: { name: 'id', value: 'b-2' }, owner: 'b', values: ['b-2'] },
          ];
          for (const [i, k] of cases.entries()) {
            const marker = `complete-${kind}-${i}-${PID}`;
            const res = await c.complete({ ref: k.ref, argument: k.arg, context: { arguments: { marker } } });
            assert.deepEqual(res.completion.values, k.values, `${JSON.stringify(k.ref)} completes from ${k.owner}`);
            const withMarker = (m) => m.params?.context?.arguments?.marker === marker;
            const atOwner = await waitJournal(c, k.owner, 'completion/complete', withMarker);
            const expectedRef = k.ref.type === 'ref/prompt' ? { type: 'ref/prompt', name: 'greet' } : k.ref;
            assert.deepEqual(atOwner.params.ref, expectedRef, 'the owner gets its own prompt name');
            const elsewhere = (await journal(c, k.owner === 'a' ? 'b' : 'a', 'completion/complete')).filter(withMarker);
            assert.deepEqual(elsewhere, [], 'the other backend never got it');
          }
          for (const ref of [{ type: 'ref/prompt', name: 'nobody__greet' }, { type: 'ref/resource', uri: 'nobody://x/{id}' }]) {
            const r = await settle(c.complete({ ref, argument: { name: 'name', value: '' } }));
            assert.equal(r.ok, false, `${JSON.stringify(ref)}: no owner, an error`);
            assert.equal(r.error.code, -32602, `${JSON.stringify(ref)}: ${r.error.message}`);
          }
        } finally {
          await c.close2();
        }
        gw.assertClean();
      });
    });
  }

  itStopsCleanly(gw);
});
