// The MCP 2026-07-28 ("modern") front of /mcp on the wire, with plain fetch, for what no SDK
// client exercises: every request-metadata check with its HTTP status and JSON-RPC code, the
// methods this revision removed, resultType/ttlMs/cacheScope on what the gateway answers,
// progress and log messages on a call's own stream, cancellation by closing that stream, the
// MRTR bridge's requestState (rounds, tampering, requests it does not belong to), the missing
// client capability error, and subscriptions/listen (acknowledgement first, filters honoured,
// every notification tagged with the listen request's id). Backends are legacy test servers.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { sharedGateway, itStopsCleanly, testServer, connectStreamable, listAll, rawInitialize, waitFor } from './lib/gateway.mjs';
import {
  MODERN, META, CODE, envelope, modernRequest, modernPost, modernCall, assertRpcError, resultOf, streamPost,
  openListener, modernJournal, waitModernJournal, textOfResult, waitIdle,
} from './lib/modern.mjs';

const PID = process.pid;
const b64 = (s) => `=?base64?${Buffer.from(s, 'utf8').toString('base64')}?=`;
let seq = 0;
const marker = (tag) => `${tag}-${PID}-${++seq}`;

/** The gateway's identity in _meta of every result it completes. */
function assertServerInfo(result, what) {
  assert.equal(result?._meta?.[META.serverInfo]?.name, 'mcproxy', `${what}: _meta serverInfo ${JSON.stringify(result?._meta)}`);
}

describe('2026-07-28 on the wire (raw HTTP)', { timeout: 60000 }, () => {
  const gw = sharedGateway({
    servers: {
      a: testServer('a', ['--protocol-tools']),
      b: testServer('b', ['--protocol-tools', '--resource-scheme', 'test-b']),
    },
  });

  it('each header, version and _meta check answers with its HTTP status and JSON-RPC code, before any backend sees the request', async () => {
    const call = (m, more = {}) => modernRequest('tools/call', { name: 'a__echo', arguments: { text: m }, ...more });
    const without = (body, key) => {
      delete body.params._meta[key];
      return body;
    };
    const rows = [
      // [what, body, header overrides, HTTP status, code]
      ['MCP-Protocol-Version missing', call(marker('r')), { 'mcp-protocol-version': null }, 400, CODE.headerMismatch],
      ['_meta lacks clientCapabilities', without(call(marker('r')), META.clientCapabilities), {}, 400, CODE.invalidParams],
      ['_meta lacks protocolVersion (header says 2026-07-28)', without(call(marker('r')), META.protocolVersion),
        { 'mcp-protocol-version': MODERN }, 400, CODE.invalidParams],
      ['no _meta at all, header says 2026-07-28', { jsonrpc: '2.0', id: 'no-meta', method: 'tools/list', params: {} },
        { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list' }, 400, CODE.invalidParams],
      ['header version differs from _meta (a legacy one)', call(marker('r')), { 'mcp-protocol-version': '2025-11-25' }, 400, CODE.headerMismatch],
      ['header version differs from _meta (another date)', call(marker('r')), { 'mcp-protocol-version': '2026-01-01' }, 400, CODE.headerMismatch],
      ['Mcp-Method missing', call(marker('r')), { 'mcp-method': null }, 400, CODE.headerMismatch],
      ['Mcp-Method differs from the body', call(marker('r')), { 'mcp-method': 'tools/list' }, 400, CODE.headerMismatch],
      ['Mcp-Name missing (tools/call)', call(marker('r')), { 'mcp-name': null }, 400, CODE.headerMismatch],
      ['Mcp-Name names another tool', call(marker('r')), { 'mcp-name': 'a__add' }, 400, CODE.headerMismatch],
      ['Mcp-Name base64 of another tool', call(marker('r')), { 'mcp-name': b64('a__add') }, 400, CODE.headerMismatch],
      ['Mcp-Name base64 sentinel that is not base64', call(marker('r')), { 'mcp-name': '=?base64?*not*base64*?=' }, 400, CODE.headerMismatch],
      ['Mcp-Name missing (prompts/get)', modernRequest('prompts/get', { name: 'a__greet', arguments: { name: 'x' } }),
        { 'mcp-name': null }, 400, CODE.headerMismatch],
      ['Mcp-Name differs (resources/read)', modernRequest('resources/read', { uri: 'test://static/hello' }),
        { 'mcp-name': 'test://static/info' }, 400, CODE.headerMismatch],
      ['Mcp-Name base64 of the right tool', call(marker('ok')), { 'mcp-name': b64('a__echo') }, 200, null],
      ['Mcp-Name base64 of the right URI', modernRequest('resources/read', { uri: 'test://static/hello' }),
        { 'mcp-name': b64('test://static/hello') }, 200, null],
      ['no Mcp-Name where none is defined (tools/list)', modernRequest('tools/list'), { 'mcp-name': null }, 200, null],
    ];
    const rejectedMarkers = [];
    for (const [what, body, headers, status, code] of rows) {
      const a = await modernPost(gw.url, body, { headers });
      if (code === null) {
        resultOf(a, what);
        continue;
      }
      const err = assertRpcError(a, status, code, what);
      assert.equal(a.response.id, body.id, `${what}: the error answers the request's id`);
      assert.match(a.contentType, /application\/json/, `${what}: a JSON body`);
      assert.equal(a.headers.get('mcp-session-id'), null, `${what}: no session`);
      if (body.params?.arguments?.text) rejectedMarkers.push(body.params.arguments.text);
      if (code === CODE.unsupportedVersion) assert.ok(err.data);
    }
    const unsupported = await modernPost(gw.url, modernRequest('tools/list', {}, { version: '2099-01-01' }));
    const err = assertRpcError(unsupported, 400, CODE.unsupportedVersion, 'an unknown version in header and _meta');
    assert.deepEqual(err.data.supported, [MODERN, '2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'],
      'data.supported lists every version the gateway serves, newest first');
    assert.equal(err.data.requested, '2099-01-01');

    const seen = (await modernJournal(gw.url, 'a', 'tools/call')).map((m) => m.params?.arguments?.text);
    assert.deepEqual(rejectedMarkers.filter((m) => seen.includes(m)), [], 'no rejected request reached the backend');
    gw.assertClean();
  });

  it('a body marked 2026-07-28 that is neither a valid request nor a notification is rejected with 400 -32600, not accepted', async () => {
    const hdr = { 'mcp-protocol-version': MODERN };
    const rows = [
      ['a request without a method', { jsonrpc: '2.0', id: 'no-method', params: { _meta: envelope() } }, { ...hdr, 'mcp-method': 'tools/list' }],
      ['a JSON-RPC response (clients must not send them)', { jsonrpc: '2.0', id: 'a-response', result: {} }, hdr],
      ['an error response', { jsonrpc: '2.0', id: 'an-error', error: { code: -1, message: 'x' } }, hdr],
      ['id null', { jsonrpc: '2.0', id: null, method: 'tools/list', params: { _meta: envelope() } }, {}],
      ['jsonrpc "1.0"', { jsonrpc: '1.0', id: 'old', method: 'tools/list', params: { _meta: envelope() } }, {}],
    ];
    const bad = [];
    for (const [what, body, headers] of rows) {
      const a = await modernPost(gw.url, body, { headers });
      if (a.status !== 400 || a.response?.error?.code !== -32600) bad.push(`${what}: HTTP ${a.status} ${JSON.stringify(a.messages)}`);
    }
    assert.deepEqual(bad, [], 'each invalid message is a 400 with -32600');
    const batch = await modernPost(gw.url, [modernRequest('tools/list')], { headers: { ...hdr, 'mcp-method': 'tools/list' } });
    assert.equal(batch.status, 400, 'a batch is no 2026-07-28 body');
    gw.assertClean();
  });

  it('methods 2026-07-28 removed, and unknown ones, are 404 with -32601; a legacy initialize on the same endpoint still opens a session', async () => {
    for (const method of ['initialize', 'ping', 'logging/setLevel', 'resources/subscribe', 'resources/unsubscribe', 'tasks/list', 'no/such']) {
      const params = method === 'initialize'
        ? { protocolVersion: MODERN, capabilities: {}, clientInfo: { name: 'x', version: '1' } }
        : method.startsWith('resources/') ? { uri: 'test://static/hello' } : method === 'logging/setLevel' ? { level: 'debug' } : {};
      const a = await modernCall(gw.url, method, params);
      assertRpcError(a, 404, CODE.methodNotFound, `modern ${method}`);
      assert.equal(a.headers.get('mcp-session-id'), null, `${method}: no session`);
    }
    const before = (await gw.status()).sessions.total;
    const legacy = await rawInitialize(gw.url, '2025-11-25');
    assert.ok(legacy.sessionId, 'the legacy initialize got an Mcp-Session-Id');
    assert.equal(legacy.protocolVersion, '2025-11-25');
    await gw.waitForStatus((st) => st.sessions.total === before + 1, 5000, 'the legacy session counted');
    await fetch(`${gw.url}/mcp`, { method: 'DELETE', headers: { 'mcp-session-id': legacy.sessionId } }).then((r) => r.arrayBuffer());
    gw.assertClean();
  });

  it('server/discover, the lists and results carry resultType, ttlMs and cacheScope; lists match what a legacy session sees; no session is created', async () => {
    const sessionsBefore = (await gw.status()).sessions.total;
    const discover = resultOf(await modernCall(gw.url, 'server/discover'), 'server/discover');
    assert.ok(discover.supportedVersions.includes(MODERN), JSON.stringify(discover.supportedVersions));
    for (const kind of ['tools', 'prompts', 'resources']) {
      assert.ok(discover.capabilities[kind], `discover announces ${kind}: ${JSON.stringify(discover.capabilities)}`);
    }
    assert.equal(discover.resultType, 'complete');
    assert.equal(typeof discover.ttlMs, 'number');
    assert.equal(discover.cacheScope, 'public');
    assertServerInfo(discover, 'server/discover');

    const legacy = await connectStreamable(gw.url, { name: 'legacy-reference' });
    try {
      for (const [method, key] of [['tools/list', 'tools'], ['prompts/list', 'prompts'], ['resources/list', 'resources'],
        ['resources/templates/list', 'resourceTemplates']]) {
        const a = await modernCall(gw.url, method);
        const r = resultOf(a, method);
        assert.equal(r.resultType, 'complete', `${method} resultType`);
        assert.ok(Number.isInteger(r.ttlMs) && r.ttlMs >= 0, `${method} ttlMs: ${r.ttlMs}`);
        assert.equal(r.cacheScope, 'public', `${method}: the catalog is the same for every client`);
        assertServerInfo(r, method);
        assert.equal(a.headers.get('mcp-session-id'), null, `${method}: no session id`);
        const items = [...r[key]];
        for (let cursor = r.nextCursor; cursor;) {
          const page = resultOf(await modernCall(gw.url, method, { cursor }), `${method} page`);
          items.push(...page[key]);
          cursor = page.nextCursor;
        }
        const ident = (x) => x.name + (x.uri ?? x.uriTemplate ?? '');
        assert.deepEqual(items.map(ident).sort(), (await listAll(legacy, key)).map(ident).sort(),
          `${method}: the modern list is the legacy session's list`);
      }
    } finally {
      await legacy.close2();
    }

    const read = resultOf(await modernCall(gw.url, 'resources/read', { uri: 'test-b://static/info' }), 'resources/read');
    assert.equal(read.contents[0].text, 'b', 'read from the owning backend');
    assert.equal(read.resultType, 'complete');
    assert.equal(read.ttlMs, 0, 'the gateway promises no freshness for a backend resource');
    assert.equal(read.cacheScope, 'private');
    assertServerInfo(read, 'resources/read');

    const call = resultOf(await modernCall(gw.url, 'tools/call', { name: 'b__add', arguments: { a: 2, b: 3 } }), 'tools/call');
    assert.equal(textOfResult(call), '5');
    assert.equal(call.resultType, 'complete');
    assertServerInfo(call, 'tools/call');
    const prompt = resultOf(await modernCall(gw.url, 'prompts/get', { name: 'a__greet', arguments: { name: 'Ada' } }), 'prompts/get');
    assert.equal(prompt.messages[0].content.text, 'Hello, Ada!');
    assert.equal(prompt.resultType, 'complete');
    const completion = resultOf(await modernCall(gw.url, 'completion/complete', {
      ref: { type: 'ref/prompt', name: 'b__greet' }, argument: { name: 'name', value: 'B' },
    }), 'completion/complete');
    assert.deepEqual(completion.completion.values, ['Bob']);

    const accepted = await modernPost(gw.url, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'nothing', _meta: envelope() } });
    assert.equal(accepted.status, 202, 'a notification POST is accepted with 202');

    const st = await waitIdle(gw, 'every modern call released');
    assert.equal(st.sessions.total, sessionsBefore, 'modern requests left no session behind');
    gw.assertClean();
  });

  it('progress: the client\'s progressToken gets notifications/progress on the call\'s own SSE stream, before its result', async () => {
    const token = marker('progress');
    const a = await modernCall(gw.url, 'tools/call', { name: 'a__sleep', arguments: { ms: 150 } }, { progressToken: token });
    assert.match(a.contentType, /text\/event-stream/);
    assert.equal(a.messages.at(-1), a.response, 'the result ends the stream');
    const progress = a.notifications.filter((m) => m.method === 'notifications/progress');
    assert.ok(progress.length >= 2, `progress notifications: ${JSON.stringify(progress)}`);
    for (const p of progress) assert.equal(p.params.progressToken, token, 'the client\'s own token, not the gateway\'s');
    const values = progress.map((p) => p.params.progress);
    assert.deepEqual(values, [...values].sort((x, y) => x - y), 'progress increases');
    assert.equal(values.at(-1), progress.at(-1).params.total, 'the last one is complete');
    assert.equal(textOfResult(a.response.result), 'slept 150 ms');
    gw.assertClean();
  });

  it('log messages reach a modern call only when its _meta asked (io.modelcontextprotocol/logLevel) at or below their level', async () => {
    const rows = [
      // [logLevel, message level, delivered]
      ['info', 'warning', true],
      ['warning', 'warning', true],
      [undefined, 'warning', false],
      ['error', 'warning', false],
      [undefined, 'emergency', false],
    ];
    for (const [logLevel, level, delivered] of rows) {
      const data = { m: marker('log') };
      const a = await modernCall(gw.url, 'tools/call', { name: 'a__emit_log', arguments: { level, data } }, { logLevel });
      assert.equal(textOfResult(resultOf(a, 'emit_log')), 'sent');
      // The backend sends the log line before its reply, and one stream keeps their order: by
      // the time the result is here, a delivered log message is too.
      const logs = a.notifications.filter((m) => m.method === 'notifications/message');
      const what = `logLevel ${logLevel ?? '(none)'}, message ${level}`;
      if (delivered) {
        assert.equal(logs.length, 1, `${what}: delivered once: ${JSON.stringify(a.messages)}`);
        assert.deepEqual(logs[0].params.data, data);
        assert.equal(logs[0].params.level, level);
      } else {
        assert.deepEqual(logs, [], `${what}: not delivered`);
      }
    }
    gw.assertClean();
  });

  it('a log line is not shown to either of two modern calls in flight to the same backend at once', async () => {
    const token = marker('sleeper');
    const sleeper = await streamPost(gw.url, modernRequest('tools/call', { name: 'a__sleep', arguments: { ms: 20000 } },
      { logLevel: 'debug', progressToken: token }));
    try {
      await sleeper.log.waitFor((m) => m.method === 'notifications/progress', { what: 'the sleeper\'s first progress' });
      const data = { m: marker('shared-log') };
      const a = await modernCall(gw.url, 'tools/call', { name: 'a__emit_log', arguments: { level: 'error', data } }, { logLevel: 'debug' });
      assert.equal(textOfResult(resultOf(a, 'emit_log')), 'sent');
      assert.deepEqual(a.notifications.filter((m) => m.method === 'notifications/message'), [], 'the emitting call did not get it');
      // Progress that the backend sends after the log line arrives after it on the sleeper's stream.
      const from = sleeper.log.mark();
      await sleeper.log.waitFor((m) => m.method === 'notifications/progress', { from, what: 'a later progress on the sleeper' });
      assert.deepEqual(sleeper.log.messages.filter((m) => m.method === 'notifications/message'), [], 'nor did the sleeper');
    } finally {
      sleeper.close();
    }
    await waitIdle(gw, 'the sleeper cancelled');
    gw.assertClean();
  });

  it('closing a modern call\'s response stream cancels the call at the backend', async () => {
    const m = marker('cancel-me');
    const s = await streamPost(gw.url, modernRequest('tools/call', { name: 'b__sleep', arguments: { ms: 30000 }, _meta: { marker: m } },
      { progressToken: m }));
    await s.log.waitFor((x) => x.method === 'notifications/progress', { what: 'the call running (first progress)' });
    const atBackend = await waitModernJournal(gw.url, 'b', 'tools/call', (x) => x.params?._meta?.marker === m);
    s.close();
    await waitModernJournal(gw.url, 'b', 'notifications/cancelled', (x) => x.params?.requestId === atBackend.id,
      { what: `notifications/cancelled for backend request ${atBackend.id}` });
    await waitIdle(gw, 'the cancelled call gone from /status');
    gw.assertClean();
  });

  it('MRTR: input_required with a sealed requestState; unanswered retries ask again; earlier-round, tampered, replayed and misdirected states are -32602 and leave the parked call intact', async () => {
    const caps = { roots: {} };
    const args = { method: 'roots/list', timeoutMs: 20000 };
    const retry = (name, state, inputResponses, env = { capabilities: caps }, id) =>
      modernCall(gw.url, 'tools/call', { name, arguments: args, ...(inputResponses && { inputResponses }), requestState: state }, env, { id });

    const first = await modernCall(gw.url, 'tools/call', { name: 'a__ask_client', arguments: args }, { capabilities: caps });
    const r1 = resultOf(first, 'the first call');
    assert.equal(r1.resultType, 'input_required');
    const keys = Object.keys(r1.inputRequests);
    assert.equal(keys.length, 1, JSON.stringify(r1));
    const [key] = keys;
    assert.deepEqual(r1.inputRequests[key], { method: 'roots/list', params: {} }, 'the backend\'s request, as an input request');
    assert.match(r1.requestState, /^mcpx1\./);
    assertServerInfo(r1, 'input_required');
    await gw.waitForStatus((st) => st.servers.find((s) => s.name === 'a').inFlight === 1, 5000, 'the parked call still in flight at a');

    const again = resultOf(await retry('a__ask_client', r1.requestState, {}), 'a retry without the answer');
    assert.equal(again.resultType, 'input_required', 'missing input is asked for again, not failed');
    assert.deepEqual(Object.keys(again.inputRequests), [key]);
    assert.notEqual(again.requestState, r1.requestState, 'a new round, a new state');
    const state = again.requestState;

    const flip = (s, i) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const dot = state.lastIndexOf('.');
    const bad = [
      ['an earlier round\'s state', r1.requestState],
      ['a byte changed in the payload', flip(state, 8)],
      ['a byte changed in the seal', flip(state, state.length - 2)],
      ['the seal cut off', state.slice(0, dot)],
      ['the seal of another state', state.slice(0, dot) + r1.requestState.slice(r1.requestState.lastIndexOf('.'))],
      ['just the prefix', 'mcpx1.'],
    ];
    for (const [what, s] of bad) {
      assertRpcError(await retry('a__ask_client', s, { [key]: { roots: [] } }), 200, CODE.invalidParams, what);
    }
    assertRpcError(await retry('a__echo', state, { [key]: { roots: [] } }), 200, CODE.invalidParams, 'the state presented on another tool');
    const onPrompt = await modernCall(gw.url, 'prompts/get', { name: 'a__greet', arguments: { name: 'x' }, requestState: state }, { capabilities: caps });
    assertRpcError(onPrompt, 200, CODE.invalidParams, 'the state presented on prompts/get');
    assert.equal((await gw.server('a')).inFlight, 1, 'the parked call survived every rejected retry');

    const roots = [{ uri: `file:///e2e/${PID}`, name: 'e2e' }];
    const retryId = `retry-${PID}`;
    const done = await retry('a__ask_client', state, { [key]: { roots } }, { capabilities: caps }, retryId);
    assert.equal(done.response?.id, retryId, 'answered under the retry\'s id');
    const r = resultOf(done, 'the answered retry');
    assert.equal(r.resultType, 'complete');
    const out = JSON.parse(textOfResult(r));
    assert.equal(out.outcome, 'answered');
    assert.deepEqual(out.result, { roots }, 'the backend got the client\'s answer as its roots/list result');

    assertRpcError(await retry('a__ask_client', state, { [key]: { roots } }), 200, CODE.invalidParams, 'a replay after completion');
    await waitIdle(gw, 'the bridged call done');
    gw.assertClean();
  });

  it('MRTR: a requestState is bound to its server: presented on another server\'s tool of the same backend name it is rejected', async () => {
    const caps = { elicitation: {} };
    const args = { method: 'elicitation/create', params: { message: 'x?', requestedSchema: { type: 'object', properties: {} } }, timeoutMs: 20000 };
    const r1 = resultOf(await modernCall(gw.url, 'tools/call', { name: 'a__ask_client', arguments: args }, { capabilities: caps }), 'ask at a');
    assert.equal(r1.resultType, 'input_required');
    const [key] = Object.keys(r1.inputRequests);
    const answer = { action: 'accept', content: {} };
    try {
      // a's state on b__ask_client: the client asked for b's tool and must not get a's result.
      const misdirected = await modernCall(gw.url, 'tools/call',
        { name: 'b__ask_client', arguments: args, inputResponses: { [key]: answer }, requestState: r1.requestState }, { capabilities: caps });
      assertRpcError(misdirected, 200, CODE.invalidParams, 'a__ask_client\'s requestState presented on b__ask_client');
    } finally {
      // Finish a's call properly (if it is still parked) so that no call is left behind.
      await modernCall(gw.url, 'tools/call',
        { name: 'a__ask_client', arguments: args, inputResponses: { [key]: answer }, requestState: r1.requestState }, { capabilities: caps });
      await waitIdle(gw, 'a\'s call done');
    }
    gw.assertClean();
  });

  it('MRTR: a backend\'s ping and unknown requests during a modern call are answered by the gateway, with no input_required', async () => {
    for (const [method, check] of [
      ['ping', (out) => assert.deepEqual(out.result, {}, JSON.stringify(out))],
      ['no/such/method', (out) => assert.equal(out.error?.code, CODE.methodNotFound, JSON.stringify(out))],
    ]) {
      const r = resultOf(await modernCall(gw.url, 'tools/call', { name: 'a__ask_client', arguments: { method, timeoutMs: 5000 } },
        { capabilities: { elicitation: {}, sampling: {}, roots: {} } }), method);
      assert.equal(r.resultType, 'complete', `${method}: no input_required`);
      const out = JSON.parse(textOfResult(r));
      assert.equal(out.outcome, 'answered');
      check(out);
    }
    await waitIdle(gw, 'the asks done');
    gw.assertClean();
  });

  it('MRTR: a parked call the backend finished meanwhile (its request timed out) completes into the next retry', async () => {
    const env = { capabilities: { roots: {} } };
    const args = { method: 'roots/list', timeoutMs: 200 };
    const first = resultOf(await modernCall(gw.url, 'tools/call', { name: 'b__ask_client', arguments: args }, env), 'the call');
    assert.equal(first.resultType, 'input_required');
    let state = first.requestState;
    // Retries without the answer are asked again until the backend gave up on its request.
    const done = await waitFor(async () => {
      const r = resultOf(await modernCall(gw.url, 'tools/call', { name: 'b__ask_client', arguments: args, inputResponses: {}, requestState: state }, env), 'a retry');
      if (r.resultType === 'input_required') {
        state = r.requestState;
        return null;
      }
      return r;
    }, { timeoutMs: 10000, intervalMs: 50, what: 'the retry that gets the backend\'s final answer' });
    assert.equal(done.resultType, 'complete');
    assert.equal(JSON.parse(textOfResult(done)).outcome, 'timedOut', 'the backend\'s own final answer');
    await waitIdle(gw, 'nothing left parked');
    gw.assertClean();
  });

  it('MRTR: a client that did not declare the capability gets 400 -32021 naming it, the backend\'s request an error, and the call ends', async () => {
    const rows = [
      ['elicitation/create', { message: 'x?', requestedSchema: { type: 'object', properties: {} } }, 'elicitation', {}],
      ['sampling/createMessage', { messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }], maxTokens: 5 }, 'sampling', { elicitation: {} }],
      ['roots/list', {}, 'roots', { sampling: {}, elicitation: {} }],
    ];
    for (const [method, params, capability, capabilities] of rows) {
      const m = marker('nocap');
      const a = await modernCall(gw.url, 'tools/call',
        { name: 'b__ask_client', arguments: { method, params, timeoutMs: 20000 }, _meta: { marker: m } }, { capabilities });
      const err = assertRpcError(a, 400, CODE.missingCapability, `${method} without ${capability}`);
      assert.deepEqual(err.data, { requiredCapabilities: { [capability]: {} } });
      const call = await waitModernJournal(gw.url, 'b', 'tools/call', (x) => x.params?._meta?.marker === m);
      await waitModernJournal(gw.url, 'b', 'notifications/cancelled', (x) => x.params?.requestId === call.id,
        { what: `the call ${call.id} cancelled at b` });
      const asks = (await modernJournal(gw.url, 'b')).filter((x) => x.id !== undefined && !x.method && String(x.id).startsWith('ask-'));
      assert.ok(asks.at(-1)?.error, `the backend's ${method} was answered with an error: ${JSON.stringify(asks.at(-1))}`);
      await waitIdle(gw, `the ${method} call gone`);
    }
    gw.assertClean();
  });

  it('closing a listen stream ends the subscription: /status counts it out and the backend hears resources/unsubscribe', async () => {
    const uri = 'test-b://static/hello';
    await gw.waitForStatus((st) => st.sessions.listeners === 0, 10000, 'no listener yet');
    const unsubscribes = async () => (await modernJournal(gw.url, 'b', 'resources/unsubscribe')).filter((m) => m.params.uri === uri).length;
    const before = await unsubscribes();
    const L = await openListener(gw.url, { resourceSubscriptions: [uri] });
    assert.deepEqual(L.ack.params.notifications, { resourceSubscriptions: [uri] });
    assert.equal((await gw.status()).sessions.listeners, 1, 'this listener alone');
    L.close();
    await gw.waitForStatus((st) => st.sessions.listeners === 0, 10000, 'the closed listener counted out');
    await waitFor(async () => (await unsubscribes()) === before + 1, { timeoutMs: 10000, what: `resources/unsubscribe ${uri} at b` });
    gw.assertClean();
  });

  it('subscriptions/listen: acknowledged first, each filter honoured, every notification tagged with its listen id (string or number)', async () => {
    const barrier = 'test-b://static/info';
    const T = await openListener(gw.url, { toolsListChanged: true, resourceSubscriptions: [barrier] }, { id: `tools-${PID}` });
    const P = await openListener(gw.url, { promptsListChanged: true, resourceSubscriptions: [barrier] }, { id: 4242 });
    const R = await openListener(gw.url, {
      resourcesListChanged: true, resourceSubscriptions: ['test://static/hello', 'nobody://nothing', barrier],
    }, { id: `res-${PID}` });
    try {
      for (const [L, honoured] of [
        [T, { toolsListChanged: true, resourceSubscriptions: [barrier] }],
        [P, { promptsListChanged: true, resourceSubscriptions: [barrier] }],
        [R, { resourcesListChanged: true, resourceSubscriptions: ['test://static/hello', barrier] }],
      ]) {
        assert.equal(L.status, 200);
        assert.match(L.contentType, /text\/event-stream/);
        assert.equal(L.ack.method, 'notifications/subscriptions/acknowledged', 'the first message is the acknowledgement');
        assert.deepEqual(L.ack.params.notifications, honoured, 'the acknowledgement names what is honoured (no owner: left out)');
        assert.strictEqual(L.ack.params._meta[META.subscriptionId], L.id, 'tagged with the listen id, its type kept');
      }
      await gw.waitForStatus((st) => st.sessions.listeners >= 3, 5000, 'three listeners in /status');

      const run = async (server, tool, args = {}) => textOfResult(resultOf(await modernCall(gw.url, 'tools/call', { name: `${server}__${tool}`, arguments: args }), tool));
      // A backend's list change is announced once the gateway has fetched the new list, so each
      // toggle waits until the catalog shows it: every change is then announced exactly once, and
      // before anything the test does next.
      const listed = async (method, key, ident) => resultOf(await modernCall(gw.url, method), method)[key].some((x) => (x.uri ?? x.name) === ident);
      const toggle = async (tool, reply, method, key, ident, present) => {
        assert.equal(await run('a', tool), reply);
        await waitFor(async () => (await listed(method, key, ident)) === present, { what: `${ident} ${present ? 'listed' : 'gone'}` });
      };
      await toggle('toggle_extra', 'extra on', 'tools/list', 'tools', 'a__extra', true);
      await toggle('toggle_prompt', 'extra_prompt on', 'prompts/list', 'prompts', 'a__extra_prompt', true);
      await toggle('toggle_resource', 'extra resource on', 'resources/list', 'resources', 'test://static/extra', true);
      assert.equal(await run('a', 'touch_resource', { uri: 'test://static/info' }), 'not subscribed');
      assert.equal(await run('a', 'touch_resource', { uri: 'test://static/hello' }), 'sent');
      // Neither progress nor log messages belong on a listen stream.
      await modernCall(gw.url, 'tools/call', { name: 'a__sleep', arguments: { ms: 60 } }, { progressToken: 'p', logLevel: 'debug' });
      await modernCall(gw.url, 'tools/call', { name: 'a__emit_log', arguments: { level: 'emergency' } }, { logLevel: 'debug' });
      await toggle('toggle_extra', 'extra off', 'tools/list', 'tools', 'a__extra', false);
      await toggle('toggle_prompt', 'extra_prompt off', 'prompts/list', 'prompts', 'a__extra_prompt', false);
      await toggle('toggle_resource', 'extra resource off', 'resources/list', 'resources', 'test://static/extra', false);
      assert.equal(await run('b', 'touch_resource', { uri: barrier }), 'sent');

      const isBarrier = (m) => m.method === 'notifications/resources/updated' && m.params?.uri === barrier;
      const expected = {
        T: ['notifications/tools/list_changed', 'notifications/tools/list_changed'],
        P: ['notifications/prompts/list_changed', 'notifications/prompts/list_changed'],
        R: ['notifications/resources/list_changed', 'notifications/resources/updated test://static/hello',
          'notifications/resources/list_changed'],
      };
      for (const [label, L] of Object.entries({ T, P, R })) {
        // Everything the gateway sent this listener before the barrier is in by now.
        await L.log.waitFor(isBarrier, { what: `the barrier update on listener ${label}` });
        const got = L.log.messages.slice(1).filter((m) => !isBarrier(m));
        assert.deepEqual(got.map((m) => (m.params?.uri ? `${m.method} ${m.params.uri}` : m.method)), expected[label],
          `listener ${label} got exactly what its filter asked for`);
        for (const m of L.log.messages) {
          assert.strictEqual(m.params?._meta?.[META.subscriptionId], L.id, `${m.method} on ${label} tagged with ${JSON.stringify(L.id)}`);
          assert.equal(m.id, undefined, 'only notifications on a listen stream');
        }
      }
    } finally {
      for (const L of [T, P, R]) L.close();
    }
    gw.assertClean();
  });

  itStopsCleanly(gw);
});
