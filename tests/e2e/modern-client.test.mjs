// A real 2026-07-28 client through the gateway: @modelcontextprotocol/client 2.4.0, pinned to
// 2026-07-28 (it connects with server/discover and never sends initialize), against two legacy
// test servers. Lists, tool calls, progress, prompts, resources, completion and log messages;
// subscriptions/listen driving the client's own listChanged handlers after a backend's list
// change and after a config reload; the MRTR bridge answering a legacy backend's elicitation,
// sampling and roots requests through the client's handlers; and the missing-capability error.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { sharedGateway, itStopsCleanly, testServer, connectStreamable, listAll, settle, withDeadline } from './lib/gateway.mjs';
import { MissingRequiredClientCapabilityError } from '@modelcontextprotocol/client';

import { writeAtomic, configText } from './lib/ops.mjs';
import { MessageLog } from './lib/peers.mjs';
import { MODERN, META, CODE, connectModern, rawAnswer, waitIdle, textOfResult, modernJournal } from './lib/modern.mjs';

const PID = process.pid;
const SERVERS = {
  a: testServer('a', ['--protocol-tools']),
  b: testServer('b', ['--protocol-tools', '--resource-scheme', 'test-b']),
};

const ASKS = {
  'elicitation/create': {
    params: { message: 'Your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
    answer: (label) => ({ action: 'accept', content: { name: label } }),
    capability: 'elicitation',
  },
  'sampling/createMessage': {
    params: { messages: [{ role: 'user', content: { type: 'text', text: 'Say hi' } }], systemPrompt: 'Be brief.', maxTokens: 16 },
    answer: (label) => ({ model: `model-${label}`, role: 'assistant', content: { type: 'text', text: `hi from ${label}` } }),
    capability: 'sampling',
  },
  'roots/list': {
    params: {},
    answer: (label) => ({ roots: [{ uri: `file:///roots/${label}`, name: label }] }),
    capability: 'roots',
  },
};

/** A v2 client declaring sampling, elicitation and roots, whose handlers answer as `label`. */
async function capableClient(url, label) {
  const seen = [];
  const client = await connectModern(url, {
    name: label,
    capabilities: { sampling: {}, elicitation: {}, roots: {} },
    setup: (c) => {
      for (const method of Object.keys(ASKS)) {
        c.setRequestHandler(method, async (req) => {
          seen.push({ method, params: req.params });
          return ASKS[method].answer(label);
        });
      }
    },
  });
  client.seen = seen;
  return client;
}

describe('the v2 client speaking 2026-07-28 through the gateway to legacy backends', { timeout: 60000 }, () => {
  const gw = sharedGateway({ servers: SERVERS });

  it('connects with server/discover (pinned to 2026-07-28, no initialize) and sees the gateway\'s versions, identity and capabilities', async () => {
    const c = await connectModern(gw.url, { name: 'discover' });
    try {
      assert.equal(c.getProtocolEra(), 'modern');
      assert.equal(c.getNegotiatedProtocolVersion(), MODERN);
      assert.equal(c.rec.outbound[0].method, 'server/discover', 'the first thing sent is the discover probe');
      assert.equal(c.getServerVersion()?.name, 'mcproxy');
      const d = c.getDiscoverResult();
      assert.ok(d.supportedVersions.includes(MODERN) && d.supportedVersions.includes('2025-11-25'),
        `a dual-era endpoint lists both eras: ${JSON.stringify(d.supportedVersions)}`);
      const caps = c.getServerCapabilities();
      for (const kind of ['tools', 'prompts', 'resources']) assert.ok(caps[kind]?.listChanged, `${kind}.listChanged: ${JSON.stringify(caps)}`);
      assert.ok(caps.resources.subscribe, 'the backends can subscribe, so the gateway can');
      await c.listTools();
      assert.deepEqual(c.rec.outbound.filter((m) => m.method === 'initialize'), [], 'never an initialize');
      for (const m of c.rec.outbound) {
        assert.equal(m.params?._meta?.[META.protocolVersion], MODERN, `${m.method} carries the version in _meta`);
        assert.equal(m.params._meta[META.clientInfo]?.name, 'discover');
      }
      assert.equal((await gw.status()).sessions.total, 0, 'a modern client holds no session');
    } finally {
      await c.close2();
    }
    gw.assertClean();
  });

  it('in auto mode the v2 client probes, finds 2026-07-28 on the dual-era endpoint and uses it; in its default (legacy) mode it initializes a session', async () => {
    const auto = await connectModern(gw.url, { name: 'auto', options: { versionNegotiation: { mode: 'auto' } } });
    try {
      assert.equal(auto.getProtocolEra(), 'modern');
      assert.equal(auto.getNegotiatedProtocolVersion(), MODERN);
      assert.equal(textOfResult(await auto.callTool({ name: 'a__echo', arguments: { text: 'auto' } })), 'auto');
    } finally {
      await auto.close2();
    }
    const legacy = await connectModern(gw.url, { name: 'legacy-mode', options: { versionNegotiation: { mode: 'legacy' } } });
    try {
      assert.equal(legacy.getProtocolEra(), 'legacy');
      assert.equal(legacy.rec.outbound[0].method, 'initialize');
      assert.equal(textOfResult(await legacy.callTool({ name: 'b__echo', arguments: { text: 'legacy' } })), 'legacy');
      assert.equal((await gw.status()).sessions.streamable, 1, 'the legacy-mode client holds a session');
    } finally {
      await legacy.close2();
    }
    await gw.waitForStatus((st) => st.sessions.total === 0, 5000, 'the legacy-mode session ended by DELETE');
    gw.assertClean();
  });

  it('lists tools, prompts, resources and templates of both backends: what a legacy session lists, marked complete and public', async () => {
    const c = await connectModern(gw.url, { name: 'lists' });
    const legacy = await connectStreamable(gw.url, { name: 'legacy-reference' });
    try {
      const lists = {
        tools: (await c.listTools()).tools,
        prompts: (await c.listPrompts()).prompts,
        resources: (await c.listResources()).resources,
        resourceTemplates: (await c.listResourceTemplates()).resourceTemplates,
      };
      for (const [kind, items] of Object.entries(lists)) {
        const ident = (x) => x.uri ?? x.uriTemplate ?? x.name;
        assert.deepEqual(items.map(ident).sort(), (await listAll(legacy, kind)).map(ident).sort(), `${kind}: same as a legacy session`);
      }
      for (const name of ['a__echo', 'b__echo', 'a__ask_client']) assert.ok(lists.tools.some((t) => t.name === name), name);
      assert.deepEqual(lists.prompts.map((p) => p.name).sort(), ['a__greet', 'b__greet']);
      assert.ok(lists.resources.some((r) => r.uri === 'test-b://static/info'));
      for (const method of ['tools/list', 'prompts/list', 'resources/list', 'resources/templates/list']) {
        const raw = rawAnswer(c, (m) => m.method === method);
        assert.equal(raw.result.resultType, 'complete', `${method} on the wire`);
        assert.equal(raw.result.cacheScope, 'public');
        assert.ok(Number.isInteger(raw.result.ttlMs));
      }
    } finally {
      await legacy.close2();
      await c.close2();
    }
    gw.assertClean();
  });

  it('calls tools on legacy backends: text, structuredContent checked against the outputSchema, numbers, isError results; unknown tools are errors', async () => {
    const c = await connectModern(gw.url, { name: 'calls' });
    try {
      await c.listTools(); // the client validates structuredContent against the listed outputSchema
      const echo = await c.callTool({ name: 'a__echo', arguments: { text: `héllo ${PID}` } });
      assert.equal(textOfResult(echo), `héllo ${PID}`);
      assert.deepEqual(echo.structuredContent, { text: `héllo ${PID}` });
      assert.equal(textOfResult(await c.callTool({ name: 'b__add', arguments: { a: 2 ** 40, b: 1 } })), String(2 ** 40 + 1));
      const failed = await c.callTool({ name: 'a__fail', arguments: { message: 'on purpose' } });
      assert.equal(failed.isError, true);
      assert.equal(textOfResult(failed), 'on purpose');
      const pid = Number(textOfResult(await c.callTool({ name: 'b__whoami', arguments: {} })));
      assert.equal(pid, (await gw.server('b')).backendPid, 'b__whoami ran at b');
      const unknown = await settle(c.callTool({ name: 'a__no_such_tool', arguments: {} }));
      assert.equal(unknown.ok, false);
      assert.equal(unknown.error.code, CODE.invalidParams, unknown.error.message);
      assert.equal(rawAnswer(c, (m) => m.params?.name === 'a__echo').result.resultType, 'complete', 'resultType on the wire');
    } finally {
      await c.close2();
    }
    gw.assertClean();
  });

  it('progress: each call\'s onprogress gets that call\'s notifications only, in order, up to complete', async () => {
    const c = await connectModern(gw.url, { name: 'progress' });
    try {
      const pa = [];
      const pb = [];
      const [ra, rb] = await Promise.all([
        c.callTool({ name: 'a__sleep', arguments: { ms: 200 } }, { onprogress: (p) => pa.push(p) }),
        c.callTool({ name: 'b__sleep', arguments: { ms: 250 } }, { onprogress: (p) => pb.push(p) }),
      ]);
      assert.equal(textOfResult(ra), 'slept 200 ms');
      assert.equal(textOfResult(rb), 'slept 250 ms');
      for (const [label, ps, ms] of [['a', pa, 200], ['b', pb, 250]]) {
        assert.ok(ps.length >= 2, `${label}: progress ${JSON.stringify(ps)}`);
        assert.ok(ps.every((p) => p.message.endsWith(`of ${ms} ms`)), `${label} got only its own progress: ${JSON.stringify(ps)}`);
        const values = ps.map((p) => p.progress);
        assert.deepEqual(values, [...values].sort((x, y) => x - y));
        assert.equal(ps.at(-1).progress, ps.at(-1).total);
      }
    } finally {
      await c.close2();
    }
    gw.assertClean();
  });

  it('prompts/get, resources/read (static and templated) and completion/complete reach the owning backend', async () => {
    const c = await connectModern(gw.url, { name: 'prompts-resources' });
    try {
      const p = await c.getPrompt({ name: 'b__greet', arguments: { name: 'Grace' } });
      assert.equal(p.messages[0].content.text, 'Hello, Grace!');
      assert.equal((await c.readResource({ uri: 'test://static/info' })).contents[0].text, 'a');
      assert.equal((await c.readResource({ uri: 'test-b://static/info' })).contents[0].text, 'b');
      assert.equal((await c.readResource({ uri: 'test-b://items/42' })).contents[0].text, 'item 42');
      const raw = rawAnswer(c, (m) => m.method === 'resources/read' && m.params.uri === 'test-b://items/42');
      assert.equal(raw.result.cacheScope, 'private');
      assert.equal(raw.result.ttlMs, 0);
      const done = await c.complete({ ref: { type: 'ref/prompt', name: 'a__greet' }, argument: { name: 'name', value: 'A' } });
      assert.deepEqual(done.completion.values, ['Alice']);
      const items = await c.complete({ ref: { type: 'ref/resource', uri: 'test-b://items/{id}' }, argument: { name: 'id', value: '' } });
      assert.deepEqual(items.completion.values, ['b-1', 'b-2']);
      const missing = await settle(c.readResource({ uri: 'test://static/none' }));
      assert.equal(missing.ok, false, 'an unknown resource is an error');
    } finally {
      await c.close2();
    }
    gw.assertClean();
  });

  it('log messages: a call whose _meta carries io.modelcontextprotocol/logLevel gets the backend\'s log lines; one without does not', async () => {
    const logs = new MessageLog('notifications/message');
    const c = await connectModern(gw.url, {
      name: 'logs',
      setup: (client) => client.setNotificationHandler('notifications/message', (n) => logs.push(n)),
    });
    try {
      const data = { m: `with-${PID}` };
      await c.callTool({ name: 'a__emit_log', arguments: { level: 'warning', data }, _meta: { [META.logLevel]: 'info' } });
      const got = await logs.waitFor((n) => n.params?.data?.m === data.m, { what: 'the log line of the call that asked' });
      assert.equal(got.params.level, 'warning');
      const quiet = { m: `without-${PID}` };
      await c.callTool({ name: 'a__emit_log', arguments: { level: 'warning', data: quiet } });
      // A log line would precede the result on the call's stream, which has ended.
      assert.deepEqual(c.rec.inbound.messages.filter((m) => m.params?.data?.m === quiet.m), [], 'no log line without logLevel');
    } finally {
      await c.close2();
    }
    gw.assertClean();
  });

  it('subscriptions/listen: the client\'s listChanged handlers fire on a backend\'s own change and on config reloads; resources/updated for a subscribed URI', async () => {
    const changes = { tools: new MessageLog('tools onChanged'), prompts: new MessageLog('prompts onChanged') };
    const updated = new MessageLog('resources/updated');
    const onChanged = (log) => (err, items) => log.push({ err, names: items?.map((x) => x.name) ?? null });
    const c = await connectModern(gw.url, {
      name: 'listener',
      options: {
        listChanged: {
          tools: { onChanged: onChanged(changes.tools), debounceMs: 0 },
          prompts: { onChanged: onChanged(changes.prompts), debounceMs: 0 },
        },
      },
      setup: (client) => client.setNotificationHandler('notifications/resources/updated', (n) => updated.push(n)),
    });
    const waitNames = (kind, pred, what) => changes[kind].waitFor((e) => !e.err && e.names && pred(e.names), { timeoutMs: 15000, what });
    let sub;
    try {
      assert.ok(c.autoOpenedSubscription, 'the client opened subscriptions/listen for its listChanged handlers');
      sub = await c.listen({ resourceSubscriptions: ['test-b://static/hello'] });
      assert.deepEqual(sub.honoredFilter, { resourceSubscriptions: ['test-b://static/hello'] });

      await c.callTool({ name: 'a__toggle_extra', arguments: {} });
      await waitNames('tools', (n) => n.includes('a__extra'), 'a__extra in a refreshed tools list');
      await c.callTool({ name: 'a__toggle_extra', arguments: {} });
      await waitNames('tools', (n) => !n.includes('a__extra') && n.includes('a__echo'), 'a__extra gone again');
      await c.callTool({ name: 'b__toggle_prompt', arguments: {} });
      await waitNames('prompts', (n) => n.includes('b__extra_prompt'), 'b__extra_prompt in a refreshed prompts list');
      await c.callTool({ name: 'b__toggle_prompt', arguments: {} });
      await waitNames('prompts', (n) => !n.includes('b__extra_prompt'), 'b__extra_prompt gone again');

      await c.callTool({ name: 'b__touch_resource', arguments: { uri: 'test-b://static/hello' } });
      const u = await updated.waitFor((n) => n.params.uri === 'test-b://static/hello', { what: 'resources/updated' });
      assert.ok(u);

      // Config reloads: a server added, then removed again.
      writeAtomic(gw.configPath, configText({ ...SERVERS, c: testServer('c') }));
      await waitNames('tools', (n) => n.includes('c__echo'), 'c__echo listed after the reload that added c');
      assert.equal(textOfResult(await c.callTool({ name: 'c__echo', arguments: { text: 'new server' } })), 'new server');
      writeAtomic(gw.configPath, configText(SERVERS));
      await waitNames('tools', (n) => !n.some((x) => x.startsWith('c__')) && n.includes('a__echo'), 'c\'s tools gone after the reload that removed c');
      await gw.waitForStatus((st) => !st.servers.some((s) => s.name === 'c'), 10000, 'c gone from /status');

      // On the wire: every change notification came on a listen stream, tagged with its id.
      const listenIds = c.rec.outbound.filter((m) => m.method === 'subscriptions/listen').map((m) => m.id);
      assert.equal(listenIds.length, 2);
      const changed = c.rec.inbound.messages.filter((m) => /list_changed$|resources\/updated$/.test(m.method ?? ''));
      assert.ok(changed.length >= 6, JSON.stringify(changed));
      for (const m of changed) assert.ok(listenIds.includes(m.params?._meta?.[META.subscriptionId]), `${m.method} tagged: ${JSON.stringify(m.params)}`);
    } finally {
      await sub?.close();
      await c.autoOpenedSubscription?.close();
      await c.close2();
    }
    gw.assertClean();
  });

  it('MRTR through the bridge: elicitation, sampling and roots asked by a legacy backend are answered by the client\'s handlers, and the call completes', async () => {
    const c = await capableClient(gw.url, `mrtr-${PID}`);
    try {
      for (const [method, ask] of Object.entries(ASKS)) {
        const res = await withDeadline(
          c.callTool({ name: 'b__ask_client', arguments: { method, params: ask.params, timeoutMs: 20000 } }), 15000, `${method} bridged`);
        const out = JSON.parse(textOfResult(res));
        assert.equal(out.outcome, 'answered', JSON.stringify(out));
        assert.deepEqual(out.result, ask.answer(`mrtr-${PID}`), `${method}: the backend got the handler's answer`);
        const got = c.seen.at(-1);
        assert.equal(got.method, method);
        if (method !== 'roots/list') {
          for (const [k, v] of Object.entries(ask.params)) assert.deepEqual(got.params[k], v, `${method} params.${k} reach the handler`);
        }
        // On the wire: input_required with a sealed state, then a retry under a new id.
        const calls = c.rec.outbound.filter((m) => m.method === 'tools/call' && m.params.arguments?.method === method);
        assert.equal(calls.length, 2, `${method}: the call and one retry`);
        const first = c.rec.inbound.messages.find((m) => m.id === calls[0].id && !m.method);
        assert.equal(first.result.resultType, 'input_required');
        const [key] = Object.keys(first.result.inputRequests);
        assert.equal(first.result.inputRequests[key].method, method);
        assert.notEqual(calls[1].id, calls[0].id);
        assert.equal(calls[1].params.requestState, first.result.requestState);
        assert.deepEqual(calls[1].params.inputResponses, { [key]: ask.answer(`mrtr-${PID}`) });
      }
      const answers = (await modernJournal(gw.url, 'b'))
        .filter((m) => m.id !== undefined && !m.method && String(m.id).startsWith('ask-'));
      assert.ok(answers.length >= 3 && answers.slice(-3).every((m) => m.result), 'the backend\'s requests were answered with results');
      await waitIdle(gw, 'the bridged calls done');
    } finally {
      await c.close2();
    }
    gw.assertClean();
  });

  it('a client that did not declare the capability: MissingRequiredClientCapabilityError (-32021) naming it, and the call ends', async () => {
    const c = await connectModern(gw.url, { name: 'nocaps', capabilities: {} });
    try {
      for (const [method, ask] of Object.entries(ASKS)) {
        const r = await settle(c.callTool({ name: 'a__ask_client', arguments: { method, params: ask.params, timeoutMs: 20000 } }));
        assert.equal(r.ok, false, `${method}: an error`);
        assert.equal(r.error.code, CODE.missingCapability, `${method}: ${r.error.message}`);
        assert.ok(r.error instanceof MissingRequiredClientCapabilityError, `${method}: the SDK's typed error (${r.error.constructor.name})`);
        assert.deepEqual(r.error.data, { requiredCapabilities: { [ask.capability]: {} } });
        await waitIdle(gw, `the ${method} call ended at a`);
      }
    } finally {
      await c.close2();
    }
    gw.assertClean();
  });

  itStopsCleanly(gw);
});
