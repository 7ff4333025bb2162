#!/usr/bin/env node
// MCProxy benchmark: latency, throughput and memory of the gateway, measured in one run
// against a direct stdio baseline, with the official MCP TypeScript SDK client.
//
//   node bench/bench.mjs [--calls 2000] [--warmup 200] [--duration 5] [--sessions 1,4,16]
//                        [--backends 10] [--no-raw] [--no-c-client] [--latency-max-seconds 10]
//                        [--drain-seconds 20] [--out FILE] [--max-seconds S]
//
// See bench/README.md for what is measured and how to read the output.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { startGateway, waitFor, descendants } from './lib/gateway.mjs';
import { summarize, usBetween, table, fmtUs, fmtKb, round1, round2 } from './lib/stats.mjs';
import { procMem, procStat, cpuOf, selfCpuUs, machineInfo } from './lib/proc.mjs';
import { latencyOf, runCClient } from './lib/c_client.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

// The SDK comes from bench/node_modules (bench/package.json + package-lock.json pin it).
let clients;
try {
  clients = await import('./lib/clients.mjs');
} catch (e) {
  if (e.code !== 'ERR_MODULE_NOT_FOUND') throw e;
  console.error(`${e.message}\n\nInstall the benchmark's pinned dependencies first:  npm ci --prefix bench`);
  process.exit(2);
}
const { connectDirect, connectStreamable, connectSse, connectRawStdio, connectRawHttp, withDeadline } = clients;
const REPO_ROOT = path.resolve(HERE, '..');
const BUILD_DIR = path.resolve(process.env.MCPROXY_BUILD_DIR || path.join(REPO_ROOT, 'build'));
const TEST_SERVER_BIN = path.join(BUILD_DIR, 'tests', 'testserver', 'mcp-test-server');
// bench/raw_client: the client of paths (g) and (h); optional (skipped with a note if absent).
const RAW_LATENCY_BIN = path.resolve(process.env.MCP_RAW_LATENCY_BIN || path.join(BUILD_DIR, 'bench', 'mcp-raw-latency'));

const TARGET_ADDED_P50_US = 50;
const TARGET_RSS_MB = 30;

// ---------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------

const { values: argv } = parseArgs({
  options: {
    calls: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '200' },
    duration: { type: 'string', default: '5' },
    sessions: { type: 'string', default: '1,4,16' },
    backends: { type: 'string', default: '10' },
    'no-raw': { type: 'boolean', default: false },
    'no-c-client': { type: 'boolean', default: false },
    'latency-max-seconds': { type: 'string', default: '10' },
    'drain-seconds': { type: 'string', default: '20' },
    out: { type: 'string', default: path.join(HERE, 'results', 'latest.json') },
    'max-seconds': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (argv.help) {
  console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 8).join('\n').replace(/^\/\/ ?/gm, ''));
  process.exit(0);
}
const posInt = (name, v) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${v}`);
  return n;
};
const OPT = {
  calls: Math.max(1, posInt('calls', argv.calls)),
  warmup: posInt('warmup', argv.warmup),
  durationS: Number(argv.duration),
  sessions: argv.sessions.split(',').map((s) => Math.max(1, posInt('sessions', s.trim()))),
  backends: Math.max(1, posInt('backends', argv.backends)),
  raw: !argv['no-raw'],
  cClient: !argv['no-c-client'],
  // A latency path stops early after this long (measured) / a third of it (warm-up), so a
  // path with pathological latency cannot blow the run-time bound; the sample count is reported.
  latencyMaxS: Number(argv['latency-max-seconds']),
  drainS: Number(argv['drain-seconds']),
  out: path.resolve(argv.out),
};
if (!(OPT.durationS > 0)) throw new Error(`--duration must be > 0 seconds`);
// Default bound: generous over the expected run time (3 throughput modes x levels x duration,
// latency at up to ~2 ms per call) but never below 3 minutes.
const expectedS =
  3 * OPT.sessions.length * (OPT.durationS + 1) +
  ((OPT.raw ? 6 : 3) + (OPT.cClient ? 2 : 0)) * (OPT.latencyMaxS * 4) / 3 +
  OPT.drainS +
  20;
OPT.maxSeconds = argv['max-seconds'] ? Number(argv['max-seconds']) : Math.max(180, Math.ceil(expectedS * 2));

for (const [p, what] of [
  [path.join(BUILD_DIR, 'supervisor', 'mcproxy'), 'mcproxy'],
  [TEST_SERVER_BIN, 'mcp-test-server'],
]) {
  if (!fs.existsSync(p)) {
    console.error(`${what} not found at ${p}: build first (meson setup build && ninja -C build) or set MCPROXY_BUILD_DIR`);
    process.exit(2);
  }
}

// ---------------------------------------------------------------------------
// Run-wide state, watchdog and cleanup
// ---------------------------------------------------------------------------

let gw = null;
let phase = 'init';
const anomalies = [];
const log = (...a) => console.error('[bench]', ...a);
const note = (msg) => {
  anomalies.push(msg);
  log(`WARNING: ${msg}`);
};

const watchdog = setTimeout(async () => {
  console.error(`[bench] ABORT: run exceeded --max-seconds ${OPT.maxSeconds} during phase "${phase}"`);
  if (gw) {
    console.error(`--- gateway stderr tail ---\n${gw.tail()}`);
    await gw.kill();
  }
  process.exit(3);
}, OPT.maxSeconds * 1000);
watchdog.unref();

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    if (gw) await gw.kill();
    process.exit(130);
  });
}

const now = () => process.hrtime.bigint();

// ---------------------------------------------------------------------------
// Measurement helpers
// ---------------------------------------------------------------------------

/** CPU counters (µs) of the client and the processes behind a path. */
function cpuSnap(pids) {
  const s = { client: selfCpuUs() };
  for (const [k, list] of Object.entries(pids)) s[k] = cpuOf(list).us;
  return s;
}

function cpuPerCall(a, b, calls) {
  const out = {};
  for (const k of Object.keys(a)) out[k] = calls ? round1((b[k] - a[k]) / calls) : null;
  return out;
}

/** Gateway processes relevant to a set of server names: supervisor, their workers, their backends. */
async function gatewayPids(names) {
  const st = await gw.status();
  const sel = st.servers.filter((s) => names.includes(s.name));
  return {
    supervisor: [gw.pid],
    worker: sel.map((s) => s.workerPid).filter(Boolean),
    backend: sel.map((s) => s.backendPid).filter(Boolean),
  };
}

/** Sequential latency: `warmup` unmeasured calls, then `calls` measured ones. */
async function measureLatency(label, connect, pidsOf) {
  phase = `latency ${label}`;
  log(`latency: ${label}`);
  let client;
  try {
    client = await connect();
    const capNs = BigInt(Math.round(OPT.latencyMaxS * 1e9));
    const warmEnd = now() + capNs / 3n;
    let warm = 0;
    while (warm < OPT.warmup && now() < warmEnd) await client.call(`w${warm++}`);
    const pids = await pidsOf(client);
    const lat = new Float64Array(OPT.calls);
    const c0 = cpuSnap(pids);
    const t0 = now();
    const tEnd = t0 + capNs;
    let n = 0;
    while (n < OPT.calls) {
      const text = `m${n}`;
      const a = now();
      await client.call(text);
      const b = now();
      lat[n++] = usBetween(a, b);
      if (b >= tEnd) break;
    }
    const wallS = Number(now() - t0) / 1e9;
    const c1 = cpuSnap(pids);
    const res = { ...summarize(lat.subarray(0, n)), warmup: warm, wallS: round2(wallS), cpuUsPerCall: cpuPerCall(c0, c1, n) };
    if (n < OPT.calls || warm < OPT.warmup) {
      res.truncated = true;
      note(`latency ${label}: stopped at the ${OPT.latencyMaxS} s cap after ${warm} warm-up + ${n} measured calls`);
    }
    if (client.connections) {
      res.tcpConnections = client.connections();
      res.keepAliveHeader = client.keepAliveHeader;
    }
    return res;
  } catch (e) {
    note(`latency ${label} failed: ${e.message}`);
    return { error: e.message };
  } finally {
    if (client) await withDeadline(client.close(), 5000, `${label} close`).catch((e) => note(e.message));
  }
}

/**
 * Sequential latency measured by the C client (bench/raw_client, `mcp-raw-latency`), which
 * times each call itself: `mcp-raw-latency MODE --calls N --warmup W ...args`. CPU of the gateway processes (`pidsOf`) is
 * taken around the whole run and divided by warm-up + measured calls (the same echo call); the
 * client's and, for stdio, the backend's come from the program and cover the measured calls only.
 */
async function measureCClient(label, mode, args, pidsOf) {
  phase = `latency ${label}`;
  log(`latency: ${label}`);
  const pids = pidsOf ? await pidsOf() : {};
  const c0 = cpuSnap(pids);
  const t0 = now();
  // The program has its own 10 s per-call timeout; this bounds a path that is merely slow.
  const limitMs = Math.max(15000, Math.round(OPT.latencyMaxS * 2000));
  let r;
  let failure;
  try {
    r = await runCClient(RAW_LATENCY_BIN, [mode, '--calls', String(OPT.calls), '--warmup', String(OPT.warmup), ...args], limitMs);
  } catch (e) {
    failure = e.message;
  }
  const wallS = Number(now() - t0) / 1e9;
  const c1 = cpuSnap(pids);
  if (failure) {
    note(`latency ${label} failed: ${failure}`);
    return { error: failure };
  }
  const gatewayCpu = cpuPerCall(c0, c1, r.calls + r.warmup);
  const res = {
    ...latencyOf(r),
    wallS: round2(wallS),
    cpuUsPerCall: {
      client: r.client_cpu_us_per_call,
      supervisor: gatewayCpu.supervisor ?? null,
      worker: gatewayCpu.worker ?? null,
      backend: r.backend_cpu_us_per_call ?? gatewayCpu.backend ?? null,
    },
    client: 'mcp-raw-latency',
  };
  if (r.tcp_connections != null) {
    res.tcpConnections = r.tcp_connections;
    if (r.tcp_connections !== 1) note(`latency ${label}: the C client needed ${r.tcp_connections} TCP connections (1 expected)`);
  }
  return res;
}

/** `n` sessions calling back-to-back until a shared deadline; returns calls/s and latency under load. */
async function measureThroughput(mode, n, connectFor, pidsOf) {
  phase = `throughput ${mode} x${n}`;
  log(`throughput: ${mode} with ${n} session(s), ${OPT.durationS} s`);
  const clients = [];
  try {
    for (let i = 0; i < n; i++) clients.push(await connectFor(i));
    // one warm-up call per session, so connection setup is not in the timed window
    await Promise.all(clients.map((c) => c.call('warm')));
    const pids = await pidsOf(clients);
    const lat = [];
    let errors = 0;
    let firstError = null;
    const c0 = cpuSnap(pids);
    const start = now();
    const end = start + BigInt(Math.round(OPT.durationS * 1e9));
    const perSession = await Promise.all(
      clients.map(async (c, idx) => {
        let done = 0;
        let errs = 0;
        for (let k = 0; now() < end; k++) {
          const a = now();
          try {
            await c.call(`s${idx}-${k}`);
            lat.push(usBetween(a, now()));
            done++;
          } catch (e) {
            errs++;
            firstError ??= e.message;
            if (errs >= 20) break; // a broken session: stop hammering it
          }
        }
        errors += errs;
        return done;
      }),
    );
    const elapsedS = Number(now() - start) / 1e9;
    const c1 = cpuSnap(pids);
    const calls = perSession.reduce((a, b) => a + b, 0);
    if (errors) note(`throughput ${mode} x${n}: ${errors} failed calls, first: ${firstError}`);
    const s = summarize(lat);
    return {
      mode,
      sessions: n,
      calls,
      errors,
      firstError,
      elapsedS: round2(elapsedS),
      callsPerSec: Math.round(calls / elapsedS),
      perSessionCalls: perSession,
      latencyUnderLoadUs: { p50: s.p50, p90: s.p90, p99: s.p99, mean: s.mean },
      cpuUsPerCall: cpuPerCall(c0, c1, calls),
    };
  } catch (e) {
    note(`throughput ${mode} x${n} failed: ${e.message}`);
    return { mode, sessions: n, error: e.message };
  } finally {
    await Promise.all(
      clients.map((c) => withDeadline(c.close(), 5000, `${mode} close`).catch((e) => note(e.message))),
    );
  }
}

/** RSS/PSS of the supervisor and each worker (not backends), plus backends for information. */
function memorySnapshot(status) {
  const sup = procMem(gw.pid);
  const workers = status.servers.map((s) => ({ name: s.name, ...procMem(s.workerPid) }));
  const backends = status.servers.map((s) => ({ name: s.name, ...procMem(s.backendPid) }));
  const sum = (list, k) => (list.some((x) => x[k] == null) ? null : list.reduce((a, x) => a + x[k], 0));
  const both = [sup, ...workers];
  // sanity: workers must be direct children of the supervisor, backends children of workers
  for (const s of status.servers) {
    const w = procStat(s.workerPid);
    if (!w || w.ppid !== gw.pid) note(`worker ${s.name} pid ${s.workerPid} is not a child of the supervisor (${JSON.stringify(w)})`);
    const b = procStat(s.backendPid);
    if (!b || b.ppid !== s.workerPid) note(`backend ${s.name} pid ${s.backendPid} is not a child of its worker (${JSON.stringify(b)})`);
  }
  return {
    supervisor: sup,
    workers,
    total: { rssKb: sum(both, 'rssKb'), pssKb: sum(both, 'pssKb'), hwmKb: sum(both, 'hwmKb') },
    workersOnly: { rssKb: sum(workers, 'rssKb'), pssKb: sum(workers, 'pssKb') },
    backendsInfo: { rssKb: sum(backends, 'rssKb'), pssKb: sum(backends, 'pssKb') },
  };
}

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

function gitInfo() {
  try {
    const commit = execFileSync('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty =
      execFileSync('git', ['-C', REPO_ROOT, 'status', '--porcelain', '--untracked-files=no', '--', ':!bench'], {
        encoding: 'utf8',
      }).trim() !== '';
    return { commit, dirtyOutsideBench: dirty };
  } catch {
    return { commit: null };
  }
}

function buildType() {
  try {
    const opts = JSON.parse(fs.readFileSync(path.join(BUILD_DIR, 'meson-info', 'intro-buildoptions.json'), 'utf8'));
    const get = (n) => opts.find((o) => o.name === n)?.value;
    return { buildtype: get('buildtype'), optimization: get('optimization'), b_sanitize: get('b_sanitize'), b_ndebug: get('b_ndebug') };
  } catch {
    return null;
  }
}

function sdkVersion() {
  try {
    const p = path.join(HERE, 'node_modules', '@modelcontextprotocol', 'sdk', 'package.json');
    return JSON.parse(fs.readFileSync(p, 'utf8')).version;
  } catch {
    return null;
  }
}

async function main() {
  const runStart = now();
  const startedAt = new Date().toISOString();
  const meta = {
    startedAt,
    host: { cpus: os.cpus().length, ...machineInfo(), memTotalMB: Math.round(os.totalmem() / 2 ** 20), loadavgStart: os.loadavg().map(round2) },
    node: process.version,
    sdk: sdkVersion(),
    buildDir: BUILD_DIR,
    build: buildType(),
    binaries: Object.fromEntries(
      [
        ['mcproxy', path.join(BUILD_DIR, 'supervisor', 'mcproxy')],
        ['mcproxy-worker', path.join(BUILD_DIR, 'worker', 'mcproxy-worker')],
        ['mcp-test-server', TEST_SERVER_BIN],
        ['mcp-raw-latency', RAW_LATENCY_BIN],
      ].map(([k, p]) => [k, fs.existsSync(p) ? fs.statSync(p).mtime.toISOString() : null]),
    ),
    git: gitInfo(),
    options: { ...OPT, out: path.relative(REPO_ROOT, OPT.out) },
  };

  // One gateway with N test-server backends serves every gateway measurement.
  phase = 'gateway startup';
  const names = Array.from({ length: OPT.backends }, (_, i) => `t${i}`);
  const servers = Object.fromEntries(names.map((n) => [n, { command: TEST_SERVER_BIN, args: ['--name', n] }]));
  log(`starting gateway from ${BUILD_DIR} with ${OPT.backends} backends`);
  gw = await startGateway({ buildDir: BUILD_DIR, servers });
  log(`gateway ready at ${gw.url} in ${gw.startupMs.toFixed(0)} ms (supervisor pid ${gw.pid})`);
  if (gw.readyStatus.pid !== gw.pid) note(`/status pid ${gw.readyStatus.pid} != spawned pid ${gw.pid}`);

  const memStartup = memorySnapshot(gw.readyStatus);

  // 1. Latency ------------------------------------------------------------------
  const directPids = (c) => ({ backend: [c.pid] });
  const viaGw = () => gatewayPids(['t0']);
  const latency = {};
  latency.direct = await measureLatency('(a) direct stdio', () => connectDirect(TEST_SERVER_BIN, 't0'), directPids);
  latency.streamable = await measureLatency('(b) gateway Streamable HTTP', () => connectStreamable(gw.url, 't0'), viaGw);
  latency.sse = await measureLatency('(c) gateway legacy SSE', () => connectSse(gw.url, 't0'), viaGw);
  if (OPT.raw) {
    latency.rawStdio = await measureLatency('(d) raw stdio, no SDK', () => connectRawStdio(TEST_SERVER_BIN, 't0'), directPids);
    latency.rawHttp = await measureLatency('(e) raw HTTP /mcp keep-alive, no SDK', () => connectRawHttp(gw.url, 't0'), viaGw);
    latency.rawHttpClose = await measureLatency(
      '(f) raw HTTP /mcp new connection per call, no SDK',
      () => connectRawHttp(gw.url, 't0', { keepAlive: false }),
      viaGw,
    );
  }
  // Supplementary, no client library at all: a C client (bench/raw_client).
  const notes = [];
  if (OPT.cClient && !fs.existsSync(RAW_LATENCY_BIN)) {
    notes.push(`paths (g) and (h) skipped: ${RAW_LATENCY_BIN} is not built (ninja -C ${path.relative(REPO_ROOT, BUILD_DIR) || '.'} bench/mcp-raw-latency)`);
    log(notes[notes.length - 1]);
  } else if (OPT.cClient) {
    latency.cStdio = await measureCClient('(g) raw stdio, C client', 'stdio', ['--', TEST_SERVER_BIN, '--name', 't0'], null);
    latency.cHttp = await measureCClient(
      '(h) raw HTTP /mcp keep-alive, C client',
      'http',
      ['--url', `${gw.url}/mcp`, '--tool', 't0__echo'],
      viaGw,
    );
  }

  const p50 = (k) => latency[k]?.p50 ?? null;
  const diff = (x, y) => (p50(x) != null && p50(y) != null ? round1(p50(x) - p50(y)) : null);
  const ratio = (x, y) => (p50(x) != null && p50(y) ? round2(p50(x) / p50(y)) : null);
  const derived = {
    gatewayAddedP50Us: { streamable: diff('streamable', 'direct'), sse: diff('sse', 'direct') },
    ratioP50: { streamableOverDirect: ratio('streamable', 'direct'), sseOverDirect: ratio('sse', 'direct') },
  };
  if (OPT.raw) {
    derived.rawGatewayAddedP50Us = { keepAlive: diff('rawHttp', 'rawStdio'), newConnection: diff('rawHttpClose', 'rawStdio') };
  }
  if (latency.cStdio) {
    derived.cClientGatewayAddedP50Us = diff('cHttp', 'cStdio');
    derived.cClientRatioP50 = ratio('cHttp', 'cStdio');
  }

  // 2. Throughput ---------------------------------------------------------------
  // Gateway session i talks to backend t(i mod backends), so load spreads over workers
  // like independent clients using several servers; direct session i spawns its own process.
  const throughput = [];
  const modes = [
    ['direct', (i) => connectDirect(TEST_SERVER_BIN, `t${i % OPT.backends}`), (cs) => ({ backend: cs.map((c) => c.pid) })],
    ['streamable', (i) => connectStreamable(gw.url, names[i % OPT.backends]), () => gatewayPids(names)],
    ['sse', (i) => connectSse(gw.url, names[i % OPT.backends]), () => gatewayPids(names)],
  ];
  for (const [mode, connectFor, pidsOf] of modes) {
    for (const n of OPT.sessions) {
      const r = await measureThroughput(mode, n, connectFor, pidsOf);
      // sessions the gateway still counts right after this level's clients closed
      if (mode !== 'direct') r.gatewaySessionsAfterClose = (await gw.status()).sessions;
      throughput.push(r);
    }
  }

  // 3. Memory after load -----------------------------------------------------------
  // Measured right after the last client closed; then the bench waits (deadline) for the
  // gateway to drop every session and records how long that took.
  phase = 'memory after load';
  const stAfter = await gw.status();
  for (const s of stAfter.servers) {
    if (s.state !== 'ready' || s.restarts) note(`server ${s.name} after load: state=${s.state} restarts=${s.restarts} lastExit=${s.lastExit}`);
  }
  const memAfter = memorySnapshot(stAfter);
  memAfter.gatewaySessions = stAfter.sessions;
  phase = 'session drain';
  const drain = { sessionsAtStart: stAfter.sessions, deadlineS: OPT.drainS };
  {
    const t = now();
    try {
      await waitFor(async () => (await gw.status()).sessions?.total === 0, {
        timeoutMs: OPT.drainS * 1000,
        intervalMs: 50,
        what: 'sessions.total == 0',
      });
      drain.drained = true;
    } catch {
      drain.drained = false;
    }
    drain.seconds = round2(Number(now() - t) / 1e9);
    const st = await gw.status();
    drain.sessionsAtEnd = st.sessions;
    drain.memory = memorySnapshot(st).total;
    if (stAfter.sessions.total > 0) {
      note(
        `${stAfter.sessions.total} gateway sessions (${JSON.stringify(stAfter.sessions)}) were still open after every client had closed; ` +
          (drain.drained ? `they were dropped ${drain.seconds} s later` : `still ${st.sessions.total} after ${OPT.drainS} s`),
      );
    }
  }
  const leftovers = descendants(gw.pid).length;

  // Shutdown ----------------------------------------------------------------------
  phase = 'gateway shutdown';
  const stop = await gw.stop();
  if (stop.code !== 0 || stop.forced) note(`gateway shutdown: ${JSON.stringify(stop)}`);
  const errLines = gw.stderr().split('\n').filter((l) => /\b(ERROR|CRIT|WARN|WARNING)\b|Sanitizer|runtime error:/.test(l));
  if (errLines.length) note(`gateway stderr has ${errLines.length} WARN/ERROR lines, e.g.: ${errLines.slice(0, 3).join(' | ')}`);
  if (stop.code === 0 && !errLines.length) fs.rmSync(gw.dir, { recursive: true, force: true });

  const totalRunS = Number(now() - runStart) / 1e9;
  const rssTotalMB = (kb) => (kb == null ? null : round2(kb / 1024));
  const targets = {
    gatewayAddedP50: {
      targetUs: TARGET_ADDED_P50_US,
      streamableUs: derived.gatewayAddedP50Us.streamable,
      sseUs: derived.gatewayAddedP50Us.sse,
      met:
        derived.gatewayAddedP50Us.streamable != null &&
        derived.gatewayAddedP50Us.sse != null &&
        Math.max(derived.gatewayAddedP50Us.streamable, derived.gatewayAddedP50Us.sse) <= TARGET_ADDED_P50_US,
      // The same bound with no client library on either side: what the gateway itself adds.
      cClientUs: derived.cClientGatewayAddedP50Us ?? null,
      cClientMet:
        derived.cClientGatewayAddedP50Us == null ? null : derived.cClientGatewayAddedP50Us <= TARGET_ADDED_P50_US,
    },
    rssSupervisorPlusWorkers: {
      targetMB: TARGET_RSS_MB,
      backends: OPT.backends,
      startupMB: rssTotalMB(memStartup.total.rssKb),
      afterLoadMB: rssTotalMB(memAfter.total.rssKb),
      met: Math.max(memStartup.total.rssKb ?? Infinity, memAfter.total.rssKb ?? Infinity) / 1024 <= TARGET_RSS_MB,
    },
  };

  const result = {
    meta: { ...meta, loadavgEnd: os.loadavg().map(round2), totalRunS: round2(totalRunS), gatewayStartupMs: round1(gw.startupMs), gatewayStop: stop },
    latencyUs: latency,
    derived,
    throughput,
    memory: { startup: memStartup, afterLoad: memAfter, afterDrain: drain, descendantsAtEnd: leftovers },
    targets,
    notes,
    anomalies,
  };
  fs.mkdirSync(path.dirname(OPT.out), { recursive: true });
  fs.writeFileSync(OPT.out, JSON.stringify(result, null, 2) + '\n');
  report(result);
  console.log(`\nJSON: ${path.relative(process.cwd(), OPT.out) || OPT.out}`);
  clearTimeout(watchdog);
  return anomalies.length ? 1 : 0;
}

// ---------------------------------------------------------------------------
// Human-readable report
// ---------------------------------------------------------------------------

function report(r) {
  const m = r.meta;
  const out = [];
  const b = m.build ? `${m.build.buildtype}, -O${m.build.optimization}, sanitize=${m.build.b_sanitize}` : 'unknown build';
  out.push(`MCProxy benchmark  ${m.startedAt}`);
  out.push(`host: ${m.host.cpus} CPUs (${m.host.cpuModel}), Linux ${m.host.kernel}; node ${m.node}; SDK ${m.sdk}`);
  out.push(`gateway: ${m.buildDir} (${b}), git ${m.git.commit}${m.git.dirtyOutsideBench ? ' +local changes' : ''}`);
  out.push(`${m.options.backends} test-server backends, ready in ${m.gatewayStartupMs} ms; whole run ${m.totalRunS} s`);
  out.push(`load average (1/5/15 min) at start ${m.host.loadavgStart.join(' ')}, at end ${m.loadavgEnd.join(' ')}`);

  out.push('');
  out.push(`1. Latency of echo tools/call, sequential, ${m.options.calls} calls after ${m.options.warmup} warm-up (µs)`);
  const L = r.latencyUs;
  const lrow = (label, k, base) => {
    const x = L[k];
    if (!x) return null;
    if (x.error) return [label, 'ERROR', x.error.slice(0, 60)];
    const cpu = x.cpuUsPerCall;
    const cpuStr = ['client', 'supervisor', 'worker', 'backend']
      .map((c) => (cpu[c] == null ? '-' : cpu[c].toFixed(0)))
      .join('/');
    const rat = base && L[base]?.p50 ? (x.p50 / L[base].p50).toFixed(2) : '';
    return [label, fmtUs(x.p50), fmtUs(x.p90), fmtUs(x.p99), fmtUs(x.mean), rat, cpuStr];
  };
  const rows = [['path', 'p50', 'p90', 'p99', 'mean', 'p50/(a)', 'CPU µs/call cli/sup/wrk/be']];
  rows.push(lrow('(a) direct stdio, SDK (floor)', 'direct', 'direct'));
  rows.push(lrow('(b) gateway Streamable HTTP, SDK', 'streamable', 'direct'));
  rows.push(lrow('(c) gateway legacy SSE, SDK', 'sse', 'direct'));
  if (L.rawStdio) {
    rows.push(lrow('(d) raw stdio, no SDK', 'rawStdio', 'rawStdio'));
    rows.push(lrow('(e) raw HTTP /mcp keep-alive, no SDK', 'rawHttp', 'rawStdio'));
    rows.push(lrow('(f) raw HTTP /mcp conn per call, no SDK', 'rawHttpClose', 'rawStdio'));
  }
  if (L.cStdio) {
    rows.push(lrow('(g) raw stdio, C client', 'cStdio', 'cStdio'));
    rows.push(lrow('(h) raw HTTP /mcp keep-alive, C client', 'cHttp', 'cStdio'));
  }
  out.push(table(rows.filter(Boolean)));
  const d = r.derived;
  const t = r.targets.gatewayAddedP50;
  out.push('');
  out.push(
    `gateway-added p50: Streamable HTTP ${sign(d.gatewayAddedP50Us.streamable)} µs (b/a = ${d.ratioP50.streamableOverDirect}), ` +
      `SSE ${sign(d.gatewayAddedP50Us.sse)} µs (c/a = ${d.ratioP50.sseOverDirect})`,
  );
  if (d.rawGatewayAddedP50Us != null) {
    out.push(
      `without the SDK client (ratios in the table are over (d)): keep-alive (e) − (d) = ${sign(d.rawGatewayAddedP50Us.keepAlive)} µs, ` +
        `new connection per call (f) − (d) = ${sign(d.rawGatewayAddedP50Us.newConnection)} µs`,
    );
    if (L.rawHttp?.tcpConnections != null) {
      out.push(
        `raw keep-alive client (e) opened ${L.rawHttp.tcpConnections} TCP connections for ${L.rawHttp.n} measured calls ` +
          `(server's Keep-Alive header: ${L.rawHttp.keepAliveHeader ?? 'none'})`,
      );
    }
  }
  if (d.cClientGatewayAddedP50Us !== undefined) {
    out.push(
      `gateway-added p50 without any client library: (h) − (g) = ${sign(d.cClientGatewayAddedP50Us)} µs ` +
        `(h/g = ${d.cClientRatioP50 ?? '-'}; ratios of (g), (h) in the table are over (g))`,
    );
  }
  for (const n of r.notes ?? []) out.push(`note: ${n}`);
  out.push(`target gateway-added p50 ≤ ${t.targetUs} µs, SDK client: ${t.met ? 'MET' : 'NOT MET'}`);
  if (t.cClientMet != null) {
    out.push(`target gateway-added p50 ≤ ${t.targetUs} µs, C client (h) − (g): ${t.cClientMet ? 'MET' : 'NOT MET'}`);
  }

  out.push('');
  out.push(`2. Throughput (calls/s), each session back-to-back for ${m.options.durationS} s; [p50/p99 µs under load]`);
  const modes = ['direct', 'streamable', 'sse'];
  const trows = [['sessions', 'direct stdio*', 'gateway Streamable HTTP', 'gateway legacy SSE']];
  for (const n of m.options.sessions) {
    trows.push([
      String(n),
      ...modes.map((mode) => {
        const x = r.throughput.find((y) => y.mode === mode && y.sessions === n);
        if (!x) return '-';
        if (x.error) return 'ERROR';
        const l = x.latencyUnderLoadUs;
        return `${x.callsPerSec}${x.errors ? ` (${x.errors} err)` : ''} [${fmtUs(l.p50)}/${fmtUs(l.p99)}]`;
      }),
    ]);
  }
  out.push(table(trows));
  out.push(`* direct: one mcp-test-server process per session; gateway: session i uses backend t(i mod ${m.options.backends}).`);
  out.push(`  The load generator (this Node process) runs on the same ${m.host.cpus} CPUs as the gateway and backends.`);
  const lingering = r.throughput.filter((x) => x.gatewaySessionsAfterClose?.total);
  if (lingering.length) {
    out.push(
      `  gateway sessions still open just after each level's clients closed: ` +
        lingering.map((x) => `${x.mode} x${x.sessions}: ${x.gatewaySessionsAfterClose.total}`).join(', '),
    );
  }
  const cpuRows = [['CPU µs per call', ...m.options.sessions.map((n) => `${n} sess cli/sup/wrk/be`)]];
  for (const mode of modes) {
    cpuRows.push([
      mode,
      ...m.options.sessions.map((n) => {
        const x = r.throughput.find((y) => y.mode === mode && y.sessions === n);
        if (!x?.cpuUsPerCall) return '-';
        return ['client', 'supervisor', 'worker', 'backend']
          .map((c) => (x.cpuUsPerCall[c] == null ? '-' : x.cpuUsPerCall[c].toFixed(0)))
          .join('/');
      }),
    ]);
  }
  out.push(table(cpuRows));

  out.push('');
  const M = r.memory;
  out.push(`3. Memory, ${m.options.backends} backends configured (MiB; backends not counted)`);
  const mrows = [['process', 'pid', 'RSS start', 'PSS start', 'RSS after', 'PSS after', 'peak RSS', 'threads']];
  const mr = (label, a, z) => [label, String(z.pid ?? a.pid), fmtKb(a.rssKb), fmtKb(a.pssKb), fmtKb(z.rssKb), fmtKb(z.pssKb), fmtKb(z.hwmKb), String(z.threads ?? '-')];
  mrows.push(mr('supervisor', M.startup.supervisor, M.afterLoad.supervisor));
  M.afterLoad.workers.forEach((w, i) => mrows.push(mr(`worker ${w.name}`, M.startup.workers[i] || {}, w)));
  mrows.push(['supervisor + workers', '', fmtKb(M.startup.total.rssKb), fmtKb(M.startup.total.pssKb), fmtKb(M.afterLoad.total.rssKb), fmtKb(M.afterLoad.total.pssKb), fmtKb(M.afterLoad.total.hwmKb), '']);
  mrows.push(['(info) 10 backends', '', fmtKb(M.startup.backendsInfo.rssKb), fmtKb(M.startup.backendsInfo.pssKb), fmtKb(M.afterLoad.backendsInfo.rssKb), fmtKb(M.afterLoad.backendsInfo.pssKb), '', '']);
  if (m.options.backends !== 10) mrows[mrows.length - 1][0] = `(info) ${m.options.backends} backends`;
  out.push(table(mrows));
  const rt = r.targets.rssSupervisorPlusWorkers;
  out.push(
    `target supervisor + ${rt.backends} workers ≤ ${rt.targetMB} MB RSS: ${rt.met ? 'MET' : 'NOT MET'} ` +
      `(startup ${rt.startupMB} MiB, after load ${rt.afterLoadMB} MiB)`,
  );
  const dr = M.afterDrain;
  out.push(
    `sessions open after the load: ${dr.sessionsAtStart.total}; ` +
      (dr.drained ? `all dropped after ${dr.seconds} s` : `${dr.sessionsAtEnd.total} still open after ${dr.deadlineS} s`) +
      `; supervisor + workers RSS then ${fmtKb(dr.memory.rssKb)} MiB`,
  );
  if (r.anomalies.length) {
    out.push('');
    out.push('ANOMALIES:');
    for (const a of r.anomalies) out.push(`  - ${a}`);
  }
  console.log(out.join('\n'));
}

function sign(x) {
  return x == null ? '-' : `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
}

main().then(
  (code) => process.exit(code),
  async (e) => {
    console.error(`[bench] FAILED in phase "${phase}": ${e.stack || e}`);
    if (gw) {
      console.error(`--- gateway stderr tail ---\n${gw.tail()}`);
      await gw.kill();
    }
    process.exit(2);
  },
);
