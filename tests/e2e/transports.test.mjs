// One gateway in front of five stdio backends (the project's test server twice,
// server-everything, server-memory, server-filesystem); every MCP feature is
// exercised through the official SDK client on BOTH HTTP transports.

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

import {
  sharedGateway,
  sharedClient,
  itStopsCleanly,
  testServer,
  everythingServer,
  memoryServer,
  filesystemServer,
  makeTempDir,
  connectors,
  listAll,
  callText,
  textOf,
  waitFor,
  TOOL_NAME_RE,
} from './lib/gateway.mjs';

const SERVERS = ['a', 'b', 'everything', 'memory', 'filesystem'];

describe('transports: five backends behind one gateway', { timeout: 180000 }, () => {
  let fsDir;
  let memDir;
  let cwdDir;
  const fileText = `hello from the e2e suite ${process.pid}\nsecond line\n`;

  const gw = sharedGateway(() => {
    fsDir = makeTempDir('fs');
    memDir = makeTempDir('mem');
    cwdDir = makeTempDir('cwd');
    fs.writeFileSync(path.join(fsDir, 'hello.txt'), fileText);
    fs.mkdirSync(path.join(fsDir, 'subdir'));
    return {
      servers: {
        a: testServer('a', [], { env: { MCPROXY_E2E_VAR: 'value-for-a' }, cwd: cwdDir }),
        b: testServer('b'),
        everything: everythingServer(),
        memory: memoryServer(path.join(memDir, 'memory.jsonl')),
        filesystem: filesystemServer(fsDir),
      },
      readyTimeoutMs: 30000,
    };
  });

  after(() => {
    for (const d of [fsDir, memDir, cwdDir]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  it('/health answers 200 and /status lists every server ready with counts', async () => {
    const h = await fetch(`${gw.url}/health`);
    assert.equal(h.status, 200);
    const st = await gw.status();
    assert.equal(typeof st.version, 'string');
    assert.ok(st.version.length > 0);
    assert.equal(st.pid, gw.pid, '/status pid is the supervisor pid');
    assert.deepEqual(st.servers.map((s) => s.name).sort(), [...SERVERS].sort());
    for (const s of st.servers) {
      assert.equal(s.state, 'ready', `${s.name} state`);
      assert.ok(Number.isInteger(s.workerPid) && s.workerPid > 0, `${s.name} workerPid ${s.workerPid}`);
      assert.ok(Number.isInteger(s.backendPid) && s.backendPid > 0, `${s.name} backendPid ${s.backendPid}`);
      assert.notEqual(s.workerPid, s.backendPid);
      assert.equal(s.restarts, 0, `${s.name} restarts`);
      assert.ok(Number.isInteger(s.tools) && s.tools > 0, `${s.name} tools count ${s.tools}`);
      for (const k of ['prompts', 'resources', 'resourceTemplates']) {
        assert.ok(Number.isInteger(s[k]) && s[k] >= 0, `${s.name}.${k} = ${s[k]}`);
      }
    }
    const byName = Object.fromEntries(st.servers.map((s) => [s.name, s]));
    assert.equal(byName.memory.tools, 9, 'server-memory exposes 9 tools');
    assert.equal(byName.filesystem.tools, 14, 'server-filesystem exposes 14 tools');
    assert.ok(byName.a.prompts >= 1 && byName.a.resources >= 2 && byName.a.resourceTemplates >= 1);
    assert.ok(Number.isInteger(st.sessions.total) && Number.isInteger(st.sessions.sse) && Number.isInteger(st.sessions.streamable));
    gw.assertClean();
  });

  for (const kind of ['streamable', 'sse']) {
    describe(`over ${kind}`, () => {
      const client = sharedClient(gw, kind, { name: `e2e-${kind}` });

      it('session is counted in /status', async () => {
        const st = await gw.status();
        assert.ok(st.sessions[kind] >= 1, `sessions.${kind} = ${st.sessions[kind]}`);
        assert.ok(st.sessions.total >= st.sessions[kind]);
        gw.assertClean();
      });

      it('tools/list aggregates every server, prefixed', async () => {
        const tools = await listAll(client, 'tools');
        const names = tools.map((t) => t.name);
        assert.equal(new Set(names).size, names.length, 'no duplicate tool names');
        for (const n of names) {
          assert.match(n, TOOL_NAME_RE);
          assert.ok(SERVERS.some((s) => n.startsWith(`${s}__`)), `tool ${n} carries a server prefix`);
        }
        for (const expected of [
          'a__echo', 'a__add', 'a__sleep', 'a__whoami', 'b__echo', 'b__add',
          'everything__echo', 'everything__get-sum',
          'memory__create_entities', 'memory__read_graph',
          'filesystem__list_directory', 'filesystem__read_file', 'filesystem__write_file',
        ]) {
          assert.ok(names.includes(expected), `${expected} listed (got ${names.length} tools)`);
        }
        const st = await gw.status();
        const total = st.servers.reduce((n, s) => n + s.tools, 0);
        assert.equal(names.length, total, 'listed tool count equals sum of /status tool counts');
        // Schemas pass through.
        const echo = tools.find((t) => t.name === 'a__echo');
        assert.equal(echo.inputSchema.type, 'object');
        assert.ok(echo.inputSchema.properties?.text, 'a__echo keeps its inputSchema');
        gw.assertClean();
      });

      it('calls test-server tools (echo with structuredContent, add, large, fail)', async () => {
        const text = `hi ${kind} ✓ "quoted" \\ back\nslash`;
        const res = await client.callTool({ name: 'a__echo', arguments: { text } });
        assert.ok(!res.isError);
        assert.equal(textOf(res), text);
        assert.deepEqual(res.structuredContent, { text });
        assert.equal(await callText(client, 'b__add', { a: 2, b: 40 }), '42');

        const big = await callText(client, 'a__large', { bytes: 1_000_000 });
        assert.equal(big.length, 1_000_000);
        assert.ok(/^x+$/.test(big), 'large payload is all x');

        const failed = await client.callTool({ name: 'b__fail', arguments: { message: `boom-${kind}` } });
        assert.equal(failed.isError, true);
        assert.ok(textOf(failed).includes(`boom-${kind}`));
        gw.assertClean();
      });

      it('routes calls to the right backend (whoami matches /status backendPid)', async () => {
        const st = await gw.status();
        const pidA = Number(await callText(client, 'a__whoami'));
        const pidB = Number(await callText(client, 'b__whoami'));
        assert.equal(pidA, st.servers.find((s) => s.name === 'a').backendPid);
        assert.equal(pidB, st.servers.find((s) => s.name === 'b').backendPid);
        assert.notEqual(pidA, pidB);
        gw.assertClean();
      });

      it('applies the env and cwd of the server config', async () => {
        assert.equal(await callText(client, 'a__env', { name: 'MCPROXY_E2E_VAR' }), 'value-for-a');
        assert.equal(await callText(client, 'a__cwd'), cwdDir);
        gw.assertClean();
      });

      it('forwards progress notifications of a long call', async () => {
        const progress = [];
        const res = await client.callTool({ name: 'a__sleep', arguments: { ms: 1500 } }, undefined, {
          onprogress: (p) => progress.push(p),
        });
        assert.equal(textOf(res), 'slept 1500 ms');
        assert.ok(progress.length >= 1, 'at least one notifications/progress arrived');
        assert.ok(progress.every((p) => typeof p.progress === 'number'));
        gw.assertClean();
      });

      it('calls server-everything tools', async () => {
        const msg = `everything via ${kind}`;
        assert.equal(await callText(client, 'everything__echo', { message: msg }), `Echo: ${msg}`);
        const sum = await callText(client, 'everything__get-sum', { a: 17, b: 25 });
        assert.match(sum, /\b42\b/);
        gw.assertClean();
      });

      it('calls server-memory tools (create_entities then read_graph)', async () => {
        const entity = `Entity_${kind}_${process.pid}`;
        const created = await client.callTool({
          name: 'memory__create_entities',
          arguments: { entities: [{ name: entity, entityType: 'test', observations: [`seen over ${kind}`] }] },
        });
        assert.ok(!created.isError, JSON.stringify(created));
        const graphText = await callText(client, 'memory__read_graph');
        const graph = JSON.parse(graphText);
        const e = graph.entities.find((x) => x.name === entity);
        assert.ok(e, `entity ${entity} in graph: ${graphText.slice(0, 300)}`);
        assert.deepEqual(e.observations, [`seen over ${kind}`]);
        gw.assertClean();
      });

      it('calls server-filesystem tools (list_directory, read_file)', async () => {
        const listing = await callText(client, 'filesystem__list_directory', { path: fsDir });
        assert.match(listing, /\[FILE\] hello\.txt/);
        assert.match(listing, /\[DIR\] subdir/);
        const content = await callText(client, 'filesystem__read_file', { path: path.join(fsDir, 'hello.txt') });
        assert.equal(content, fileText);
        // A write through the gateway lands on disk.
        const target = path.join(fsDir, `written-${kind}.txt`);
        await callText(client, 'filesystem__write_file', { path: target, content: `written over ${kind}` });
        assert.equal(fs.readFileSync(target, 'utf8'), `written over ${kind}`);
        // Access outside the allowed directory is refused by the backend (isError, not a transport failure).
        const denied = await client.callTool({ name: 'filesystem__read_file', arguments: { path: '/etc/hostname' } });
        assert.equal(denied.isError, true);
        gw.assertClean();
      });

      it('prompts: list and get', async () => {
        const prompts = await listAll(client, 'prompts');
        const names = prompts.map((p) => p.name);
        for (const expected of ['a__greet', 'b__greet', 'everything__simple-prompt', 'everything__args-prompt']) {
          assert.ok(names.includes(expected), `${expected} in prompts list ${JSON.stringify(names)}`);
        }
        for (const n of names) assert.match(n, TOOL_NAME_RE);
        const greet = await client.getPrompt({ name: 'a__greet', arguments: { name: kind } });
        assert.equal(greet.messages[0].content.text, `Hello, ${kind}!`);
        const simple = await client.getPrompt({ name: 'everything__simple-prompt' });
        assert.equal(simple.messages[0].content.text, 'This is a simple prompt without arguments.');
        const args = await client.getPrompt({ name: 'everything__args-prompt', arguments: { city: 'Lisbon' } });
        assert.ok(JSON.stringify(args.messages).includes('Lisbon'));
        gw.assertClean();
      });

      it('resources: list, read (static, templated) routed by URI owner', async () => {
        const resources = await listAll(client, 'resources');
        const uris = resources.map((r) => r.uri);
        for (const expected of ['test://static/hello', 'test://static/info', 'memory://knowledge-graph',
          'demo://resource/static/document/architecture.md']) {
          assert.ok(uris.includes(expected), `${expected} listed in ${JSON.stringify(uris)}`);
        }
        const templates = await listAll(client, 'resourceTemplates');
        const tpls = templates.map((t) => t.uriTemplate);
        assert.ok(tpls.includes('test://items/{id}'), JSON.stringify(tpls));
        assert.ok(tpls.includes('demo://resource/dynamic/text/{resourceId}'), JSON.stringify(tpls));

        const hello = await client.readResource({ uri: 'test://static/hello' });
        assert.equal(hello.contents[0].text, 'hello');
        const info = await client.readResource({ uri: 'test://static/info' });
        assert.ok(['a', 'b'].includes(info.contents[0].text), `info is one test server's name: ${info.contents[0].text}`);
        const item = await client.readResource({ uri: 'test://items/42' });
        assert.equal(item.contents[0].text, 'item 42');
        const dyn = await client.readResource({ uri: 'demo://resource/dynamic/text/7' });
        assert.match(dyn.contents[0].text, /^Resource 7:/);
        const doc = await client.readResource({ uri: 'demo://resource/static/document/architecture.md' });
        assert.ok(doc.contents[0].text.length > 0);
        const graph = await client.readResource({ uri: 'memory://knowledge-graph' });
        assert.ok(graph.contents[0].text.includes(`Entity_${kind}_${process.pid}`), 'memory resource shows the entity');
        gw.assertClean();
      });
    });
  }

  it('tools/list_changed from a backend reaches clients on both transports and the list updates', async () => {
    const clients = { streamable: await connectors.streamable(gw.url), sse: await connectors.sse(gw.url) };
    try {
      const seen = { streamable: 0, sse: 0 };
      for (const [k, c] of Object.entries(clients)) {
        c.setNotificationHandler(ToolListChangedNotificationSchema, () => {
          seen[k]++;
        });
      }
      const before = (await listAll(clients.sse, 'tools')).map((t) => t.name);
      const hadExtra = before.includes('b__extra');
      await callText(clients.streamable, 'b__toggle_extra');
      for (const [k, c] of Object.entries(clients)) {
        await waitFor(async () => (await listAll(c, 'tools')).some((t) => t.name === 'b__extra') !== hadExtra, {
          timeoutMs: 10000,
          what: `b__extra to ${hadExtra ? 'disappear from' : 'appear in'} the ${k} tool list`,
        });
        await waitFor(() => seen[k] >= 1, { timeoutMs: 10000, what: `notifications/tools/list_changed on ${k}` });
      }
      if (!hadExtra) {
        const r = await clients.sse.callTool({ name: 'b__extra', arguments: {} });
        assert.ok(!r.isError, `b__extra callable: ${JSON.stringify(r)}`);
      }
      // Toggle back; the list returns to its original shape.
      await callText(clients.sse, 'b__toggle_extra');
      await waitFor(async () => (await listAll(clients.streamable, 'tools')).some((t) => t.name === 'b__extra') === hadExtra, {
        timeoutMs: 10000,
        what: 'b__extra toggled back',
      });
    } finally {
      await clients.streamable.close2();
      await clients.sse.close2();
    }
    gw.assertClean();
  });

  itStopsCleanly(gw);
});
