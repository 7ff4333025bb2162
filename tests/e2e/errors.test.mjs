// Protocol-level error handling over raw HTTP, unknown tools through the SDK, and the
// `check-config` / `--version` / `--help` command line.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import {
  sharedGateway,
  itStopsCleanly,
  testServer,
  connectSse,
  connectStreamable,
  callText,
  rawInitialize,
  readJsonRpcResponse,
  runCli,
  assertCleanStderr,
  makeTempDir,
  MCP_ACCEPT,
  TEST_SERVER_BIN,
} from './lib/gateway.mjs';

const PV = '2025-06-18';

function headers(sessionId, extra = {}) {
  const h = { 'content-type': 'application/json', accept: MCP_ACCEPT, 'mcp-protocol-version': PV, ...extra };
  if (sessionId) h['mcp-session-id'] = sessionId;
  return h;
}

describe('errors: HTTP/JSON-RPC error handling', { timeout: 120000 }, () => {
  const gw = sharedGateway({ servers: { a: testServer('a') } });

  // One raw session (initialize + notifications/initialized), created on first use.
  let sessionP;
  function getSession() {
    sessionP ??= (async () => {
      const init = await rawInitialize(gw.url, PV);
      assert.ok(init.sessionId, 'initialize returns an Mcp-Session-Id header');
      const n = await fetch(`${gw.url}/mcp`, {
        method: 'POST',
        headers: headers(init.sessionId),
        body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      });
      assert.equal(n.status, 202, 'notifications/initialized → 202');
      return init.sessionId;
    })();
    return sessionP;
  }

  async function post(body, hdrs) {
    hdrs ??= headers(await getSession());
    return fetch(`${gw.url}/mcp`, { method: 'POST', headers: hdrs, body });
  }

  it('GET /health → 200', async () => {
    const res = await fetch(`${gw.url}/health`);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    gw.assertClean();
  });

  it('a raw session works (sanity check for the negative tests below)', async () => {
    const res = await post(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'a__echo', arguments: { text: 'raw' } } }));
    assert.equal(res.status, 200);
    const msgs = await readJsonRpcResponse(res);
    const r = msgs.find((m) => m.id === 7);
    assert.equal(r?.result?.content?.[0]?.text, 'raw', JSON.stringify(msgs));
    gw.assertClean();
  });

  it('malformed JSON body → -32700 Parse error', async () => {
    const res = await post('{"jsonrpc": "2.0", "id": 1, "method": "tools/list"');
    assert.ok([200, 400].includes(res.status), `HTTP status ${res.status}`);
    const body = await res.json();
    assert.equal(body.jsonrpc, '2.0');
    assert.equal(body.error?.code, -32700, JSON.stringify(body));
    assert.equal(body.id, null);
    gw.assertClean();
  });

  it('{"jsonrpc":"2.0"} → -32600 Invalid Request', async () => {
    const res = await post('{"jsonrpc":"2.0"}');
    assert.ok([200, 400].includes(res.status), `HTTP status ${res.status}`);
    const body = await res.json();
    assert.equal(body.error?.code, -32600, JSON.stringify(body));
    gw.assertClean();
  });

  it('wrong jsonrpc version / non-object bodies → -32600', async () => {
    for (const bad of ['{"jsonrpc":"1.0","id":3,"method":"tools/list"}', '42', '"str"', '{"jsonrpc":"2.0","id":4,"method":5}']) {
      const res = await post(bad);
      assert.ok([200, 400].includes(res.status), `HTTP status ${res.status} for ${bad}`);
      const text = await res.text();
      const body = JSON.parse(text);
      const err = Array.isArray(body) ? body[0]?.error : body.error;
      assert.equal(err?.code, -32600, `${bad} → ${text}`);
    }
    gw.assertClean();
  });

  it('unknown session id → 404', async () => {
    const res = await post(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), headers('no-such-session-0123456789'));
    assert.equal(res.status, 404);
    await res.arrayBuffer();
    gw.assertClean();
  });

  it('unknown session id on GET and DELETE /mcp → 404', async () => {
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(`${gw.url}/mcp`, {
        method,
        headers: { accept: 'text/event-stream', 'mcp-protocol-version': PV, 'mcp-session-id': 'no-such-session-abcdef' },
      });
      assert.equal(res.status, 404, `${method} with an unknown session`);
      await res.body?.cancel();
    }
    gw.assertClean();
  });

  it('missing session id on a non-initialize request → 400', async () => {
    const res = await post(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), headers(null));
    assert.equal(res.status, 400);
    await res.arrayBuffer();
    gw.assertClean();
  });

  it('invalid MCP-Protocol-Version header → 400', async () => {
    const res = await post(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
      headers(await getSession(), { 'mcp-protocol-version': '1999-01-01' }));
    assert.equal(res.status, 400);
    await res.arrayBuffer();
    gw.assertClean();
  });

  it('notification-only POST → 202 with no body', async () => {
    const res = await post(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 999, reason: 'test' } }));
    assert.equal(res.status, 202);
    assert.equal(await res.text(), '');
    gw.assertClean();
  });

  it('DELETE terminates the session; later use → 404', async () => {
    const init = await rawInitialize(gw.url, PV);
    const sid = init.sessionId;
    const del = await fetch(`${gw.url}/mcp`, { method: 'DELETE', headers: headers(sid) });
    assert.ok([200, 202, 204].includes(del.status), `DELETE status ${del.status}`);
    await del.arrayBuffer();
    const res = await post(JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }), headers(sid));
    assert.equal(res.status, 404);
    await res.arrayBuffer();
    gw.assertClean();
  });

  it('unknown tool via the SDK → JSON-RPC error naming the tool (both transports)', async () => {
    for (const connect of [connectStreamable, connectSse]) {
      const client = await connect(gw.url);
      try {
        for (const name of ['a__no_such_tool', 'zz__echo', 'echo']) {
          let err;
          try {
            const r = await client.callTool({ name, arguments: {} });
            err = new Error(`expected a JSON-RPC error, got result ${JSON.stringify(r)}`);
            err.unexpected = true;
          } catch (e) {
            err = e;
          }
          assert.ok(!err.unexpected, err.message);
          assert.equal(typeof err.code, 'number', `error has a JSON-RPC code: ${err}`);
          assert.ok(err.message.includes(name), `error message names ${name}: ${err.message}`);
        }
        // The session still works after errors.
        assert.equal(await callText(client, 'a__echo', { text: 'fine' }), 'fine');
      } finally {
        await client.close2();
      }
    }
    gw.assertClean();
  });

  it('unknown prompt and unknown resource URI → JSON-RPC errors', async () => {
    const client = await connectStreamable(gw.url);
    try {
      await assert.rejects(client.getPrompt({ name: 'a__no_prompt' }), (e) => typeof e.code === 'number');
      await assert.rejects(client.readResource({ uri: 'nobody://owns/this' }), (e) => typeof e.code === 'number');
    } finally {
      await client.close2();
    }
    gw.assertClean();
  });

  it('garbage on the legacy SSE endpoint does not break the gateway', async () => {
    const client = await connectSse(gw.url);
    try {
      const bad = await fetch(`${gw.url}/messages?sessionId=does-not-exist`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
      });
      assert.ok(bad.status >= 400 && bad.status < 500, `unknown SSE session → 4xx, got ${bad.status}`);
      await bad.arrayBuffer();
      assert.equal(await callText(client, 'a__echo', { text: 'sse-ok' }), 'sse-ok');
    } finally {
      await client.close2();
    }
    gw.assertClean();
  });

  it('the gateway is still alive and serving after all of the above', async () => {
    const st = await gw.status();
    assert.equal(st.pid, gw.pid);
    assert.equal(st.servers[0].state, 'ready');
    assert.equal(gw.exitInfo(), null);
    gw.assertClean();
  });

  itStopsCleanly(gw);
});

describe('errors: command line', { timeout: 60000 }, () => {
  let dir;
  before(() => {
    dir = makeTempDir('cli');
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // Every CLI run is also checked for sanitizer/critical lines.
  function cli(args, opts) {
    const r = runCli(args);
    assertCleanStderr(r.stdout + r.stderr, `mcproxy ${args.join(' ')} output`, opts);
    return r;
  }

  function write(name, text) {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  }

  it('--version prints the version and exits 0', () => {
    const r = cli(['--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /\d+\.\d+\.\d+/);
  });

  it('--help prints usage and exits 0', () => {
    const r = cli(['--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /--config/);
    assert.match(r.stdout + r.stderr, /check-config/);
  });

  it('check-config accepts a valid file', () => {
    const p = write('ok.json', JSON.stringify({
      mcpServers: { good: { command: TEST_SERVER_BIN, args: ['--name', 'good'] }, off: { command: 'x', disabled: true } },
      mcproxy: { toolNameMaxLength: 64, separator: '__' },
    }, null, 2));
    const r = cli(['check-config', p]);
    assert.equal(r.code, 0, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
  });

  it('check-config: JSON syntax error → non-zero, names file and line:column', () => {
    // Line 3 is missing the colon after "broken"; the offending "{" is at column 14 (1-based).
    const text = '{\n  "mcpServers": {\n    "broken" { "command": "x" }\n  }\n}\n';
    const p = write('syntax.json', text);
    const r = cli(['check-config', p]);
    const out = r.stdout + r.stderr;
    assert.notEqual(r.code, 0, `exit code; output: ${out}`);
    assert.equal(r.signal, null, 'did not crash');
    assert.ok(out.includes(p) || out.includes('syntax.json'), `names the file: ${out}`);
    const m = /:(\d+):(\d+)/.exec(out) || /line (\d+),? col(?:umn)? (\d+)/i.exec(out);
    assert.ok(m, `has line:column: ${out}`);
    assert.equal(Number(m[1]), 3, `line: ${out}`);
    assert.ok(Math.abs(Number(m[2]) - 14) <= 1, `column near 14: ${out}`);
  });

  it('check-config: invalid server name → non-zero, names the server', () => {
    const p = write('badname.json', JSON.stringify({ mcpServers: { 'bad name/!': { command: 'x' } } }, null, 2));
    const r = cli(['check-config', p]);
    const out = r.stdout + r.stderr;
    assert.notEqual(r.code, 0, out);
    assert.equal(r.signal, null);
    assert.ok(out.includes('bad name/!'), `names the server: ${out}`);
  });

  it('check-config: wrong field type → non-zero, names server and field', () => {
    const p = write('badtype.json', JSON.stringify({ mcpServers: { okname: { command: 'x', args: 'not-an-array' } } }, null, 2));
    const r = cli(['check-config', p]);
    const out = r.stdout + r.stderr;
    assert.notEqual(r.code, 0, out);
    assert.ok(out.includes('okname'), `names the server: ${out}`);
    assert.ok(out.includes('args'), `names the field: ${out}`);
  });

  it('check-config: missing command → non-zero, names server and field', () => {
    const p = write('nocmd.json', JSON.stringify({ mcpServers: { lonely: { args: [] } } }, null, 2));
    const r = cli(['check-config', p]);
    const out = r.stdout + r.stderr;
    assert.notEqual(r.code, 0, out);
    assert.ok(out.includes('lonely') && out.includes('command'), out);
  });

  it('check-config: env values must be strings; tools.allow must be a list', () => {
    for (const [file, server, field] of [
      ['badenv.json', { command: 'x', env: { N: 5 } }, 'env'],
      ['badallow.json', { command: 'x', tools: { allow: 'echo' } }, 'allow'],
    ]) {
      const p = write(file, JSON.stringify({ mcpServers: { srv: server } }, null, 2));
      const r = cli(['check-config', p]);
      const out = r.stdout + r.stderr;
      assert.notEqual(r.code, 0, `${file}: ${out}`);
      assert.ok(out.includes('srv') && out.includes(field), `${file}: ${out}`);
    }
  });

  it('check-config: unknown field → warning mentioning it, exit 0', () => {
    const p = write('unknown.json', JSON.stringify({ mcpServers: { srv: { command: 'x', frobnicate: true } } }, null, 2));
    const r = cli(['check-config', p]);
    const out = r.stdout + r.stderr;
    assert.equal(r.code, 0, out);
    assert.ok(out.includes('frobnicate'), `warns about the unknown field: ${out}`);
  });

  it('check-config: missing file → non-zero with a message', () => {
    const p = path.join(dir, 'does-not-exist.json');
    const r = cli(['check-config', p]);
    assert.notEqual(r.code, 0);
    assert.ok((r.stdout + r.stderr).includes('does-not-exist.json'));
  });

  it('starting the gateway with a broken config fails fast with the same message', () => {
    const p = write('syntax2.json', '{\n  "mcpServers": [\n');
    // A CRIT "cannot start" line is the expected outcome here; sanitizer reports are not.
    const r = cli(['--config', p, '--listen', '127.0.0.1:0'], { allowCritical: true });
    assert.notEqual(r.code, 0);
    assert.equal(r.signal, null, 'exits by itself, does not hang or crash');
    assert.ok((r.stdout + r.stderr).includes('syntax2.json'));
  });
});
