// What the backend sends arrives as sent: tool definitions (title, annotations, icons,
// outputSchema, _meta) and tool results (every content kind, structuredContent, annotations,
// _meta), compared field by field with the same test server spoken to directly over stdio;
// and what the client sends (arguments, request _meta) reaches the backend untouched. The
// comparison uses the raw JSON-RPC messages the SDK's transport received, before the SDK's
// schemas touch them; the SDK must also accept them (it checks structuredContent against
// outputSchema).

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';

import { sharedGateway, itStopsCleanly, testServer, textOf } from './lib/gateway.mjs';
import { KINDS, connectClient, directServer, waitJournal } from './lib/peers.mjs';

const PID = process.pid;

/** The raw result the client's transport received for its request with method `method` (the last one). */
function rawResult(client, method) {
  const req = client.rec.outbound.filter((m) => m.method === method).at(-1);
  const res = client.rec.inbound.messages.find((m) => m.id === req.id && !m.method);
  assert.ok(res?.result, `raw answer to ${method}: ${JSON.stringify(res)}`);
  return res.result;
}

describe('passthrough: tool definitions and results arrive as the backend sent them', { timeout: 60000 }, () => {
  const gw = sharedGateway({ servers: { a: testServer('a', ['--protocol-tools']) } });
  let directP;
  const direct = () => (directP ??= directServer(['--name', 'a', '--protocol-tools']));
  after(async () => {
    if (directP) await (await directP.catch(() => null))?.close();
  });

  for (const kind of KINDS) {
    describe(`over ${kind}`, () => {
      it('tools/list: every tool, field by field, as the backend listed it, under its prefixed name', async () => {
        const ref = (await (await direct()).request('tools/list')).result.tools;
        const c = await connectClient(gw.url, kind, { name: `list-${kind}` });
        try {
          const sdkTools = (await c.listTools()).tools;
          const raw = rawResult(c, 'tools/list').tools;
          assert.equal(raw.length, ref.length, 'as many tools as the backend has');
          for (const t of ref) {
            const g = raw.find((x) => x.name === `a__${t.name}`);
            assert.ok(g, `a__${t.name} listed`);
            assert.deepEqual({ ...g, name: t.name }, t, `a__${t.name} differs from what the backend listed`);
          }
          // The fields survive the SDK's parsing too (what an application sees).
          const rich = sdkTools.find((t) => t.name === 'a__rich');
          const refRich = ref.find((t) => t.name === 'rich');
          for (const k of ['title', 'annotations', 'icons', 'outputSchema', '_meta']) {
            assert.deepEqual(rich[k], refRich[k], `SDK view of a__rich.${k}`);
          }
        } finally {
          await c.close2();
        }
        gw.assertClean();
      });

      it('tools/call: a result with every content kind, structuredContent, annotations and _meta arrives as the backend sent it', async () => {
        const note = `note ✓ "${kind}" \\ ${PID}`;
        const ref = (await (await direct()).request('tools/call', { name: 'rich', arguments: { note } })).result;
        const refEcho = (await (await direct()).request('tools/call', { name: 'echo', arguments: { text: note } })).result;
        const c = await connectClient(gw.url, kind, { name: `call-${kind}` });
        try {
          await c.listTools(); // the SDK then validates structuredContent against each outputSchema
          const res = await c.callTool({ name: 'a__rich', arguments: { note } });
          assert.deepEqual(rawResult(c, 'tools/call'), ref, 'the raw result of a__rich equals the backend\'s');
          assert.deepEqual(res.structuredContent, ref.structuredContent);
          assert.deepEqual(res._meta, ref._meta);
          assert.deepEqual(res.content.map((b) => b.type), ['text', 'image', 'audio', 'resource_link', 'resource']);
          const echo = await c.callTool({ name: 'a__echo', arguments: { text: note } });
          assert.deepEqual(rawResult(c, 'tools/call'), refEcho, 'the raw result of a__echo equals the backend\'s');
          assert.equal(textOf(echo), note);
        } finally {
          await c.close2();
        }
        gw.assertClean();
      });

      it('tools/call: arguments and request _meta reach the backend untouched (a progress token is replaced, nothing else)', async () => {
        const c = await connectClient(gw.url, kind, { name: `meta-${kind}` });
        try {
          const tag = `meta-${kind}-${PID}`;
          // Numbers a rewrite must not move: 0.1 + 0.2, the smallest denormal, the largest double,
          // 2^53, and a long fraction (the gateway rewrites the id, so all of it is re-written).
          const numbers = [0.1 + 0.2, 1e-7, 5e-324, 1.7976931348623157e308, 2 ** 53, 123.45678901234567, -2.2250738585072014e-308];
          const args = { text: 'x', tag, numbers, nested: { list: [1, 2.5, -3, null, true, 'ü\u2028'], empty: {} } };
          const meta = { 'io.example/trace': { id: tag, hops: [1, 2] }, plain: 'value' };
          await c.callTool({ name: 'a__echo', arguments: args, _meta: meta });
          const got = await waitJournal(c, 'a', 'tools/call', (m) => m.params.arguments?.tag === tag && !m.params._meta?.progressToken);
          assert.deepEqual(got.params, { name: 'echo', arguments: args, _meta: meta });

          const tag2 = `${tag}-progress`;
          await c.callTool({ name: 'a__echo', arguments: { ...args, tag: tag2 }, _meta: { ...meta, progressToken: 'p-1' } });
          const got2 = await waitJournal(c, 'a', 'tools/call', (m) => m.params.arguments?.tag === tag2);
          const { progressToken, ...rest } = got2.params._meta;
          assert.ok(progressToken !== undefined, 'a progress token is still there');
          assert.deepEqual(rest, meta, 'the other _meta keys are kept');
        } finally {
          await c.close2();
        }
        gw.assertClean();
      });
    });
  }

  itStopsCleanly(gw);
});
