// Test harness for the mcproxy end-to-end suite.
//
// Starts the real `mcproxy` supervisor binary on a loopback ephemeral port with a
// generated config, waits (with deadlines, never with plain sleeps) until it is
// listening and every enabled server is ready, and offers helpers to connect the
// official MCP TypeScript SDK client over both HTTP transports and to inspect the
// process tree through /proc.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { before, after, it } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const E2E_DIR = path.resolve(HERE, '..');
export const REPO_ROOT = path.resolve(E2E_DIR, '..', '..');
export const BUILD_DIR = path.resolve(process.env.MCPROXY_BUILD_DIR || path.join(REPO_ROOT, 'build'));
export const MCPROXY_BIN = path.join(BUILD_DIR, 'supervisor', 'mcproxy');
export const TEST_SERVER_BIN = path.join(BUILD_DIR, 'tests', 'testserver', 'mcp-test-server');
const NODE_MODULES = path.join(E2E_DIR, 'node_modules');

/** Names every exposed tool/prompt must match (MCP tool-name rule used by clients). */
export const TOOL_NAME_RE = /^[a-zA-Z0-9_-]{1,64}$/;

/** Lines that must never appear in the gateway's stderr. */
const BAD_STDERR_RE = /AddressSanitizer|LeakSanitizer|ThreadSanitizer|runtime error:| CRIT |critical/i;

// ---------------------------------------------------------------------------
// Generic condition wait
// ---------------------------------------------------------------------------

/**
 * Polls `predicate` (sync or async) until it returns a truthy value, which is returned.
 * Throws after `timeoutMs` with a message naming `what` and the last value/error seen.
 * This is a condition wait with a deadline, not a sleep. A predicate error with
 * `fatal: true` (see fatalError) aborts the wait at once.
 */
export async function waitFor(predicate, { timeoutMs = 10000, intervalMs = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastErr;
  let lastVal;
  for (;;) {
    try {
      lastVal = await predicate();
      if (lastVal) return lastVal;
    } catch (e) {
      if (e?.fatal) throw e;
      lastErr = e;
    }
    if (Date.now() >= deadline) {
      const detail = lastErr ? `last error: ${lastErr?.stack || lastErr}` : `last value: ${safeJson(lastVal)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${detail}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** An error that makes waitFor give up immediately (e.g. the process died). */
export function fatalError(message) {
  const e = new Error(message);
  e.fatal = true;
  return e;
}

function safeJson(v) {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/** Rejects if `promise` does not settle within `ms`; resolves/rejects with its outcome otherwise. */
export function withDeadline(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`deadline of ${ms} ms exceeded: ${what}`)), ms);
    }),
  ]);
}

/** Settles a promise into {ok, value|error, ms} so timing of failures can be asserted. */
export async function settle(promise) {
  const t0 = Date.now();
  try {
    const value = await promise;
    return { ok: true, value, ms: Date.now() - t0 };
  } catch (error) {
    return { ok: false, error, ms: Date.now() - t0 };
  }
}

// ---------------------------------------------------------------------------
// Backend server definitions
// ---------------------------------------------------------------------------

function requireFile(p, what) {
  if (!fs.existsSync(p)) {
    throw new Error(`${what} not found at ${p} (build it, or set MCPROXY_BUILD_DIR / run npm ci in tests/e2e)`);
  }
  return p;
}

/** Config entry for the project's own test server. */
export function testServer(name, extraArgs = [], more = {}) {
  return { command: TEST_SERVER_BIN, args: ['--name', name, ...extraArgs], ...more };
}

function pkgEntry(pkg) {
  return path.join(NODE_MODULES, '@modelcontextprotocol', pkg, 'dist', 'index.js');
}

// Existence of the binaries/entries this suite provides is checked when a gateway is
// started (inside a test or hook), not when a config is declared, so that a missing
// build shows up as failing tests rather than as a file that ran no test.
function checkServerFiles(servers) {
  for (const [name, s] of Object.entries(servers || {})) {
    if (s?.command === TEST_SERVER_BIN) requireFile(TEST_SERVER_BIN, `mcp-test-server (server ${name})`);
    if (s?.command === process.execPath && String(s.args?.[0]).startsWith(NODE_MODULES)) {
      requireFile(s.args[0], `npm package entry (server ${name})`);
    }
  }
}

/** @modelcontextprotocol/server-everything in stdio mode (first CLI arg selects the transport). */
export function everythingServer(more = {}) {
  return { command: process.execPath, args: [pkgEntry('server-everything'), 'stdio'], ...more };
}

/** @modelcontextprotocol/server-memory storing its graph in `memoryFile`. */
export function memoryServer(memoryFile, more = {}) {
  return {
    command: process.execPath,
    args: [pkgEntry('server-memory')],
    env: { MEMORY_FILE_PATH: memoryFile },
    ...more,
  };
}

/** @modelcontextprotocol/server-filesystem allowed to access `dir` only. */
export function filesystemServer(dir, more = {}) {
  return { command: process.execPath, args: [pkgEntry('server-filesystem'), dir], ...more };
}

export function makeTempDir(tag = 'data') {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `mcproxy-e2e-${tag}-`)));
}

// ---------------------------------------------------------------------------
// /proc helpers
// ---------------------------------------------------------------------------

function readStat(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rp = s.lastIndexOf(')');
    const fields = s.slice(rp + 2).split(' ');
    return { pid, state: fields[0], ppid: Number(fields[1]), pgrp: Number(fields[2]) };
  } catch {
    return null;
  }
}

/** True if the process exists and is not a zombie. */
export function pidAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const st = readStat(pid);
  return !!st && st.state !== 'Z' && st.state !== 'X';
}

/** All descendant pids of `pid` (children, grandchildren, ...), excluding `pid` itself. */
export function processTree(pid) {
  const children = new Map();
  for (const ent of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    const st = readStat(Number(ent));
    if (!st) continue;
    if (!children.has(st.ppid)) children.set(st.ppid, []);
    children.get(st.ppid).push(st.pid);
  }
  const out = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift();
    for (const c of children.get(p) || []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/** Number of open file descriptors of `pid`. */
export function countFds(pid) {
  return fs.readdirSync(`/proc/${pid}/fd`).length;
}

// ---------------------------------------------------------------------------
// Gateway process
// ---------------------------------------------------------------------------

const liveGateways = new Set();
process.on('exit', () => {
  // Last-resort cleanup of gateways this test process started (by pid only).
  for (const gw of liveGateways) {
    try {
      const tree = processTree(gw.proc.pid);
      gw.proc.kill('SIGKILL');
      for (const p of tree) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {}
      }
    } catch {}
  }
});

const SANITIZER_RE = /AddressSanitizer|LeakSanitizer|ThreadSanitizer|runtime error:/;

export function stderrProblems(text, { allowCritical = false } = {}) {
  const re = allowCritical ? SANITIZER_RE : BAD_STDERR_RE;
  return text.split('\n').filter((l) => re.test(l));
}

/**
 * Asserts no sanitizer report, UB report or critical log line is in `text`.
 * `allowCritical` is for runs that are expected to die with a CRIT message.
 */
export function assertCleanStderr(text, label = 'gateway stderr', opts = {}) {
  const bad = stderrProblems(text, opts);
  assert.deepEqual(bad, [], `${label} contains sanitizer/critical lines:\n${bad.join('\n')}`);
}

function tail(text, n = 60) {
  return text.split('\n').slice(-n).join('\n');
}

/**
 * Starts mcproxy.
 * @param {object} opts
 * @param {object} [opts.servers]  mcpServers map (ignored if configText given)
 * @param {object} [opts.mcproxy]  optional top-level "mcproxy" settings object
 * @param {string} [opts.configText] raw config file contents
 * @param {string[]} [opts.extraArgs]
 * @param {boolean} [opts.waitReady=true] wait until every enabled server is ready
 * @param {string[]} [opts.readyServers] wait for these servers only (default: all enabled)
 * @param {number} [opts.readyTimeoutMs=20000]
 * @param {string|null} [opts.listen='127.0.0.1:0'] --listen; null: none (the config's decides)
 * @param {string[]} [opts.launcher] a program that execs mcproxy in its own place (so the pid
 *   stays mcproxy's), e.g. ['prlimit', '--nofile=256:4096', '--']
 */
export async function startGateway({
  servers = {},
  mcproxy,
  configText,
  extraArgs = [],
  waitReady = true,
  readyServers,
  readyTimeoutMs = 20000,
  listenTimeoutMs = 10000,
  env = {},
  launcher = [],
  listen = '127.0.0.1:0',
} = {}) {
  requireFile(MCPROXY_BIN, 'mcproxy binary');
  if (configText === undefined) checkServerFiles(servers);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcproxy-e2e-gw-'));
  const configPath = path.join(dir, 'config.json');
  if (configText === undefined) {
    const doc = { mcpServers: servers };
    if (mcproxy) doc.mcproxy = mcproxy;
    configText = JSON.stringify(doc, null, 2);
  }
  fs.writeFileSync(configPath, configText);
  const stderrPath = path.join(dir, 'stderr.log');
  const stderrFile = fs.openSync(stderrPath, 'w');

  const args = ['--config', configPath, ...(listen === null ? [] : ['--listen', listen]), '--log', ...extraArgs];
  const command = launcher.length ? [...launcher, MCPROXY_BIN, ...args] : [MCPROXY_BIN, ...args];
  const proc = spawn(command[0], command.slice(1), {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderrText = '';
  let stdoutText = '';
  let exitInfo = null;
  const exited = new Promise((resolve) => {
    // 'close' fires after the process exited AND its stdio closed, so the
    // complete stderr (including sanitizer reports at exit) has been read.
    proc.on('close', (code, signal) => {
      exitInfo = { code, signal };
      liveGateways.delete(gw);
      try {
        fs.closeSync(stderrFile);
      } catch {}
      resolve(exitInfo);
    });
  });
  proc.on('error', (e) => {
    stderrText += `\n[harness] spawn error: ${e.message}\n`;
  });
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => {
    stderrText += d;
    try {
      fs.writeSync(stderrFile, d);
    } catch {}
  });
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (d) => {
    stdoutText += d;
  });

  const gw = {
    proc,
    pid: proc.pid,
    dir,
    configPath,
    stderrPath,
    url: null,
    port: null,
    stderr: () => stderrText,
    stdout: () => stdoutText,
    exitInfo: () => exitInfo,
    exited,
  };
  liveGateways.add(gw);
  gw.kill = async () => {
    if (exitInfo) return exitInfo;
    const tree = processTree(proc.pid);
    proc.kill('SIGKILL');
    for (const p of tree) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {}
    }
    return exited;
  };

  const fail = async (msg) => {
    const info = exitInfo ? ` (process exited: ${safeJson(exitInfo)})` : '';
    if (!exitInfo) await gw.kill();
    throw new Error(`${msg}${info}\nconfig: ${configPath}\n--- stderr tail ---\n${tail(stderrText)}`);
  };

  // 1. Wait for the "listening" line, failing fast if the process exits.
  // The brief specified "mcproxy: listening on http://127.0.0.1:PORT"; with --log the
  // binary prints "<time> mcproxy[PID] NOTICE listening on http://127.0.0.1:PORT (...)".
  // Both forms are accepted.
  const LISTEN_RE = /\bmcproxy(?::|\[\d+\]) (?:\w+ )?listening on http:\/\/127\.0\.0\.1:(\d+)/;
  try {
    await waitFor(() => {
      if (exitInfo) throw fatalError('gateway exited before listening');
      return LISTEN_RE.test(stderrText);
    }, { timeoutMs: listenTimeoutMs, intervalMs: 20, what: 'the "mcproxy: listening on" stderr line' });
  } catch (e) {
    await fail(e.message);
  }
  gw.port = Number(LISTEN_RE.exec(stderrText)[1]);
  gw.url = `http://127.0.0.1:${gw.port}`;

  gw.status = async () => {
    const res = await fetch(`${gw.url}/status`);
    if (res.status !== 200) throw new Error(`/status returned HTTP ${res.status}`);
    return res.json();
  };
  gw.server = async (name) => {
    const st = await gw.status();
    return st.servers.find((s) => s.name === name);
  };
  let lastStatus;
  gw.waitForStatus = async (pred, timeoutMs = 15000, what = 'a /status predicate') => {
    try {
      return await waitFor(async () => {
        if (exitInfo) throw fatalError(`gateway exited: ${safeJson(exitInfo)}`);
        lastStatus = await gw.status();
        return (await pred(lastStatus)) ? lastStatus : null;
      }, { timeoutMs, intervalMs: 50, what });
    } catch (e) {
      throw new Error(`${e.message}\nlast /status: ${safeJson(lastStatus)}\n--- stderr tail ---\n${tail(stderrText)}`);
    }
  };
  gw.stop = (opts) => stopGateway(gw, opts);
  gw.assertClean = () => assertCleanStderr(stderrText);

  // 2. Wait until every configured, non-disabled server is ready.
  if (waitReady) {
    let expected = readyServers ?? null;
    if (!expected) {
      try {
        expected = Object.entries(JSON.parse(configText).mcpServers || {})
          .filter(([, v]) => !v?.disabled)
          .map(([k]) => k);
      } catch {
        expected = null; // unparsable config text: wait for whatever /status lists
      }
    }
    try {
      await gw.waitForStatus((st) => {
        if (!Array.isArray(st.servers)) return false;
        const names = expected ?? st.servers.filter((s) => s.state !== 'disabled').map((s) => s.name);
        return names.every((n) => st.servers.find((s) => s.name === n)?.state === 'ready');
      }, readyTimeoutMs, `all servers ready (${(expected || ['*']).join(', ')})`);
    } catch (e) {
      await fail(e.message);
    }
  }
  return gw;
}

/**
 * Sends SIGTERM and waits (with a deadline) for exit. Resolves with
 * {code, signal, ms}. On deadline, kills the tree and throws.
 */
export async function stopGateway(gw, { timeoutMs = 5000, signal = 'SIGTERM' } = {}) {
  if (gw.exitInfo()) return { ...gw.exitInfo(), ms: 0 };
  const t0 = Date.now();
  gw.proc.kill(signal);
  const r = await Promise.race([
    gw.exited,
    new Promise((resolve) => setTimeout(() => resolve(null), timeoutMs).unref()),
  ]);
  if (!r) {
    const tree = processTree(gw.proc.pid);
    await gw.kill();
    throw new Error(
      `gateway did not exit within ${timeoutMs} ms of ${signal}; killed it and ${tree.length} descendants ` +
        `(${tree.join(',')})\n--- stderr tail ---\n${tail(gw.stderr())}`,
    );
  }
  const ms = Date.now() - t0;
  if (r.code === 0 && !process.env.MCPROXY_E2E_KEEP && stderrProblems(gw.stderr()).length === 0) {
    fs.rmSync(gw.dir, { recursive: true, force: true });
  }
  return { ...r, ms };
}

/** Standard end-of-suite check: SIGTERM → exit 0 and clean stderr. */
export async function stopAndCheck(gw) {
  if (!gw) return;
  const r = await stopGateway(gw);
  assert.equal(r.code, 0, `gateway exit code after SIGTERM (signal=${r.signal}); stderr tail:\n${tail(gw.stderr())}`);
  assertCleanStderr(gw.stderr());
}

// ---------------------------------------------------------------------------
// Suite-level sharing that turns set-up failures into test failures
// ---------------------------------------------------------------------------
//
// node:test reports a failing before() hook as "cancelled" subtests (the TAP summary
// then says "# fail 0"), and a failing after() hook not at all in the counts. So the
// shared gateway is started in before() but a set-up error is re-thrown by every test
// that touches it, and the SIGTERM/exit-code/stderr check is a test of its own.

function lazyProxy(state, what) {
  return new Proxy({}, {
    get(_, prop) {
      if (state.err) throw state.err;
      if (!state.value) throw new Error(`${what} is not available (set-up did not run)`);
      const v = state.value[prop];
      return typeof v === 'function' ? v.bind(state.value) : v;
    },
  });
}

/**
 * Registers before/after hooks in the current describe() that start one gateway
 * for the suite. `opts` is startGateway's options or a (possibly async) function
 * returning them. Returns a proxy for the gateway object.
 */
export function sharedGateway(opts) {
  const state = { value: null, err: null };
  before(async () => {
    try {
      state.value = await startGateway(typeof opts === 'function' ? await opts() : opts);
    } catch (e) {
      state.err = e;
    }
  });
  after(async () => {
    if (state.value && !state.value.exitInfo()) await state.value.kill();
  });
  return lazyProxy(state, 'the shared gateway');
}

/** Registers the suite's final test: SIGTERM → exit 0 within 5 s, clean stderr. */
export function itStopsCleanly(gw) {
  it('SIGTERM: gateway exits 0 within 5 s with a clean stderr', async () => {
    await stopAndCheck(gw);
  });
}

/** A client connected in before() (errors re-thrown by the tests), closed in after(). */
export function sharedClient(gw, kind, opts = {}) {
  const state = { value: null, err: null };
  before(async () => {
    try {
      state.value = await connectors[kind](gw.url, opts);
    } catch (e) {
      state.err = e;
    }
  });
  after(async () => {
    if (state.value) await state.value.close2().catch(() => {});
  });
  return lazyProxy(state, `the ${kind} client`);
}

// ---------------------------------------------------------------------------
// MCP clients
// ---------------------------------------------------------------------------

function newClient(name) {
  return new Client({ name: name || 'mcproxy-e2e', version: '1.0.0' }, { capabilities: {} });
}

/** SDK Client over Streamable HTTP to `${url}/mcp`. */
export async function connectStreamable(url, { name } = {}) {
  const client = newClient(name);
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`));
  await withDeadline(client.connect(transport), 15000, `streamable connect to ${url}/mcp`);
  client.kind = 'streamable';
  client.close2 = async () => {
    try {
      await transport.terminateSession();
    } finally {
      await client.close();
    }
  };
  return client;
}

/** SDK Client over the legacy HTTP+SSE transport to `${url}/sse`. */
export async function connectSse(url, { name } = {}) {
  const client = newClient(name);
  const transport = new SSEClientTransport(new URL(`${url}/sse`));
  await withDeadline(client.connect(transport), 15000, `SSE connect to ${url}/sse`);
  client.kind = 'sse';
  client.close2 = () => client.close();
  return client;
}

export const connectors = { streamable: connectStreamable, sse: connectSse };

/** Follows nextCursor for tools/prompts/resources/resourceTemplates lists. */
export async function listAll(client, kind) {
  const method = {
    tools: 'listTools',
    prompts: 'listPrompts',
    resources: 'listResources',
    resourceTemplates: 'listResourceTemplates',
  }[kind];
  const items = [];
  const seen = new Set();
  let cursor;
  for (let page = 0; page < 2000; page++) {
    const res = await client[method](cursor ? { cursor } : undefined);
    items.push(...res[kind]);
    cursor = res.nextCursor;
    if (!cursor) return items;
    assert.ok(!seen.has(cursor), `${kind} pagination repeats cursor ${cursor}`);
    seen.add(cursor);
  }
  throw new Error(`${kind} pagination did not terminate`);
}

/** Text of the first content block of a tools/call result. */
export function textOf(result) {
  assert.ok(result && Array.isArray(result.content), `tool result has content[]: ${safeJson(result)}`);
  const block = result.content.find((c) => c.type === 'text');
  assert.ok(block, `tool result has a text block: ${safeJson(result).slice(0, 500)}`);
  return block.text;
}

/** Calls a tool and returns its text, asserting it is not an isError result. */
export async function callText(client, name, args = {}, options) {
  const res = await client.callTool({ name, arguments: args }, undefined, options);
  assert.ok(!res.isError, `${name} returned isError: ${safeJson(res)}`);
  return textOf(res);
}

// ---------------------------------------------------------------------------
// Raw HTTP helpers (for protocol-level tests)
// ---------------------------------------------------------------------------

export const MCP_ACCEPT = 'application/json, text/event-stream';

/**
 * Reads a Streamable HTTP POST response that is either application/json or an
 * SSE stream, returning the parsed JSON-RPC messages (stops after the first
 * response message when SSE, so an open stream does not block).
 */
export async function readJsonRpcResponse(res, { timeoutMs = 10000 } = {}) {
  const ct = res.headers.get('content-type') || '';
  if (ct.includes('text/event-stream')) {
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    const msgs = [];
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        const { value, done } = await withDeadline(reader.read(), Math.max(1, deadline - Date.now()), 'SSE response');
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let idx;
        while ((idx = buf.search(/\r?\n\r?\n/)) >= 0) {
          const ev = buf.slice(0, idx);
          buf = buf.slice(idx).replace(/^\r?\n\r?\n/, '');
          const data = ev
            .split(/\r?\n/)
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).replace(/^ /, ''))
            .join('\n');
          if (!data) continue;
          const m = JSON.parse(data);
          msgs.push(m);
          if ('result' in m || 'error' in m) return msgs;
        }
      }
    } finally {
      reader.cancel().catch(() => {});
    }
    return msgs;
  }
  const text = await res.text();
  if (!text) return [];
  const j = JSON.parse(text);
  return Array.isArray(j) ? j : [j];
}

/** Raw initialize over Streamable HTTP; returns {sessionId, protocolVersion, response}. */
export async function rawInitialize(url, protocolVersion = '2025-06-18') {
  const res = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: MCP_ACCEPT },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion, capabilities: {}, clientInfo: { name: 'raw-e2e', version: '1' } },
    }),
  });
  assert.equal(res.status, 200, `initialize HTTP status`);
  const sessionId = res.headers.get('mcp-session-id');
  const msgs = await readJsonRpcResponse(res);
  const resp = msgs.find((m) => m.id === 1);
  assert.ok(resp?.result, `initialize result: ${safeJson(msgs)}`);
  return { sessionId, protocolVersion: resp.result.protocolVersion, response: resp };
}

/** Runs `mcproxy <args>` synchronously (for CLI tests). */
export function runCli(args, { timeoutMs = 10000 } = {}) {
  requireFile(MCPROXY_BIN, 'mcproxy binary');
  const r = spawnSync(MCPROXY_BIN, args, { encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, signal: r.signal, stdout: r.stdout || '', stderr: r.stderr || '', error: r.error };
}
