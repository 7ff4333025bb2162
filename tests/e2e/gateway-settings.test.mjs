// The gateway's own settings, enforced and reloaded: bearer tokens (a reload that revokes one
// stops it at once, streams included), allowed Origins, maxSessions, the connection and stream
// caps (mcproxy.maxConnections, mcproxy.maxStreams), and the fd limit (the supervisor raises
// its own soft limit; workers and backends keep the one mcproxy was started with), and the listen
// address (a reload moves the listening socket; connections made on the old one stay).
// A reload's log line names the keys it changed; each test waits for that line, never a sleep.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';

import { startGateway, testServer, textOf, withDeadline, settle, waitFor, MCP_ACCEPT } from './lib/gateway.mjs';
import { logMark, logLines, waitForLog, writeAtomic, freePort, shmPath } from './lib/ops.mjs';
import { KINDS, httpRequest, rawStreamableSession } from './lib/peers.mjs';
import { CODE, modernCall, assertRpcError, resultOf } from './lib/modern.mjs';

const T1 = 'e2e-token-one-0123456789';
const T2 = 'e2e-token-two-9876543210';
const SERVERS = { a: testServer('a') };

/** Rewrites the gateway's config with `mcproxy` settings and waits for the reload that names `keys`. */
async function reloadWith(gw, mcproxy, keys) {
  const mark = logMark(gw);
  writeAtomic(gw.configPath, JSON.stringify({ mcproxy, mcpServers: SERVERS }, null, 2));
  const re = new RegExp(`reloaded \\(file change\\) in \\d+ us: gateway settings: ${keys.join(', ').replace(/\./g, '\\.')}$`, 'm');
  await waitForLog(gw, re, { from: mark, what: `a reload naming ${keys.join(', ')}` });
}

/** An SDK client over `kind` that sends `Authorization: Bearer token` (none if token is null). */
async function connectWithToken(url, kind, token, name) {
  const requestInit = token ? { headers: { Authorization: `Bearer ${token}` } } : undefined;
  const transport = kind === 'streamable'
    ? new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit })
    : new SSEClientTransport(new URL(`${url}/sse`), { requestInit });
  const client = new Client({ name: name ?? `settings-${kind}`, version: '1.0.0' }, { capabilities: {} });
  client.onerror = () => {};
  await withDeadline(client.connect(transport), 10000, `${kind} connect with token ${token}`);
  client.sessionId = () => transport.sessionId;
  client.close2 = async () => {
    if (kind === 'streamable') await transport.terminateSession().catch(() => {});
    await client.close().catch(() => {});
  };
  return client;
}

function initializeBody() {
  return JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'settings-raw', version: '1' } },
  });
}

/** A raw initialize on /mcp with extra headers; ends the session it may open. Returns the status. */
async function rawInitialize(url, headers) {
  const r = await httpRequest(`${url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: MCP_ACCEPT, ...headers },
    body: initializeBody(),
  });
  const sid = r.headers['mcp-session-id'];
  if (sid) await httpRequest(`${url}/mcp`, { method: 'DELETE', headers: { ...headers, 'mcp-session-id': sid } });
  return r;
}

/** Waits for the gateway's "ready:" line (its /status may need a token, so no polling of it). */
async function startQuiet(opts) {
  const gw = await startGateway({ ...opts, waitReady: false });
  await waitForLog(gw, /NOTICE ready: 1\/1 servers ready/, { timeoutMs: 20000, what: 'the ready line' });
  return gw;
}

describe('gateway settings: tokens, origins and sessions, each reloaded at once', { timeout: 120000 }, () => {
  let gw;
  let settings = { auth: { bearerTokens: [T1] } };
  before(async () => {
    gw = await startQuiet({ servers: SERVERS, mcproxy: settings });
  });
  after(async () => {
    await gw?.stop();
  });
  const auth = (token) => ({ authorization: `Bearer ${token}` });

  it('bearer tokens: every endpoint but /health needs one; a wrong or missing one gets 401; the right one works on both transports', async () => {
    assert.equal((await httpRequest(`${gw.url}/health`)).status, 200, '/health needs no token');
    const refusals = {
      'POST /mcp without a token': await rawInitialize(gw.url, {}),
      'POST /mcp with a wrong token': await rawInitialize(gw.url, auth(T2)),
      'POST /mcp with a Basic header': await rawInitialize(gw.url, { authorization: `Basic ${Buffer.from(`x:${T1}`).toString('base64')}` }),
      'GET /sse without a token': await httpRequest(`${gw.url}/sse`, { timeoutMs: 3000 }),
      'GET /status without a token': await httpRequest(`${gw.url}/status`),
    };
    for (const [what, r] of Object.entries(refusals)) {
      assert.equal(r.status, 401, `${what}: HTTP ${r.status} ${r.body}`);
      assert.equal(r.headers['www-authenticate'], 'Bearer', `${what}: the WWW-Authenticate header`);
    }
    assert.equal((await httpRequest(`${gw.url}/status`, { headers: auth(T1) })).status, 200, '/status with the token');
    for (const kind of KINDS) {
      const refused = await settle(connectWithToken(gw.url, kind, null));
      assert.ok(!refused.ok, `an SDK ${kind} client without a token must not connect`);
      const c = await connectWithToken(gw.url, kind, T1);
      try {
        assert.equal(textOf(await c.callTool({ name: 'a__echo', arguments: { text: `tok-${kind}` } })), `tok-${kind}`);
      } finally {
        await c.close2();
      }
    }
    gw.assertClean();
  });

  it('a reload that swaps the token revokes the old one at once: open sessions and streams of both transports are refused; the new token works', async () => {
    const old = {};
    for (const kind of KINDS) old[kind] = await connectWithToken(gw.url, kind, T1, `old-${kind}`);
    try {
      for (const kind of KINDS) {
        assert.equal(textOf(await old[kind].callTool({ name: 'a__echo', arguments: { text: 'before' } })), 'before');
      }
      const mark = logMark(gw);
      settings = { auth: { bearerTokens: [T2] } };
      await reloadWith(gw, settings, ['auth.bearerTokens']);
      // The legacy stream (and the Streamable GET stream, if the SDK opened one) ended.
      await waitForLog(gw, /ended [1-9]\d* stream\(s\) whose bearer token the reload revoked/, { from: mark });

      for (const kind of KINDS) {
        const r = await settle(withDeadline(old[kind].callTool({ name: 'a__echo', arguments: { text: 'after' } }), 5000, `old ${kind} call`));
        assert.ok(!r.ok, `a ${kind} session opened with the revoked token must be refused, got ${JSON.stringify(r.value)}`);
        assert.doesNotMatch(r.error.message, /deadline/, `refused, not hung (${kind})`);
      }
      assert.equal((await rawInitialize(gw.url, auth(T1))).status, 401, 'the old token on a new request');
      assert.equal((await httpRequest(`${gw.url}/status`, { headers: auth(T2) })).status, 200, '/status with the new token');
      for (const kind of KINDS) {
        const c = await connectWithToken(gw.url, kind, T2, `new-${kind}`);
        try {
          assert.equal(textOf(await c.callTool({ name: 'a__echo', arguments: { text: `new-${kind}` } })), `new-${kind}`);
        } finally {
          await c.close2();
        }
      }
    } finally {
      for (const c of Object.values(old)) await c.close2();
      // Its own DELETE carried the revoked token; the session is ended with the valid one.
      const sid = old.streamable?.sessionId();
      if (sid) await httpRequest(`${gw.url}/mcp`, { method: 'DELETE', headers: { ...auth(T2), 'mcp-session-id': sid } });
    }
    gw.assertClean();
  });

  it('allowedOrigins: a browser Origin not listed gets 403 until a reload lists it; localhost is always allowed', async () => {
    const ORIGIN = 'http://tools.example';
    assert.equal((await rawInitialize(gw.url, { ...auth(T2), origin: ORIGIN })).status, 403, `${ORIGIN} before the reload`);
    assert.equal((await rawInitialize(gw.url, { ...auth(T2), origin: 'http://localhost:5173' })).status, 200, 'a localhost Origin');
    settings = { ...settings, allowedOrigins: [ORIGIN] };
    await reloadWith(gw, settings, ['allowedOrigins']);
    assert.equal((await rawInitialize(gw.url, { ...auth(T2), origin: ORIGIN })).status, 200, `${ORIGIN} after the reload`);
    assert.equal((await rawInitialize(gw.url, { ...auth(T2), origin: 'http://evil.example' })).status, 403, 'an Origin still not listed');
    gw.assertClean();
  });

  it('maxSessions: lowering it by reload refuses new sessions but keeps the open ones; raising it admits them again', async () => {
    const status = async () => JSON.parse((await httpRequest(`${gw.url}/status`, { headers: auth(T2) })).body);
    await waitFor(async () => (await status()).sessions.total === 0, { what: 'no session open' });
    const clients = [];
    try {
      for (const kind of KINDS) clients.push(await connectWithToken(gw.url, kind, T2, `cap-${kind}`));
      settings = { ...settings, maxSessions: 1 };
      await reloadWith(gw, settings, ['maxSessions']);
      for (const c of clients) {
        assert.equal(textOf(await c.callTool({ name: 'a__echo', arguments: { text: 'kept' } })), 'kept', 'an open session survives the lower cap');
      }
      const raw = await rawInitialize(gw.url, auth(T2));
      assert.equal(raw.status, 503, `a new session beyond the lowered cap: ${raw.status} ${raw.body}`);
      assert.match(JSON.parse(raw.body).error.message, /Too many sessions \(1\)/);
      const sse = await httpRequest(`${gw.url}/sse`, { headers: auth(T2), timeoutMs: 3000 });
      assert.equal(sse.status, 503, `a legacy SSE session beyond the lowered cap: ${sse.status}`);

      settings = { ...settings, maxSessions: 3 };
      await reloadWith(gw, settings, ['maxSessions']);
      const third = await connectWithToken(gw.url, 'streamable', T2, 'cap-third');
      clients.push(third);
      assert.equal(textOf(await third.callTool({ name: 'a__echo', arguments: { text: 'third' } })), 'third');
    } finally {
      for (const c of clients) await c.close2();
    }
    gw.assertClean();
  });
});

/**
 * Opens a TCP connection and sends GET /health (kept alive). Resolves {socket, status} once the
 * response head arrived, or {closed: true} if the gateway closed the connection first.
 */
function healthConnection(port, { timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer and no close within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (v) => {
      clearTimeout(timer);
      resolve(v);
    };
    socket.on('data', (d) => {
      got += d.toString('latin1');
      if (got.includes('\r\n\r\n')) done({ socket, status: Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1]) });
    });
    socket.on('close', () => done({ closed: true }));
    socket.on('error', () => {});
    socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  });
}

describe('connection and stream caps (mcproxy.maxConnections, mcproxy.maxStreams), reloaded at once', { timeout: 120000 }, () => {
  let gw;
  let settings = { maxConnections: 3, maxStreams: 1 };
  const sockets = [];
  before(async () => {
    // No request of the harness's own (its fetch would keep a pooled connection open and count).
    gw = await startQuiet({ servers: SERVERS, mcproxy: settings });
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await gw?.stop();
  });

  async function openUpTo(n) {
    while (sockets.length < n) {
      const r = await healthConnection(gw.port);
      assert.equal(r.status, 200, `connection ${sockets.length + 1} of ${n}: ${JSON.stringify(r.closed ? 'closed' : r.status)}`);
      sockets.push(r.socket);
    }
  }

  it('the connections beyond maxConnections are closed at once and logged once; a freed slot admits the next; a reload raises the cap', async () => {
    const mark = logMark(gw);
    await openUpTo(3);
    for (let i = 4; i <= 6; i++) {
      assert.deepEqual(await healthConnection(gw.port), { closed: true }, `connection ${i} under maxConnections 3`);
    }
    await waitForLog(gw, /refused a connection: 3 already open \(limit 3\)/, { from: mark });
    assert.equal(logLines(gw, /refused a connection/, mark).length, 1, 'a flood of refusals is logged once');

    sockets.shift().destroy();
    // The gateway sees the close when it reads EOF; until then the 4th is still refused.
    const next = await waitFor(async () => {
      const r = await healthConnection(gw.port);
      return r.closed ? null : r;
    }, { timeoutMs: 5000, intervalMs: 20, what: 'a connection admitted after one closed' });
    assert.equal(next.status, 200);
    sockets.push(next.socket);
    const admitted = await waitForLog(gw, /admitting connections again; refused (\d+) at the limit of 3/, { from: mark });
    assert.ok(Number(admitted[1]) >= 3, `counted the refusals: ${admitted[0]}`);

    settings = { ...settings, maxConnections: 5 };
    await reloadWith(gw, settings, ['maxConnections']);
    await openUpTo(5);
    assert.deepEqual(await healthConnection(gw.port), { closed: true }, 'the 6th connection under maxConnections 5');
    gw.assertClean();
  });

  it('the SSE stream beyond maxStreams gets 503; a reload raises the cap and the next stream opens', async () => {
    while (sockets.length) sockets.pop().destroy();
    const openStream = () => new Promise((resolve, reject) => {
      const socket = net.connect(gw.port, '127.0.0.1');
      let got = '';
      socket.on('data', (d) => {
        got += d.toString('latin1');
        if (got.includes('\r\n\r\n')) resolve({ socket, status: Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1]), head: got });
      });
      socket.on('close', () => resolve({ closed: true }));
      socket.on('error', reject);
      socket.write('GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n');
    });
    // Slots free as the destroyed connections' EOFs are read.
    const first = await waitFor(async () => {
      const r = await openStream();
      if (r.status === 200) return r;
      r.socket?.destroy();
      return null;
    }, { timeoutMs: 5000, intervalMs: 20, what: 'a first SSE stream' });
    sockets.push(first.socket);
    const second = await openStream();
    second.socket?.destroy();
    assert.equal(second.status, 503, `a second stream under maxStreams 1: ${second.head ?? 'closed'}`);

    settings = { ...settings, maxStreams: 2 };
    await reloadWith(gw, settings, ['maxStreams']);
    const third = await openStream();
    assert.equal(third.status, 200, 'a second stream once maxStreams is 2');
    sockets.push(third.socket);
    gw.assertClean();
  });
});

/** The soft and hard "Max open files" of a process. */
function openFileLimits(pid) {
  const line = fs.readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  const [soft, hard] = line.replace('Max open files', '').trim().split(/\s+/);
  return { soft: Number(soft), hard: Number(hard) };
}

describe('the fd limit: the supervisor raises its own; workers and backends keep the inherited one', { timeout: 60000 }, () => {
  it('started with 256 soft / 4096 hard: mcproxy runs at 4096, its worker and backend at 256, and it says so', async () => {
    const gw = await startGateway({ servers: SERVERS, launcher: ['prlimit', '--nofile=256:4096', '--'] });
    try {
      const st = await gw.status();
      const a = st.servers.find((s) => s.name === 'a');
      assert.deepEqual(openFileLimits(gw.pid), { soft: 4096, hard: 4096 }, 'the supervisor');
      assert.deepEqual(openFileLimits(a.workerPid), { soft: 256, hard: 4096 }, 'the worker');
      assert.deepEqual(openFileLimits(a.backendPid), { soft: 256, hard: 4096 }, 'the backend');
      assert.match(gw.stderr(), /raised the soft fd limit from 256 to 4096; workers and backends keep 256/);
      // 4096 connections and the reserve do not fit in 4096 fds: that is worth a warning.
      assert.match(gw.stderr(), /WARN the fd limit \(4096, hard 4096\) leaves room for about 4030 of mcproxy\.maxConnections \(4096\)/);
      assert.equal(textOf(await (async () => {
        const c = await connectWithToken(gw.url, 'streamable', null);
        try {
          return await c.callTool({ name: 'a__echo', arguments: { text: 'limits' } });
        } finally {
          await c.close2();
        }
      })()), 'limits');
    } finally {
      await gw.stop();
    }
    gw.assertClean();
  });

  it('with room for maxConnections there is no warning', async () => {
    const gw = await startGateway({ servers: SERVERS, mcproxy: { maxConnections: 100 }, launcher: ['prlimit', '--nofile=256:256', '--'] });
    try {
      assert.equal(openFileLimits(gw.pid).soft, 256, 'nothing to raise to');
      assert.doesNotMatch(gw.stderr(), /fd limit/);
    } finally {
      await gw.stop();
    }
    gw.assertClean();
  });
});

describe('mcproxy.listen: a reload moves the listening socket', { timeout: 60000 }, () => {
  const url = (host, port) => `http://${host}:${port}`;
  const write = (gw, listen) => writeAtomic(gw.configPath, JSON.stringify({ mcproxy: { listen }, mcpServers: SERVERS }, null, 2));
  const refused = async (port) => {
    const r = await healthConnection(port).catch((e) => ({ error: e.message }));
    return r.closed === true && r.status === undefined;
  };

  it('the new address serves, the old one takes no new connection, one made there stays; an address in use or a bad one leaves the current one', async () => {
    const p1 = await freePort();
    const gw = await startGateway({ servers: SERVERS, mcproxy: { listen: `127.0.0.1:${p1}` }, listen: null });
    const kept = await healthConnection(p1);
    const blocker = net.createServer();
    try {
      assert.equal(gw.port, p1, 'started on the configured address');
      assert.equal(kept.status, 200);

      // 1. Another port.
      const p2 = await freePort();
      let mark = logMark(gw);
      write(gw, `127.0.0.1:${p2}`);
      await waitForLog(gw, new RegExp(`NOTICE listening on http://127\\.0\\.0\\.1:${p2} \\(was http://127\\.0\\.0\\.1:${p1};`), { from: mark });
      // The reload's summary line follows the move's own line.
      await waitForLog(gw, /reloaded \(file change\) in \d+ us: listen address$/m, { from: mark });
      const c = await connectWithToken(url('127.0.0.1', p2), 'streamable', null, 'moved');
      try {
        assert.equal(textOf(await c.callTool({ name: 'a__echo', arguments: { text: 'moved' } })), 'moved');
      } finally {
        await c.close2();
      }
      assert.ok(await refused(p1), `no new connection on the old port ${p1}`);
      // The status board goes by the port: it moved too, and an mcproxy started on the old port
      // gets a board of its own (before, it found ours and ran without hang detection).
      assert.ok(fs.existsSync(shmPath(p2)) && !fs.existsSync(shmPath(p1)), 'the status board was renamed');
      // Its readiness is read from its own log and its /status over a connection of its own: a
      // pooled keep-alive connection to p1, made before the move, still reaches the first one.
      const second = await startQuiet({ servers: SERVERS, listen: `127.0.0.1:${p1}` });
      try {
        const st = JSON.parse((await httpRequest(`${second.url}/status`, { agent: false })).body);
        assert.equal(st.pid, second.pid, 'the second mcproxy answers on the old port');
        assert.equal(st.servers[0].state, 'ready', second.stderr());
        assert.doesNotMatch(second.stderr(), /status board|hung workers will not be detected/);
        assert.ok(fs.existsSync(shmPath(p1)), 'the second mcproxy has its board');
      } finally {
        await second.stop();
      }
      second.assertClean();
      // The connection made before the move is still served.
      kept.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      const again = await new Promise((resolve) => {
        let got = '';
        kept.socket.removeAllListeners('data');
        kept.socket.on('data', (d) => {
          got += d.toString('latin1');
          if (got.includes('\r\n\r\n')) resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1]));
        });
        kept.socket.on('close', () => resolve('closed'));
      });
      assert.equal(again, 200, 'a request on the connection made before the move');

      // 2. An address someone else holds: refused, the current one stays.
      await new Promise((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const p3 = blocker.address().port;
      mark = logMark(gw);
      write(gw, `127.0.0.1:${p3}`);
      await waitForLog(gw, new RegExp(`ERROR mcproxy\\.listen: cannot listen on 127\\.0\\.0\\.1:${p3}: Address already in use; still listening on http://127\\.0\\.0\\.1:${p2}`), { from: mark });
      assert.equal((await httpRequest(`${url('127.0.0.1', p2)}/health`, { agent: false })).status, 200, 'the current address after a refused move');

      // 3. The same port on another address: our own socket holds the port, so it lets go first.
      mark = logMark(gw);
      write(gw, `0.0.0.0:${p2}`);
      await waitForLog(gw, new RegExp(`NOTICE listening on http://0\\.0\\.0\\.0:${p2} \\(was http://127\\.0\\.0\\.1:${p2};`), { from: mark });
      assert.equal((await httpRequest(`${url('127.0.0.1', p2)}/health`, { agent: false })).status, 200, '0.0.0.0 serves 127.0.0.1 too');

      // 4. A bad address is refused with the whole file, which names it.
      mark = logMark(gw);
      write(gw, 'nowhere');
      await waitForLog(gw, /rejected, the running config keeps serving: .*mcproxy\.listen must be a string "HOST:PORT"/, { from: mark });
      assert.equal((await httpRequest(`${url('127.0.0.1', p2)}/health`, { agent: false })).status, 200);
    } finally {
      kept.socket?.destroy();
      blocker.close();
      await gw.stop();
    }
    gw.assertClean();
  });

  it('with --listen on the command line, mcproxy.listen in the file does not move it', async () => {
    const gw = await startGateway({ servers: SERVERS });
    try {
      const mark = logMark(gw);
      write(gw, `127.0.0.1:${await freePort()}`);
      await waitForLog(gw, /NOTICE mcproxy\.listen changed; --listen 127\.0\.0\.1:0 on the command line still decides/, { from: mark });
      assert.equal((await httpRequest(`${gw.url}/health`)).status, 200);
    } finally {
      await gw.stop();
    }
    gw.assertClean();
  });
});

describe('mcproxy.sessionIdleTimeoutMs: an idle Streamable session ends; one with a call in flight stays', { timeout: 60000 }, () => {
  it('a reload to 10 s ends the idle session (404 after), keeps the busy one through its 14 s call and after it', async () => {
    const gw = await startGateway({ servers: SERVERS });
    try {
      const post = (s, body) => httpRequest(`${gw.url}/mcp`, { method: 'POST', headers: s.headers, body: JSON.stringify(body), timeoutMs: 30000 });
      const idle = await rawStreamableSession(gw.url);
      const busy = await rawStreamableSession(gw.url);
      let answered = false;
      const call = post(busy, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'a__sleep', arguments: { ms: 14000 } } })
        .finally(() => { answered = true; });
      // The sessions were opened under the default (an hour); the reload applies to them.
      const mark = logMark(gw);
      writeAtomic(gw.configPath, JSON.stringify({ mcproxy: { sessionIdleTimeoutMs: 10000 }, mcpServers: SERVERS }, null, 2));
      await waitForLog(gw, /reloaded \(file change\) in \d+ us: gateway settings: sessionIdleTimeoutMs$/m, { from: mark });
      // The log names a session by the first 8 characters of its id.
      const tag = (sess) => `(session ${sess.sessionId.slice(0, 8)})`;
      await waitForLog(gw, new RegExp(`${tag(idle).replace(/[()]/g, '\\$&')} session ended: no request for 10000 ms \\(mcproxy\\.sessionIdleTimeoutMs\\)`),
        { from: mark, timeoutMs: 20000 });
      assert.equal(answered, false, 'the busy session\'s call is still running');
      const gone = await post(idle, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
      assert.equal(gone.status, 404, `the idle session ended: HTTP ${gone.status} ${gone.body}`);

      const r = await call;
      assert.equal(r.status, 200, `the long call: HTTP ${r.status} ${r.body}`);
      assert.doesNotMatch(r.body, /"error"/, r.body);
      // Its last request was 14 s ago, but its idle time started when the call ended.
      const after = await post(busy, { jsonrpc: '2.0', id: 3, method: 'tools/list' });
      assert.equal(after.status, 200, `the busy session stays: HTTP ${after.status} ${after.body}`);
      assert.deepEqual(logLines(gw, /session ended/, mark).filter((l) => l.includes(tag(busy))), []);
    } finally {
      await gw.stop();
    }
    gw.assertClean();
  });
});

describe('mcproxy.inputWaitMs: a call parked for its client\'s input is cancelled when the client does not come back', { timeout: 60000 }, () => {
  it('inputWaitMs 1000 (server timeoutMs 1000): the parked call is cancelled at the backend, and a late retry is refused as expired', async () => {
    const servers = { q: { ...testServer('q', ['--protocol-tools']), timeoutMs: 1000 } };
    const gw = await startGateway({ servers, mcproxy: { inputWaitMs: 1000 } });
    try {
      const caps = { capabilities: { roots: {} } };
      const args = { method: 'roots/list', timeoutMs: 20000 };
      const mark = logMark(gw);
      const first = resultOf(await modernCall(gw.url, 'tools/call', { name: 'q__ask_client', arguments: args }, caps), 'the first call');
      assert.equal(first.resultType, 'input_required');
      // Nobody answers: after a second the gateway gives up on the client.
      await waitForLog(gw, /tools\/call: the client did not come back with the input its backend asked for; cancelled/, { from: mark });
      await gw.waitForStatus((st) => st.servers[0].inFlight === 0, 5000, 'the parked call gone at q');
      const [key] = Object.keys(first.inputRequests);
      const late = await modernCall(gw.url, 'tools/call',
        { name: 'q__ask_client', arguments: args, inputResponses: { [key]: { roots: [] } }, requestState: first.requestState }, caps);
      const err = assertRpcError(late, 200, CODE.invalidParams, 'a retry after the wait');
      assert.match(err.message, /requestState has expired/);
    } finally {
      await gw.stop();
    }
    gw.assertClean();
  });
});
