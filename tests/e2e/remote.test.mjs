// Remote backends: @modelcontextprotocol/server-everything over Streamable HTTP and over the
// legacy HTTP+SSE transport, on loopback ports, behind one gateway as "url" servers:
//   remote-http      transport "streamable-http", through a small recording proxy (to see the
//                    headers the worker sends), with a ${VAR} header
//   remote-sse       transport "sse"
//   remote-auto      no transport, the Streamable HTTP URL (auto picks Streamable HTTP)
//   remote-auto-sse  no transport, the SSE URL (auto falls back to HTTP+SSE)
//   remote-badenv    a header referring to an unset variable: a config error, never retried
// Killing a remote server and starting it again on the same port must take its gateway
// servers through backoff and back to ready with a new session, the client's session intact.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

import {
  E2E_DIR,
  sharedGateway,
  sharedClient,
  itStopsCleanly,
  listAll,
  callText,
  waitFor,
  fatalError,
} from './lib/gateway.mjs';

const EVERYTHING = path.join(
  E2E_DIR,
  'node_modules',
  '@modelcontextprotocol',
  'server-everything',
  'dist',
  'index.js',
);
const TOKEN = `e2e-secret-${process.pid}-${Date.now()}`;
const UNSET_VAR = 'MCPROXY_E2E_SURELY_UNSET_VARIABLE';
const READY = ['remote-http', 'remote-sse', 'remote-auto', 'remote-auto-sse'];
// From a remote server's death to its gateway servers being ready again: backoff (≤ 1 s with
// the restart settings below), the GET stream's reopen delays when behind the proxy (≤ 5 s),
// initialize and the catalog, with slack for a loaded machine.
const RECOVERY_MS = 30000;

async function freePort() {
  const srv = net.createServer();
  await new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/** server-everything in `mode` ('streamableHttp' | 'sse'), listening on `port` (its PORT variable). */
async function startEverything(mode, port) {
  const proc = spawn(process.execPath, [EVERYTHING, mode], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let exitInfo = null;
  proc.stdout.setEncoding('utf8').on('data', (d) => (output += d));
  proc.stderr.setEncoding('utf8').on('data', (d) => (output += d));
  const exited = new Promise((resolve) =>
    proc.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    }),
  );
  await waitFor(
    () => {
      if (exitInfo) throw fatalError(`server-everything ${mode} exited: ${JSON.stringify(exitInfo)}\n${output}`);
      return new RegExp(`(listening|running) on port ${port}\\b`).test(output);
    },
    { timeoutMs: 15000, what: `server-everything ${mode} listening on port ${port}` },
  );
  return {
    port,
    pid: proc.pid,
    kill: async () => {
      if (!exitInfo) proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** An HTTP proxy to 127.0.0.1:upstreamPort that records each request's method and headers. */
async function startRecordingProxy(upstreamPort) {
  const requests = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method, url: req.url, headers: { ...req.headers } });
    const up = http.request(
      { host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers },
      (ur) => {
        res.writeHead(ur.statusCode, ur.headers);
        ur.pipe(res);
        // The upstream died mid-stream: so does our answer, as a real proxy's would.
        ur.on('close', () => {
          if (!ur.complete) res.destroy();
        });
      },
    );
    up.on('error', () => {
      if (!res.headersSent) {
        res.writeHead(502, { 'Content-Type': 'text/plain' });
        res.end('bad gateway');
      } else {
        res.destroy();
      }
    });
    req.pipe(up);
    res.on('close', () => up.destroy());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('remote backends: Streamable HTTP and HTTP+SSE servers behind the gateway', { timeout: 180000 }, () => {
  let httpServer; // server-everything streamableHttp
  let sseServer; // server-everything sse
  let proxy;

  const gw = sharedGateway(async () => {
    assert.equal(process.env[UNSET_VAR], undefined, `${UNSET_VAR} must not be set for this test`);
    httpServer = await startEverything('streamableHttp', await freePort());
    sseServer = await startEverything('sse', await freePort());
    proxy = await startRecordingProxy(httpServer.port);
    const mcpUrl = `http://127.0.0.1:${httpServer.port}/mcp`;
    const sseUrl = `http://127.0.0.1:${sseServer.port}/sse`;
    return {
      servers: {
        'remote-http': {
          url: `http://127.0.0.1:${proxy.port}/mcp`,
          transport: 'streamable-http',
          headers: { Authorization: 'Bearer ${MCPROXY_E2E_REMOTE_TOKEN}', 'X-E2E-Literal': 'plain' },
        },
        'remote-sse': { url: sseUrl, transport: 'sse' },
        'remote-auto': { url: mcpUrl },
        'remote-auto-sse': { url: sseUrl },
        'remote-badenv': { url: mcpUrl, headers: { 'X-Api-Key': `key-\${${UNSET_VAR}}` } },
      },
      mcproxy: { restart: { initialMs: 100, maxMs: 1000, maxFastFailures: 100 } },
      env: { MCPROXY_E2E_REMOTE_TOKEN: TOKEN },
      readyServers: READY,
      readyTimeoutMs: 30000,
    };
  });
  const client = sharedClient(gw, 'streamable');
  const sseClient = sharedClient(gw, 'sse');

  after(async () => {
    await httpServer?.kill();
    await sseServer?.kill();
    await proxy?.close();
  });

  const restartsOf = (st, name) => st.servers.find((s) => s.name === name).restarts;
  const stateOf = (st, name) => st.servers.find((s) => s.name === name)?.state;

  it('/status: each remote server is ready with no backend pid; the unset ${VAR} one failed with exit 78', async () => {
    const st = await gw.status();
    for (const name of READY) {
      const s = st.servers.find((x) => x.name === name);
      assert.equal(s.state, 'ready', `${name} state`);
      assert.equal(s.backendPid, null, `${name} has no local process`);
      assert.ok(Number.isInteger(s.workerPid) && s.workerPid > 0, `${name} workerPid`);
      assert.ok(s.tools > 0, `${name} tools ${s.tools}`);
    }
    const bad = await gw.waitForStatus((x) => stateOf(x, 'remote-badenv') === 'failed', 10000, 'remote-badenv failed');
    const lastExit = bad.servers.find((s) => s.name === 'remote-badenv').lastExit;
    assert.match(lastExit, /exit 78/, lastExit);
    assert.ok(lastExit.includes(`\${${UNSET_VAR}}`) && /not set/.test(lastExit), lastExit);
    assert.equal(restartsOf(bad, 'remote-badenv'), 0, 'a config error is not retried');
  });

  it('tools of every remote server are listed with its prefix', async () => {
    const tools = (await listAll(client, 'tools')).map((t) => t.name);
    const st = await gw.status();
    for (const name of READY) {
      assert.ok(tools.includes(`${name}__echo`), `${name}__echo listed among ${tools.length} tools`);
      const count = tools.filter((t) => t.startsWith(`${name}__`)).length;
      assert.equal(count, st.servers.find((s) => s.name === name).tools, `${name} tool count`);
    }
    assert.ok(!tools.some((t) => t.startsWith('remote-badenv__')), 'a failed server lists nothing');
  });

  it('echo works through each remote server, over both client transports', async () => {
    for (const c of [client, sseClient]) {
      for (const name of READY) {
        const message = `hello ${name} via ${c.kind}`;
        const text = await callText(c, `${name}__echo`, { message });
        assert.ok(text.includes(message), `${name}__echo over ${c.kind} answered ${JSON.stringify(text)}`);
      }
    }
  });

  it('transport auto: Streamable HTTP for the /mcp URL, HTTP+SSE fallback for the /sse URL (logged)', () => {
    const log = gw.stderr();
    assert.match(log, /\[remote-auto\] remote session started over Streamable HTTP \(chosen by transport auto\)/);
    assert.match(log, /\[remote-auto-sse\] Streamable HTTP initialize answered HTTP 4\d\d, falling back/);
    assert.match(log, /\[remote-auto-sse\] remote session started over HTTP\+SSE/);
    assert.match(log, /\[remote-sse\] remote session started over HTTP\+SSE/);
    assert.match(log, /\[remote-http\] remote session started over Streamable HTTP,/);
  });

  it('configured headers reach the server with ${VAR} expanded, beside the session headers; values are never logged', () => {
    const posts = proxy.requests.filter((r) => r.method === 'POST');
    assert.ok(posts.length >= 3, `POSTs seen by the proxy: ${posts.length}`);
    for (const r of posts) {
      assert.equal(r.headers.authorization, `Bearer ${TOKEN}`);
      assert.equal(r.headers['x-e2e-literal'], 'plain');
      assert.match(r.headers['content-type'], /^application\/json/);
      assert.ok(
        r.headers.accept.includes('application/json') && r.headers.accept.includes('text/event-stream'),
        `POST Accept: ${r.headers.accept}`,
      );
    }
    // The worker first probes the server's era with a 2026-07-28 server/discover (the
    // versioning page's HTTP rule); this legacy server refuses it, and the handshake follows.
    const [probe, ...legacy] = posts;
    assert.equal(probe.headers['mcp-method'], 'server/discover', 'the first POST is the era probe');
    assert.equal(probe.headers['mcp-protocol-version'], '2026-07-28');
    const [first, ...rest] = legacy;
    assert.equal(first.headers['mcp-session-id'], undefined, 'initialize carries no session id');
    assert.equal(first.headers['mcp-protocol-version'], undefined, 'nor a protocol version');
    for (const r of rest) {
      assert.ok(r.headers['mcp-session-id'], 'later POSTs carry Mcp-Session-Id');
      assert.match(r.headers['mcp-protocol-version'], /^\d{4}-\d{2}-\d{2}$/);
    }
    const gets = proxy.requests.filter((r) => r.method === 'GET');
    assert.ok(gets.length >= 1, 'the GET stream was opened');
    assert.equal(gets[0].headers.accept, 'text/event-stream');
    assert.ok(gets[0].headers['mcp-session-id']);
    assert.ok(!gw.stderr().includes(TOKEN), 'the token never appears in the log');
  });

  it('cancelled calls free their HTTP threads: after 10 cancelled long calls (8 threads), echo answers at once', async () => {
    // A cancelled request gets no answer, so the server keeps its POST stream open; unless the
    // worker breaks it off, each one holds one of the worker's 8 call threads.
    const CALLS = 10;
    const controllers = [];
    const progressed = new Set();
    const settled = [];
    for (let i = 0; i < CALLS; i++) {
      const controller = new AbortController();
      controllers.push(controller);
      settled.push(
        client
          .callTool({ name: 'remote-auto__trigger-long-running-operation', arguments: { duration: 60, steps: 120 } }, undefined, {
            signal: controller.signal,
            timeout: 120000,
            onprogress: () => progressed.add(i),
          })
          .then(
            () => 'completed',
            (e) => `rejected: ${e?.message}`,
          ),
      );
    }
    // In flight at the server: the first 8 report progress; 2 wait for a thread.
    await waitFor(() => progressed.size >= 8, { timeoutMs: 15000, what: '8 long calls reporting progress' });
    for (const c of controllers) c.abort('test cancels');
    for (const outcome of await Promise.all(settled)) assert.match(outcome, /^rejected/);
    const t0 = Date.now();
    const text = await callText(client, 'remote-auto__echo', { message: 'after the cancellations' }, { timeout: 10000 });
    assert.ok(text.includes('after the cancellations'), text);
    assert.ok(Date.now() - t0 < 5000, `echo took ${Date.now() - t0} ms`);
    await gw.waitForStatus(
      (st) => st.servers.find((s) => s.name === 'remote-auto').inFlight === 0,
      10000,
      'remote-auto has no call in flight',
    );
  });

  it('Streamable HTTP server killed and restarted on its port: backoff, then ready again; calls work', async () => {
    const before = await gw.status();
    await httpServer.kill();
    await gw.waitForStatus(
      (st) => stateOf(st, 'remote-auto') === 'backoff',
      RECOVERY_MS,
      'remote-auto in backoff after its server died',
    );
    httpServer = await startEverything('streamableHttp', httpServer.port);
    const st = await gw.waitForStatus(
      (x) =>
        ['remote-auto', 'remote-http'].every(
          (n) => stateOf(x, n) === 'ready' && restartsOf(x, n) > restartsOf(before, n),
        ),
      RECOVERY_MS,
      'remote-auto and remote-http ready again, restarted',
    );
    for (const name of ['remote-sse', 'remote-auto-sse']) {
      assert.equal(stateOf(st, name), 'ready', `${name} unaffected`);
      assert.equal(restartsOf(st, name), restartsOf(before, name), `${name} not restarted`);
    }
    for (const name of ['remote-auto', 'remote-http']) {
      const text = await callText(client, `${name}__echo`, { message: `again ${name}` });
      assert.ok(text.includes(`again ${name}`), text);
    }
  });

  it('HTTP+SSE server killed and restarted on its port: backoff, then ready again; calls work', async () => {
    const before = await gw.status();
    await sseServer.kill();
    await gw.waitForStatus(
      (st) => stateOf(st, 'remote-sse') === 'backoff' || stateOf(st, 'remote-auto-sse') === 'backoff',
      RECOVERY_MS,
      'the SSE servers in backoff after their server died',
    );
    sseServer = await startEverything('sse', sseServer.port);
    await gw.waitForStatus(
      (x) =>
        ['remote-sse', 'remote-auto-sse'].every(
          (n) => stateOf(x, n) === 'ready' && restartsOf(x, n) > restartsOf(before, n),
        ),
      RECOVERY_MS,
      'remote-sse and remote-auto-sse ready again, restarted',
    );
    for (const c of [client, sseClient]) {
      for (const name of ['remote-sse', 'remote-auto-sse']) {
        const text = await callText(c, `${name}__echo`, { message: `back ${name}` });
        assert.ok(text.includes(`back ${name}`), text);
      }
    }
  });

  itStopsCleanly(gw);
});
