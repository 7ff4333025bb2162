// Exposed tool/prompt names: prefixes, rewriting of long/illegal names, allow/deny
// filters and the toolNameMaxLength / separator settings.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  sharedGateway,
  sharedClient,
  itStopsCleanly,
  startGateway,
  testServer,
  connectStreamable,
  connectSse,
  listAll,
  callText,
  TOOL_NAME_RE,
} from './lib/gateway.mjs';

// Tools every mcp-test-server has (without --tools / --long-names).
const BASE_TOOLS = ['echo', 'add', 'sleep', 'crash', 'large', 'log_stderr', 'fail', 'toggle_extra', 'whoami', 'env', 'cwd', 'alloc', 'hang', 'spawn_child'];
const LONG_NAME = 'very_long_tool_name_'.padEnd(80, 'x');

const NAMING_SERVERS = {
  ln: testServer('ln', ['--long-names']),
  bare: testServer('bare', [], { prefix: '' }),
  custom: testServer('custom', [], { prefix: 'x' }),
  al: testServer('al', [], { tools: { allow: ['echo', 'add'] } }),
  dn: testServer('dn', [], { tools: { deny: ['crash', 'spawn_child', 'whoami'] } }),
  off: testServer('off', [], { disabled: true }),
};

async function expectUnknownTool(client, name) {
  let err;
  try {
    const r = await client.callTool({ name, arguments: {} });
    assert.fail(`${name} should not be callable, got ${JSON.stringify(r)}`);
  } catch (e) {
    if (e.code === 'ERR_ASSERTION') throw e;
    err = e;
  }
  assert.equal(typeof err.code, 'number', `JSON-RPC error for ${name}: ${err}`);
  assert.ok(err.message.includes(name), `error names ${name}: ${err.message}`);
}

describe('naming: prefixes, rewriting and filters', { timeout: 120000 }, () => {
  const gw = sharedGateway({ servers: NAMING_SERVERS });
  const client = sharedClient(gw, 'streamable');
  let namesP;
  // The aggregated tool names, listed once on first use.
  const toolNames = () => (namesP ??= listAll(client, 'tools').then((ts) => ts.map((t) => t.name)));

  it('every exposed tool and prompt name matches ^[a-zA-Z0-9_-]{1,64}$ and is unique', async () => {
    const names = await toolNames();
    assert.ok(names.length > 0);
    for (const n of names) assert.match(n, TOOL_NAME_RE);
    assert.equal(new Set(names).size, names.length, 'unique');
    const prompts = (await listAll(client, 'prompts')).map((p) => p.name);
    for (const n of prompts) assert.match(n, TOOL_NAME_RE);
    assert.equal(new Set(prompts).size, prompts.length, 'unique prompt names');
    gw.assertClean();
  });

  it('disabled server: not started, state "disabled", contributes nothing', async () => {
    const names = await toolNames();
    const st = await gw.status();
    const off = st.servers.find((s) => s.name === 'off');
    assert.ok(off, 'disabled server appears in /status');
    assert.equal(off.state, 'disabled');
    assert.ok(!off.backendPid, `no backend pid: ${JSON.stringify(off)}`);
    assert.ok(!names.some((n) => n.startsWith('off__')), 'no off__ tools');
    gw.assertClean();
  });

  it('--long-names: the 80-char name and dotted.name are rewritten, legal, and callable', async () => {
    const names = await toolNames();
    const lnTools = names.filter((n) => n.startsWith('ln'));
    const plain = BASE_TOOLS.map((t) => `ln__${t}`);
    for (const p of plain) assert.ok(lnTools.includes(p), `${p} listed`);
    const rewritten = lnTools.filter((n) => !plain.includes(n));
    assert.equal(rewritten.length, 2, `exactly two rewritten names: ${JSON.stringify(rewritten)}`);
    // The named-echo tools answer with their own backend name, which proves the mapping.
    const answers = {};
    for (const n of rewritten) {
      assert.match(n, TOOL_NAME_RE);
      assert.ok(n.length <= 64);
      answers[await callText(client, n)] = n;
    }
    assert.deepEqual(Object.keys(answers).sort(), ['dotted.name', LONG_NAME].sort(),
      `rewritten tools reach the original backend tools: ${JSON.stringify(answers)}`);
    gw.assertClean();
  });

  it('the rewriting is deterministic across gateway instances and transports', async () => {
    const names = await toolNames();
    const gw2 = await startGateway({ servers: { ln: NAMING_SERVERS.ln } });
    try {
      const c2 = await connectSse(gw2.url);
      try {
        const names2 = (await listAll(c2, 'tools')).map((t) => t.name).sort();
        assert.deepEqual(names2, names.filter((n) => n.startsWith('ln__')).sort());
      } finally {
        await c2.close2();
      }
    } finally {
      const r = await gw2.stop();
      assert.equal(r.code, 0);
      gw2.assertClean();
    }
    gw.assertClean();
  });

  it('prefix "" exposes bare names; custom prefix "x" exposes x__<tool>', async () => {
    const names = await toolNames();
    for (const t of BASE_TOOLS) {
      assert.ok(names.includes(t), `bare ${t} listed`);
      assert.ok(names.includes(`x__${t}`), `x__${t} listed`);
    }
    assert.ok(!names.some((n) => n.startsWith('bare__')), 'no bare__ names');
    assert.ok(!names.some((n) => n.startsWith('custom__')), 'no custom__ names');
    const st = await gw.status();
    const pid = (s) => st.servers.find((x) => x.name === s).backendPid;
    assert.equal(Number(await callText(client, 'whoami')), pid('bare'));
    assert.equal(Number(await callText(client, 'x__whoami')), pid('custom'));
    assert.equal(await callText(client, 'echo', { text: 'bare-echo' }), 'bare-echo');
    assert.equal(await callText(client, 'x__add', { a: 1, b: 2 }), '3');
    gw.assertClean();
  });

  it('prompts follow the same naming', async () => {
    const prompts = (await listAll(client, 'prompts')).map((p) => p.name);
    for (const p of ['ln__greet', 'greet', 'x__greet', 'al__greet', 'dn__greet']) {
      assert.ok(prompts.includes(p), `${p} in ${JSON.stringify(prompts)}`);
    }
    assert.equal((await client.getPrompt({ name: 'greet', arguments: { name: 'Bare' } })).messages[0].content.text, 'Hello, Bare!');
    assert.equal((await client.getPrompt({ name: 'x__greet', arguments: { name: 'X' } })).messages[0].content.text, 'Hello, X!');
    gw.assertClean();
  });

  it('tools.allow: only allowed tools are listed and callable', async () => {
    const names = await toolNames();
    const al = names.filter((n) => n.startsWith('al__')).sort();
    assert.deepEqual(al, ['al__add', 'al__echo']);
    assert.equal(await callText(client, 'al__echo', { text: 'allowed' }), 'allowed');
    await expectUnknownTool(client, 'al__whoami');
    await expectUnknownTool(client, 'al__crash');
    const st = await gw.status();
    assert.equal(st.servers.find((s) => s.name === 'al').tools, 2, '/status counts exposed tools');
    gw.assertClean();
  });

  it('tools.deny: denied tools are neither listed nor callable (and are not executed)', async () => {
    const names = await toolNames();
    const dn = names.filter((n) => n.startsWith('dn__'));
    for (const t of ['crash', 'spawn_child', 'whoami']) assert.ok(!dn.includes(`dn__${t}`), `dn__${t} hidden`);
    for (const t of ['echo', 'add', 'sleep']) assert.ok(dn.includes(`dn__${t}`), `dn__${t} listed`);
    assert.equal(dn.length, BASE_TOOLS.length - 3);
    const before = (await gw.status()).servers.find((s) => s.name === 'dn');
    await expectUnknownTool(client, 'dn__crash');
    await expectUnknownTool(client, 'dn__whoami');
    assert.equal(await callText(client, 'dn__echo', { text: 'still up' }), 'still up');
    const after = (await gw.status()).servers.find((s) => s.name === 'dn');
    assert.equal(after.backendPid, before.backendPid, 'denied crash was not forwarded');
    assert.equal(after.restarts, before.restarts);
    gw.assertClean();
  });

  itStopsCleanly(gw);
});

describe('naming: toolNameMaxLength and separator settings', { timeout: 120000 }, () => {
  it('toolNameMaxLength 20: every name ≤ 20, legal, unique and routed to the right tool', async () => {
    const gw = await startGateway({
      servers: { srv_with_long_name: testServer('s1', ['--long-names']), s2: testServer('s2') },
      mcproxy: { toolNameMaxLength: 20 },
    });
    try {
      const client = await connectStreamable(gw.url);
      try {
        const tools = await listAll(client, 'tools');
        const names = tools.map((t) => t.name);
        assert.equal(names.length, 2 * BASE_TOOLS.length + 2);
        assert.equal(new Set(names).size, names.length, 'no collisions after shortening');
        for (const n of names) {
          assert.match(n, TOOL_NAME_RE);
          assert.ok(n.length <= 20, `${n} is ${n.length} chars`);
        }
        // Short enough names are untouched.
        assert.ok(names.includes('s2__echo') && names.includes('s2__spawn_child'));
        // srv_with_long_name__echo (24 chars) must have been rewritten; find tools by schema/answer.
        const s1 = tools.filter((t) => !t.name.startsWith('s2__'));
        assert.equal(s1.length, BASE_TOOLS.length + 2);
        const add = s1.filter((t) => JSON.stringify(Object.keys(t.inputSchema.properties || {}).sort()) === '["a","b"]');
        assert.equal(add.length, 1, 'one add tool from srv_with_long_name');
        assert.equal(await callText(client, add[0].name, { a: 20, b: 22 }), '42');
        const answers = [];
        for (const t of s1.filter((x) => x.description?.includes('returns its own name'))) {
          answers.push(await callText(client, t.name));
        }
        assert.deepEqual(answers.sort(), ['dotted.name', LONG_NAME].sort());
      } finally {
        await client.close2();
      }
    } finally {
      const r = await gw.stop();
      assert.equal(r.code, 0);
    }
    gw.assertClean();
  });

  it('custom separator "-" is used between prefix and tool name', async () => {
    const gw = await startGateway({ servers: { sep: testServer('sep') }, mcproxy: { separator: '-' } });
    try {
      const client = await connectSse(gw.url);
      try {
        const names = (await listAll(client, 'tools')).map((t) => t.name);
        assert.deepEqual(names.sort(), BASE_TOOLS.map((t) => `sep-${t}`).sort());
        assert.equal(await callText(client, 'sep-echo', { text: 'dash' }), 'dash');
        const prompts = (await listAll(client, 'prompts')).map((p) => p.name);
        assert.ok(prompts.includes('sep-greet'), JSON.stringify(prompts));
      } finally {
        await client.close2();
      }
    } finally {
      const r = await gw.stop();
      assert.equal(r.code, 0);
    }
    gw.assertClean();
  });
});
