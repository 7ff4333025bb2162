// A backend that paginates its lists (7 items per page): the gateway must fetch every
// page and expose the complete catalogue.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  sharedGateway,
  itStopsCleanly,
  testServer,
  connectStreamable,
  connectSse,
  listAll,
  callText,
  TOOL_NAME_RE,
} from './lib/gateway.mjs';

const N = 300;
const BASE_TOOLS = ['echo', 'add', 'sleep', 'crash', 'large', 'log_stderr', 'fail', 'toggle_extra', 'whoami', 'env', 'cwd', 'alloc', 'hang', 'spawn_child'];

describe('paging: --tools 300 --page-size 7', { timeout: 120000 }, () => {
  const gw = sharedGateway({
    servers: {
      p: testServer('p', ['--tools', String(N), '--page-size', '7']),
      q: testServer('q', ['--page-size', '1']),
    },
  });

  for (const kind of ['streamable', 'sse']) {
    it(`all ${N + BASE_TOOLS.length} tools of p are exposed (${kind})`, async () => {
      const client = kind === 'sse' ? await connectSse(gw.url) : await connectStreamable(gw.url);
      try {
        const tools = await listAll(client, 'tools');
        const names = tools.map((t) => t.name);
        assert.equal(new Set(names).size, names.length, 'no duplicates across pages');
        const pNames = new Set(names.filter((n) => n.startsWith('p__')));
        const missing = [];
        for (let i = 0; i < N; i++) if (!pNames.has(`p__gen_${i}`)) missing.push(`gen_${i}`);
        for (const t of BASE_TOOLS) if (!pNames.has(`p__${t}`)) missing.push(t);
        assert.deepEqual(missing.slice(0, 20), [], `${missing.length} tools of p missing`);
        assert.equal(pNames.size, N + BASE_TOOLS.length);
        // q paginates one item per page.
        const qNames = names.filter((n) => n.startsWith('q__')).sort();
        assert.deepEqual(qNames, BASE_TOOLS.map((t) => `q__${t}`).sort());
        for (const n of names) assert.match(n, TOOL_NAME_RE);

        // Tools from the first, a middle and the last page are callable.
        for (const i of [0, 6, 7, 150, N - 1]) {
          assert.equal(await callText(client, `p__gen_${i}`), `gen_${i}`);
        }
        assert.equal(await callText(client, 'q__echo', { text: 'q' }), 'q');
      } finally {
        await client.close2();
      }
      gw.assertClean();
    });
  }

  it('/status counts every page', async () => {
    const st = await gw.status();
    const p = st.servers.find((s) => s.name === 'p');
    const q = st.servers.find((s) => s.name === 'q');
    assert.equal(p.tools, N + BASE_TOOLS.length);
    assert.equal(q.tools, BASE_TOOLS.length);
    assert.ok(q.resources >= 2, `q resources ${q.resources}`);
    assert.ok(q.resourceTemplates >= 1);
    assert.ok(q.prompts >= 1);
    gw.assertClean();
  });

  it('paginated prompts, resources and templates are complete', async () => {
    const client = await connectStreamable(gw.url);
    try {
      const prompts = (await listAll(client, 'prompts')).map((p) => p.name);
      assert.ok(prompts.includes('p__greet') && prompts.includes('q__greet'), JSON.stringify(prompts));
      const uris = (await listAll(client, 'resources')).map((r) => r.uri);
      assert.ok(uris.includes('test://static/hello') && uris.includes('test://static/info'), JSON.stringify(uris));
      const tpls = (await listAll(client, 'resourceTemplates')).map((t) => t.uriTemplate);
      assert.ok(tpls.includes('test://items/{id}'), JSON.stringify(tpls));
      const item = await client.readResource({ uri: 'test://items/abc' });
      assert.equal(item.contents[0].text, 'item abc');
    } finally {
      await client.close2();
    }
    gw.assertClean();
  });

  itStopsCleanly(gw);
});
