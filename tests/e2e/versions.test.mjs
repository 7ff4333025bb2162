// Protocol revisions are negotiated with each client on its own and with each backend on its
// own: raw initialize on both transports with each of 2024-11-05, 2025-03-26, 2025-06-18 and
// 2025-11-25, the SDK client asking for each, a backend that only speaks 2024-11-05 (the test
// server with --protocol-version) serving a 2025-11-25 client, and old clients calling a tool
// whose result uses content kinds their revision does not have.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { sharedGateway, itStopsCleanly, testServer, textOf, MCP_ACCEPT, readJsonRpcResponse } from './lib/gateway.mjs';
import {
  KINDS,
  connectClient,
  journal,
  rawSseSession,
  rawSseInitialize,
  rawStreamableSession,
} from './lib/peers.mjs';

const VERSIONS = ['2024-11-05', '2025-03-26', '2025-06-18', '2025-11-25'];
const LATEST = '2025-11-25';
// Content block types each revision defines for tool results (schema.ts of each revision).
const CONTENT_TYPES = {
  '2024-11-05': ['text', 'image', 'resource'],
  '2025-03-26': ['text', 'image', 'audio', 'resource'],
};

describe('protocol versions: negotiated with clients and with backends independently', { timeout: 60000 }, () => {
  const gw = sharedGateway({
    servers: {
      a: testServer('a', ['--protocol-tools']),
      old: testServer('old', ['--protocol-tools', '--protocol-version', '2024-11-05', '--resource-scheme', 'old']),
    },
  });

  it('raw initialize over Streamable HTTP: each revision is answered with itself, and requests carrying it work; an unknown one gets the latest', async () => {
    for (const v of [...VERSIONS, '1999-01-01']) {
      const s = await rawStreamableSession(gw.url, v);
      const expected = VERSIONS.includes(v) ? v : LATEST;
      assert.equal(s.answer.result.protocolVersion, expected, `initialize with ${v}`);
      const res = await fetch(`${gw.url}/mcp`, {
        method: 'POST',
        headers: s.headers, // MCP-Protocol-Version: the negotiated revision
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'a__echo', arguments: { text: v } } }),
      });
      assert.equal(res.status, 200, `tools/call under ${expected}`);
      const [answer] = (await readJsonRpcResponse(res)).filter((m) => m.id === 2);
      assert.equal(answer?.result?.content?.[0]?.text, v, `tools/call under ${expected}: ${JSON.stringify(answer)}`);
      const del = await fetch(`${gw.url}/mcp`, { method: 'DELETE', headers: { 'mcp-session-id': s.sessionId, accept: MCP_ACCEPT } });
      assert.equal(del.status, 200);
    }
    gw.assertClean();
  });

  it('raw initialize over legacy SSE: each revision is answered with itself; an unknown one gets the latest', async () => {
    for (const v of [...VERSIONS, '1999-01-01']) {
      const s = await rawSseSession(gw.url);
      try {
        const answer = await rawSseInitialize(s, v);
        assert.equal(answer.result.protocolVersion, VERSIONS.includes(v) ? v : LATEST, `initialize with ${v}`);
        const r = await s.post({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'a__echo', arguments: { text: v } } });
        assert.equal(r.status, 202);
        const m = await s.log.waitFor((x) => x.id === 2, { what: 'the tools/call answer' });
        assert.equal(m.result.content[0].text, v);
      } finally {
        s.destroy();
      }
    }
    gw.assertClean();
  });

  for (const kind of KINDS) {
    describe(`over ${kind}`, () => {
      it('the SDK client asking for each revision gets it and works under it', async () => {
        for (const v of VERSIONS) {
          const c = await connectClient(gw.url, kind, { name: `v-${v}-${kind}`, protocolVersion: v });
          try {
            assert.equal(c.negotiated, v, `negotiated ${v}`);
            assert.equal(textOf(await c.callTool({ name: 'a__echo', arguments: { text: v } })), v);
            assert.ok((await c.listTools()).tools.some((t) => t.name === 'old__echo'));
          } finally {
            await c.close2();
          }
        }
        gw.assertClean();
      });

      it('a backend that only speaks 2024-11-05 serves a 2025-11-25 client (tools, progress, resources, prompts)', async (t) => {
        const c = await connectClient(gw.url, kind, { name: `new-on-old-${kind}` });
        try {
          assert.equal(c.negotiated, LATEST);
          const init = (await journal(c, 'old', 'initialize')).at(-1);
          t.diagnostic(`the gateway initialized the old backend with protocolVersion ${init?.params?.protocolVersion} and ` +
            `capabilities ${JSON.stringify(init?.params?.capabilities)}; the backend answered 2024-11-05 and was accepted`);
          assert.equal(textOf(await c.callTool({ name: 'old__add', arguments: { a: 2, b: 3 } })), '5');
          const echo = await c.callTool({ name: 'old__echo', arguments: { text: 'hi' } });
          assert.equal(textOf(echo), 'hi');
          const progress = [];
          const slept = await c.callTool({ name: 'old__sleep', arguments: { ms: 150 } }, undefined, { onprogress: (p) => progress.push(p) });
          assert.equal(textOf(slept), 'slept 150 ms');
          assert.ok(progress.length >= 1, 'progress from the old backend arrives');
          assert.equal((await c.readResource({ uri: 'old://static/hello' })).contents[0].text, 'hello');
          assert.equal((await c.getPrompt({ name: 'old__greet', arguments: { name: 'Ann' } })).messages[0].content.text, 'Hello, Ann!');
          const call = (await journal(c, 'old', 'tools/call')).find((m) => m.params.name === 'sleep');
          t.diagnostic(`a tools/call as the old backend got it: ${JSON.stringify(call)}`);
        } finally {
          await c.close2();
        }
        gw.assertClean();
      });

      for (const v of Object.keys(CONTENT_TYPES)) {
        it(`a ${v} client calling a tool with newer content kinds gets a result its revision can parse (translated, not dropped)`, async (t) => {
          const c = await connectClient(gw.url, kind, { name: `old-client-${v}-${kind}`, protocolVersion: v });
          try {
            assert.equal(c.negotiated, v);
            const res = await c.callTool({ name: 'a__rich', arguments: {} });
            const req = c.rec.outbound.filter((m) => m.method === 'tools/call').at(-1);
            const raw = c.rec.inbound.messages.find((m) => m.id === req.id && !m.method);
            assert.ok(raw?.result, `the call was answered: ${JSON.stringify(raw)}`);
            assert.ok(res.content.some((b) => b.type === 'text' && b.text.startsWith('rich')), 'the text block survives');
            const types = raw.result.content.map((b) => b.type);
            t.diagnostic(`content types sent to a ${v} client: ${types.join(', ')}`);
            const unknown = types.filter((x) => !CONTENT_TYPES[v].includes(x));
            assert.deepEqual(unknown, [], `content types a ${v} client does not know were sent as they are`);
          } finally {
            await c.close2();
          }
          gw.assertClean();
        });
      }
    });
  }

  itStopsCleanly(gw);
});
