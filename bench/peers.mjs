#!/usr/bin/env node
// MCProxy against the Node MCP gateways on npm, in one run, on this machine, with the same
// backends and the same client (the official SDK, bench/package.json pins every version):
//   direct stdio (the floor), MCProxy, supergateway (stateful Streamable HTTP, and its default
//   SSE mode), mcp-proxy, mcp-hub.
//
//   node bench/peers.mjs [--targets direct,mcproxy,...] [--calls 2000] [--warmup 200]
//                        [--duration 5] [--sessions 1,4,16] [--backends 10] [--no-everything]
//                        [--no-c-client] [--c-sessions 1,16]
//                        [--out FILE] [--svg FILE] [--max-seconds S]
//
// Figures per target: echo tools/call p50/p99 at one session, calls/s at 1/4/16 sessions,
// cold start with 10 backends until every tool is listed, RSS/PSS of the gateway's own
// processes (backends excluded), reload latency, crash-recovery time; then each as a ratio to
// the best peer and to direct stdio. bench/README.md ("Peers") explains how each is measured.
// The latency p50 and calls/s are measured a second time with the C client mcp-raw-latency
// (bench/raw_client: one thread, no MCP library), so that the gateways' capacity shows rather
// than the SDK client's; it is ${MCP_RAW_LATENCY_BIN:-${MCPROXY_BUILD_DIR}/bench/mcp-raw-latency}.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setMaxListeners } from 'node:events';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { summarize, usBetween, table, round1, round2 } from './lib/stats.mjs';
import { procMem, machineInfo } from './lib/proc.mjs';
import { latencyOf, runCClient } from './lib/c_client.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..');
const BUILD_DIR = path.resolve(process.env.MCPROXY_BUILD_DIR || path.join(REPO_ROOT, 'build'));
const TEST_SERVER_BIN = path.join(BUILD_DIR, 'tests', 'testserver', 'mcp-test-server');
// bench/raw_client: the C client of the "C client" rows; optional (skipped with a note if absent).
const RAW_CLIENT_BIN = path.resolve(process.env.MCP_RAW_LATENCY_BIN || path.join(BUILD_DIR, 'bench', 'mcp-raw-latency'));

let T;
try {
  T = await import('./lib/targets.mjs');
} catch (e) {
  if (e.code !== 'ERR_MODULE_NOT_FOUND') throw e;
  console.error(`${e.message}\n\nInstall the benchmark's pinned dependencies first:  npm ci --prefix bench`);
  process.exit(2);
}
const { latencyPlot } = await import('./lib/svg.mjs');
const { TARGETS, launch, connectSdk, classifyTree, backendPids, testServerBackend, everythingBackend, pkgVersion } = T;

// The SDK adds an abort listener per request to a shared signal; polling loops would warn.
setMaxListeners(0);

const { values: argv } = parseArgs({
  options: {
    targets: { type: 'string', default: 'direct,mcproxy,supergateway,supergateway-sse,mcp-proxy,mcp-hub' },
    calls: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '200' },
    'latency-max-seconds': { type: 'string', default: '10' },
    duration: { type: 'string', default: '5' },
    sessions: { type: 'string', default: '1,4,16' },
    backends: { type: 'string', default: '10' },
    'no-everything': { type: 'boolean', default: false },
    'no-c-client': { type: 'boolean', default: false },
    'c-sessions': { type: 'string' },
    out: { type: 'string', default: path.join(HERE, 'results', 'peers-latest.json') },
    svg: { type: 'string', default: path.join(HERE, 'results', 'peers-latency.svg') },
    'max-seconds': { type: 'string', default: '1200' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (argv.help) {
  console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 18).join('\n').replace(/^\/\/ ?/gm, ''));
  process.exit(0);
}
const OPT = {
  targets: argv.targets.split(',').map((s) => s.trim()).filter(Boolean),
  calls: Number(argv.calls),
  warmup: Number(argv.warmup),
  latencyMaxS: Number(argv['latency-max-seconds']),
  durationS: Number(argv.duration),
  sessions: argv.sessions.split(',').map(Number),
  backends: Number(argv.backends),
  everything: !argv['no-everything'],
  cClient: !argv['no-c-client'],
  out: path.resolve(argv.out),
  svg: path.resolve(argv.svg),
  maxSeconds: Number(argv['max-seconds']),
};
OPT.cSessions = argv['c-sessions'] ? argv['c-sessions'].split(',').map(Number) : [...new Set([1, Math.max(...OPT.sessions)])];
for (const t of OPT.targets) if (!TARGETS[t]) throw new Error(`unknown target ${t}; known: ${Object.keys(TARGETS).join(', ')}`);
for (const p of [path.join(BUILD_DIR, 'supervisor', 'mcproxy'), TEST_SERVER_BIN]) {
  if (!fs.existsSync(p)) {
    console.error(`${p} not found: build first (scripts/build.sh) or set MCPROXY_BUILD_DIR`);
    process.exit(2);
  }
}

const PRIMARY = { direct: 'stdio', mcproxy: 'streamable', supergateway: 'streamable', 'supergateway-sse': 'sse', 'mcp-proxy': 'streamable', 'mcp-hub': 'sse' };
const COLD_START_DEADLINE_MS = 60000;
const CRASH_DEADLINE_MS = 15000;
const RELOAD_DEADLINE_MS = 30000;

const log = (...a) => console.error('[peers]', ...a);
const anomalies = [];
const note = (m) => {
  anomalies.push(m);
  log(`NOTE: ${m}`);
};
const now = () => process.hrtime.bigint();
const msSince = (t) => Number(now() - t) / 1e6;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const live = new Set(); // handles to stop on abort
const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcproxy-peers-'));
const ctx = { dir: runDir, buildDir: BUILD_DIR };

const watchdog = setTimeout(async () => {
  console.error(`[peers] ABORT: run exceeded --max-seconds ${OPT.maxSeconds}`);
  for (const h of live) await h.stop();
  process.exit(3);
}, OPT.maxSeconds * 1000);
watchdog.unref();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    for (const h of live) await h.stop();
    process.exit(130);
  });
}

// ---------------------------------------------------------------------------
// Measurements
// ---------------------------------------------------------------------------

function checkEcho(res, backend, text) {
  if (res?.isError) throw new Error(`isError: ${JSON.stringify(res).slice(0, 200)}`);
  const got = res?.content?.[0]?.text;
  const want = backend.echoText(text);
  if (got !== want) throw new Error(`echoed ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
}

/** An echo caller for session i of handle h: returns () => Promise (throws on a wrong answer). */
function echoCaller(h, client, i, timeoutMs) {
  const b = h.backends[i % h.backends.length];
  const tool = h.toolName(i, 'echo');
  let k = 0;
  return async () => {
    const text = `s${i}-${k++}`;
    checkEcho(await client.call(tool, b.echoArgs(text), timeoutMs), b, text);
  };
}

/** Spawns the target and waits until every endpoint lists all its tools; the clients stay open. */
async function coldStart(id, backends, toolsPerBackend) {
  const t0 = now();
  const h = await launch(id, backends, ctx);
  live.add(h);
  const deadline = Date.now() + COLD_START_DEADLINE_MS;
  const listed = async (ep) => {
    const want = ep.backends.length * toolsPerBackend;
    let lastErr = null;
    while (Date.now() < deadline) {
      if (!h.alive()) throw new Error(`${id} exited during start-up\n${h.logs()}`);
      let c;
      try {
        c = await connectSdk(ep.transport, ep.target, { connectTimeoutMs: 5000 });
      } catch (e) {
        lastErr = e;
        await sleep(10);
        continue;
      }
      try {
        while (Date.now() < deadline) {
          const tools = await c.listTools();
          if (tools.length >= want) return { client: c, ms: msSince(t0), tools: tools.length };
          await sleep(10);
        }
      } catch (e) {
        lastErr = e;
        await c.close();
      }
    }
    throw new Error(`${id}: not all ${want} tools listed within ${COLD_START_DEADLINE_MS} ms (${lastErr?.message})`);
  };
  const per = await Promise.all(h.endpoints.map(listed));
  const ms = msSince(t0);
  return { h, ms: round1(ms), clients: per.map((p) => p.client), toolsListed: per.reduce((a, p) => a + p.tools, 0) };
}

/** RSS/PSS of the gateway's own processes (the spawned roots and their children minus backends). */
function memoryOf(h) {
  if (h.id === 'direct') return null;
  const { gateway, backend } = classifyTree(h.roots, h.markers);
  const sum = (pids, k) => pids.reduce((a, p) => a + (procMem(p)[k] ?? 0), 0);
  return {
    processes: gateway.length,
    threads: sum(gateway, 'threads'),
    rssKb: sum(gateway, 'rssKb'),
    pssKb: sum(gateway, 'pssKb'),
    backendProcesses: backend.length,
    backendRssKb: sum(backend, 'rssKb'),
  };
}

const PCTS = [1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9];
function percentiles(samples) {
  const s = Float64Array.from(samples).sort();
  const o = {};
  for (const p of PCTS) o[`p${p}`] = round1(s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]);
  return o;
}

/** Sequential echo calls on one session; returns the summary and the samples. */
async function measureLatency(h, variant) {
  log(`  latency ${h.id} ${variant}`);
  const c = await h.connect(variant, 0);
  try {
    const call = echoCaller(h, c, 0);
    const cap = BigInt(Math.round(OPT.latencyMaxS * 1e9));
    const warmEnd = now() + cap / 3n;
    let warm = 0;
    while (warm < OPT.warmup && now() < warmEnd) await call(), warm++;
    const lat = new Float64Array(OPT.calls);
    const tEnd = now() + cap;
    let n = 0;
    while (n < OPT.calls) {
      const a = now();
      await call();
      const b = now();
      lat[n++] = usBetween(a, b);
      if (b >= tEnd) break;
    }
    const samples = lat.subarray(0, n);
    const res = { ...summarize(samples), ...percentiles(samples), warmup: warm };
    if (n < OPT.calls) res.truncated = `stopped at the ${OPT.latencyMaxS} s cap after ${n} calls`;
    return { summary: res, samples: Array.from(samples) };
  } catch (e) {
    note(`latency ${h.id} ${variant}: ${e.message}`);
    return { summary: { error: e.message }, samples: [] };
  } finally {
    await c.close();
  }
}

/** n sessions calling back-to-back until a shared deadline. */
async function measureThroughput(h, variant, n) {
  log(`  throughput ${h.id} ${variant} x${n}`);
  const clients = [];
  try {
    for (let i = 0; i < n; i++) clients.push(await h.connect(variant, i));
    const callers = clients.map((c, i) => echoCaller(h, c, i));
    const lat = [];
    let errors = 0;
    let firstError = null;
    // one warm-up call per session (connection set-up stays out of the timed window)
    await Promise.all(callers.map((f) => f().catch((e) => (errors++, (firstError ??= e.message)))));
    const start = now();
    const end = start + BigInt(Math.round(OPT.durationS * 1e9));
    const per = await Promise.all(
      callers.map(async (call) => {
        let done = 0;
        let errs = 0;
        while (now() < end) {
          const a = now();
          try {
            await call();
            lat.push(usBetween(a, now()));
            done++;
          } catch (e) {
            errs++;
            firstError ??= e.message;
            if (errs >= 20) break;
          }
        }
        errors += errs;
        return done;
      }),
    );
    const elapsedS = Number(now() - start) / 1e9;
    const calls = per.reduce((a, b) => a + b, 0);
    if (errors) note(`throughput ${h.id} ${variant} x${n}: ${errors} failed or wrong calls, first: ${firstError}`);
    const s = summarize(lat);
    return { sessions: n, calls, errors, firstError, callsPerSec: Math.round(calls / elapsedS), p50: s.p50, p99: s.p99 };
  } catch (e) {
    note(`throughput ${h.id} ${variant} x${n}: ${e.message}`);
    return { sessions: n, error: e.message };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}

/**
 * The C client (bench/raw_client, `mcp-raw-latency`) for target `h` over `variant`: session i
 * uses the URL and tool SDK session i uses (comma-separated lists, taken round-robin by the
 * client). Direct stdio: one backend process per session, the same command line for all.
 */
function cClientTarget(h, variant) {
  if (variant === 'stdio') {
    const b = h.backends[0];
    return { mode: 'stdio', opts: [], command: ['--', b.command, ...b.args] };
  }
  const n = h.backends.length;
  const collapse = (xs) => (xs.every((x) => x === xs[0]) ? [xs[0]] : xs);
  const urls = collapse(Array.from({ length: n }, (_, j) => h.urlFor(variant, j)));
  const tools = collapse(Array.from({ length: n }, (_, j) => h.toolName(j, 'echo')));
  return { mode: variant === 'streamable' ? 'http' : 'sse', opts: ['--url', urls.join(','), '--tool', tools.join(',')], command: [] };
}

/** Sequential echo calls on one C-client session (it times each call itself). */
async function measureCLatency(h, variant) {
  log(`  latency ${h.id} ${variant}, C client`);
  const { mode, opts, command } = cClientTarget(h, variant);
  // The client has a 10 s per-call timeout but no overall cap; this bounds a merely slow path.
  const limitMs = Math.max(30000, OPT.latencyMaxS * 3000);
  try {
    const r = await runCClient(RAW_CLIENT_BIN, [mode, ...opts, '--calls', String(OPT.calls), '--warmup', String(OPT.warmup), ...command], limitMs);
    return {
      ...latencyOf(r),
      clientCpuUsPerCall: r.client_cpu_us_per_call,
      tcpConnections: r.tcp_connections ?? null,
    };
  } catch (e) {
    note(`latency ${h.id} ${variant} (C client): ${e.message}`);
    return { error: e.message };
  }
}

/** n C-client sessions, one thread polling them all, calling back-to-back until the deadline. */
async function measureCThroughput(h, variant, n) {
  log(`  throughput ${h.id} ${variant} x${n}, C client`);
  const { mode, opts, command } = cClientTarget(h, variant);
  // Start-up (30 s cap), the last calls (10 s timeout) and closing (6 s) on top of the duration.
  const limitMs = OPT.durationS * 1000 + 60000;
  try {
    const r = await runCClient(RAW_CLIENT_BIN, [mode, ...opts, '--sessions', String(n), '--duration', String(OPT.durationS), ...command], limitMs);
    if (r.errors) note(`throughput ${h.id} ${variant} x${n} (C client): ${r.errors} failed or wrong calls (${r.wrong_answers} wrong answers), first: ${r.first_error}`);
    return {
      sessions: n,
      calls: r.calls,
      errors: r.errors,
      wrongAnswers: r.wrong_answers,
      firstError: r.first_error ?? null,
      callsPerSec: r.calls_per_s,
      p50: r.p50_us,
      p99: r.p99_us,
      elapsedS: r.elapsed_s,
      clientCpuUsPerCall: r.client_cpu_us_per_call,
      tcpConnections: r.tcp_connections ?? null,
    };
  } catch (e) {
    note(`throughput ${h.id} ${variant} x${n} (C client): ${e.message}`);
    return { sessions: n, error: e.message };
  }
}

/** Add-server config edit until the new server's echo answers on an already open session. */
async function measureReload(h) {
  log(`  reload ${h.id}`);
  const c = await h.connect(PRIMARY[h.id], 0);
  try {
    await echoCaller(h, c, 0)();
    const b = testServerBackend(TEST_SERVER_BIN, 'r0');
    const t0 = now();
    h.addServer(b);
    const i = h.backends.length - 1;
    const call = echoCaller(h, c, i, 2000);
    let lastErr = null;
    while (msSince(t0) < RELOAD_DEADLINE_MS) {
      try {
        await call();
        return { ms: round1(msSince(t0)) };
      } catch (e) {
        lastErr = e.message;
        await sleep(2);
      }
    }
    return { ms: null, error: `new tool not callable within ${RELOAD_DEADLINE_MS} ms: ${lastErr}` };
  } finally {
    await c.close();
  }
}

/** SIGKILL the backend behind session 0; time until a call on the same session succeeds again. */
async function measureCrash(h) {
  log(`  crash recovery ${h.id}`);
  const variant = PRIMARY[h.id];
  const c = await h.connect(variant, 0);
  const b = h.backends[0];
  const out = {};
  try {
    const call = echoCaller(h, c, 0, 1000);
    await call();
    const pids = backendPids(h.roots, b);
    if (pids.length !== 1) return { error: `expected one backend process for ${b.name}, found ${pids.length}` };
    const t0 = now();
    process.kill(pids[0], 'SIGKILL');
    let lastErr = null;
    let failures = 0;
    while (msSince(t0) < CRASH_DEADLINE_MS) {
      try {
        await call();
        out.ms = round1(msSince(t0));
        break;
      } catch (e) {
        failures++;
        lastErr = e.message;
        await sleep(2);
      }
    }
    out.failedCallsBeforeRecovery = failures;
    if (out.ms == null) {
      out.sameSession = `does not recover (${CRASH_DEADLINE_MS / 1000} s)`;
      out.lastError = lastErr?.slice(0, 200);
      // Does a new session work (a client that reconnects)?
      const t1 = now();
      try {
        const c2 = await h.connect(variant, 0);
        try {
          await echoCaller(h, c2, 0, 2000)();
          out.newSession = `works (${round1(msSince(t1))} ms to connect and call)`;
        } finally {
          await c2.close();
        }
      } catch (e) {
        out.newSession = `fails: ${e.message.slice(0, 160)}`;
      }
    }
    out.gatewayAlive = h.alive();
    return out;
  } catch (e) {
    return { ...out, error: e.message };
  } finally {
    await c.close();
  }
}

async function toolCount(backend) {
  const c = await connectSdk('stdio', backend);
  try {
    return (await c.listTools()).length;
  } finally {
    await c.close();
  }
}

// ---------------------------------------------------------------------------
// One target
// ---------------------------------------------------------------------------

async function runTarget(id, nTools, samplesOut) {
  const spec = TARGETS[id];
  log(`${id}: ${spec.label}`);
  const names = Array.from({ length: OPT.backends }, (_, i) => `t${i}`);
  const r = { label: spec.label, variants: spec.variants, loadavg1mAtStart: round2(os.loadavg()[0]) };
  let h;
  try {
    const cs = await coldStart(id, names.map((n) => testServerBackend(TEST_SERVER_BIN, n)), nTools.testserver);
    h = cs.h;
    r.coldStartMs = cs.ms;
    r.toolsListed = cs.toolsListed;
    r.memIdle = memoryOf(h); // every backend running, the cold-start clients still connected
    await Promise.all(cs.clients.map((c) => c.close()));

    r.latency = {};
    for (const v of spec.variants) {
      const { summary, samples } = await measureLatency(h, v);
      r.latency[v] = summary;
      samplesOut.push({ key: `${id}/${v}`, id, variant: v, samples });
    }
    r.throughput = {};
    for (const v of spec.variants) {
      r.throughput[v] = [];
      for (const n of OPT.sessions) r.throughput[v].push(await measureThroughput(h, v, n));
    }
    r.memAfterLoad = memoryOf(h);
    if (OPT.cClient) {
      // After memAfterLoad, so that figure stays the SDK load's, as in earlier runs.
      r.cClient = { latency: {}, throughput: {} };
      for (const v of spec.variants) r.cClient.latency[v] = await measureCLatency(h, v);
      for (const v of spec.variants) {
        r.cClient.throughput[v] = [];
        for (const n of OPT.cSessions) r.cClient.throughput[v].push(await measureCThroughput(h, v, n));
      }
    }
    r.reload = spec.reload ? { how: spec.reload, ...(await measureReload(h)) } : { na: spec.reloadNa };
    r.crash = id === 'direct' ? { na: 'no gateway: the client owns the process' } : await measureCrash(h);
  } catch (e) {
    note(`${id}: ${e.message}`);
    r.error = e.message;
  } finally {
    if (h) {
      await h.stop();
      live.delete(h);
    }
  }
  return r;
}

async function runEverything(id, nTools, samplesOut) {
  log(`${id}: with server-everything backends`);
  const names = Array.from({ length: OPT.backends }, (_, i) => `e${i}`);
  const r = {};
  let h;
  try {
    const cs = await coldStart(id, names.map((n) => everythingBackend(n)), nTools.everything);
    h = cs.h;
    r.coldStartMs = cs.ms;
    r.memIdle = memoryOf(h);
    await Promise.all(cs.clients.map((c) => c.close()));
    const v = PRIMARY[id];
    const { summary, samples } = await measureLatency(h, v);
    r.latency = { [v]: summary };
    samplesOut.push({ key: `${id}/${v}/everything`, id, variant: v, samples });
  } catch (e) {
    note(`${id} (everything): ${e.message}`);
    r.error = e.message;
  } finally {
    if (h) {
      await h.stop();
      live.delete(h);
    }
  }
  return r;
}

// ---------------------------------------------------------------------------
// Summary: rows of figures, best peer, ratios, goals
// ---------------------------------------------------------------------------

const PEERS = ['supergateway', 'supergateway-sse', 'mcp-proxy', 'mcp-hub'];
const VLABEL = { streamable: 'Streamable HTTP', sse: 'SSE', stdio: 'stdio' };

/** [{ key, label, better: 'lower'|'higher', unit, values: {target: number|string|null}, vsDirect: bool }] */
function buildRows(res) {
  const rows = [];
  const T_ = res.targets;
  const E_ = res.everything || {};
  const get = (id, f) => {
    const t = T_[id];
    if (!t || t.error) return null;
    try {
      return f(t);
    } catch {
      return null;
    }
  };
  const direct = (f) => get('direct', f);
  const add = (key, label, better, unit, f, { vsDirect = true, directVal } = {}) => {
    const values = {};
    for (const id of OPT.targets) values[id] = id === 'direct' ? (directVal !== undefined ? directVal : get(id, f)) : get(id, f);
    rows.push({ key, label, better, unit, values, vsDirect });
  };
  for (const v of ['streamable', 'sse']) {
    const dLat = direct((t) => t.latency.stdio);
    const lat = (k) => (t) => t.latency[v]?.[k] ?? null;
    add(`p50-${v}`, `echo p50, 1 session, ${VLABEL[v]} (µs)`, 'lower', 'us', lat('p50'), { directVal: dLat?.p50 ?? null });
    add(`p99-${v}`, `echo p99, 1 session, ${VLABEL[v]} (µs)`, 'lower', 'us', lat('p99'), { directVal: dLat?.p99 ?? null });
    add(`added-${v}`, `gateway-added p50, ${VLABEL[v]} (µs)`, 'lower', 'us', (t) => (t.latency[v]?.p50 != null && dLat?.p50 != null ? round1(t.latency[v].p50 - dLat.p50) : null), { vsDirect: false, directVal: 0 });
  }
  for (const v of ['streamable', 'sse']) {
    for (const n of OPT.sessions) {
      const tp = (t) => {
        const x = t.throughput?.[v]?.find((y) => y.sessions === n);
        if (!x || x.error) return null;
        if (x.errors && /echoed/.test(x.firstError ?? '')) return 'wrong answers*';
        return x.errors ? `${x.callsPerSec}*` : x.callsPerSec;
      };
      const d = direct((t) => t.throughput.stdio.find((y) => y.sessions === n).callsPerSec);
      add(`tput${n}-${v}`, `calls/s, ${n} session${n > 1 ? 's' : ''}, ${VLABEL[v]}`, 'higher', 'n', tp, { directVal: d });
    }
  }
  if (OPT.cClient) {
    const C = ', C client';
    for (const v of ['streamable', 'sse']) {
      const dLat = direct((t) => t.cClient.latency.stdio);
      const lat = (t) => t.cClient?.latency?.[v]?.p50 ?? null;
      add(`p50-${v}-c`, `echo p50, 1 session, ${VLABEL[v]}${C} (µs)`, 'lower', 'us', lat, { directVal: dLat?.p50 ?? null });
      add(`added-${v}-c`, `gateway-added p50, ${VLABEL[v]}${C} (µs)`, 'lower', 'us', (t) => (lat(t) != null && dLat?.p50 != null ? round1(lat(t) - dLat.p50) : null), { vsDirect: false, directVal: 0 });
    }
    for (const v of ['streamable', 'sse']) {
      for (const n of OPT.cSessions) {
        const tp = (t) => {
          const x = t.cClient?.throughput?.[v]?.find((y) => y.sessions === n);
          if (!x || x.error) return null;
          if (x.wrongAnswers) return 'wrong answers*';
          return x.errors ? `${x.callsPerSec}*` : x.callsPerSec;
        };
        const d = direct((t) => t.cClient.throughput.stdio.find((y) => y.sessions === n).callsPerSec);
        add(`tput${n}-${v}-c`, `calls/s, ${n} session${n > 1 ? 's' : ''}, ${VLABEL[v]}${C}`, 'higher', 'n', tp, { directVal: d });
      }
    }
  }
  add('cold', `cold start, ${OPT.backends} test-server backends, until all tools listed (ms)`, 'lower', 'ms', (t) => t.coldStartMs);
  if (res.everything) {
    const ge = (id, f) => {
      const t = E_[id];
      if (!t || t.error) return null;
      try {
        return f(t);
      } catch {
        return null;
      }
    };
    const values = {};
    for (const id of OPT.targets) values[id] = ge(id, (t) => t.coldStartMs);
    rows.push({ key: 'cold-everything', label: `cold start, ${OPT.backends} server-everything backends (ms)`, better: 'lower', unit: 'ms', values, vsDirect: true });
    const lv = {};
    for (const id of OPT.targets) lv[id] = ge(id, (t) => t.latency[PRIMARY[id]].p50);
    rows.push({ key: 'p50-everything', label: 'echo p50, 1 session, server-everything backend, main transport (µs)', better: 'lower', unit: 'us', values: lv, vsDirect: true });
    const mv = {};
    for (const id of OPT.targets) mv[id] = id === 'direct' ? null : ge(id, (t) => round2(t.memIdle.rssKb / 1024));
    rows.push({ key: 'rss-everything', label: `RSS of the gateway's processes, ${OPT.backends} server-everything backends (MiB)`, better: 'lower', unit: 'MiB', values: mv, vsDirect: false });
  }
  add('rss-idle', `RSS of the gateway's processes, ${OPT.backends} test-server backends (MiB)`, 'lower', 'MiB', (t) => round2(t.memIdle.rssKb / 1024), { vsDirect: false, directVal: null });
  add('pss-idle', `PSS of the same (MiB)`, 'lower', 'MiB', (t) => round2(t.memIdle.pssKb / 1024), { vsDirect: false, directVal: null });
  add('rss-load', `RSS of the same after the load (MiB)`, 'lower', 'MiB', (t) => round2(t.memAfterLoad.rssKb / 1024), { vsDirect: false, directVal: null });
  add('procs', `gateway processes / threads`, 'none', 'n', (t) => `${t.memIdle.processes} / ${t.memIdle.threads}`, { vsDirect: false, directVal: null });
  add('reload', 'reload: add-server edit → new tool callable (ms)', 'lower', 'ms', (t) => t.reload?.ms ?? (t.reload?.na ? 'n/a' : t.reload?.error ? 'fails' : null), { vsDirect: false, directVal: 'n/a' });
  add('crash', 'crash: backend SIGKILL → call on the same session succeeds (ms)', 'lower', 'ms', (t) => t.crash?.ms ?? (t.crash?.sameSession ?? (t.crash?.na ? 'n/a' : null)), { vsDirect: false, directVal: 'n/a' });
  for (const row of rows) {
    const peerVals = PEERS.filter((p) => OPT.targets.includes(p))
      .map((p) => [p, row.values[p]])
      .filter(([, v]) => typeof v === 'number');
    if (row.better !== 'none' && peerVals.length) {
      const best = peerVals.reduce((a, b) => ((row.better === 'lower' ? b[1] < a[1] : b[1] > a[1]) ? b : a));
      row.bestPeer = { id: best[0], value: best[1] };
    }
    const m = row.values.mcproxy;
    const d = row.values.direct;
    row.mcproxyOverBestPeer = typeof m === 'number' && row.bestPeer?.value ? round2(m / row.bestPeer.value) : null;
    row.mcproxyOverDirect = row.vsDirect && typeof m === 'number' && typeof d === 'number' && d ? round2(m / d) : null;
    row.bestPeerOverDirect = row.vsDirect && row.bestPeer && typeof d === 'number' && d ? round2(row.bestPeer.value / d) : null;
  }
  return rows;
}

function goals(rows) {
  const row = (k) => rows.find((r) => r.key === k);
  const out = [];
  for (const v of ['streamable', 'sse']) {
    const a = row(`added-${v}`)?.values.mcproxy;
    out.push({ goal: `gateway-added p50 ≤ 50 µs over direct (${VLABEL[v]})`, measured: a == null ? null : `${a} µs`, met: a != null && a <= 50 });
  }
  const n = Math.max(...OPT.sessions);
  for (const v of ['streamable', 'sse']) {
    const r = row(`tput${n}-${v}`);
    if (!r?.bestPeer) continue;
    out.push({
      goal: `≥ 10× the best peer's throughput at ${n} sessions (${VLABEL[v]}; best peer ${r.bestPeer.id} ${r.bestPeer.value}/s)`,
      measured: `${r.values.mcproxy}/s = ${r.mcproxyOverBestPeer}×`,
      met: exactRatio(r) != null && exactRatio(r) >= 10,
    });
  }
  const nc = Math.max(...OPT.cSessions);
  for (const v of ['streamable', 'sse']) {
    const r = row(`tput${nc}-${v}-c`);
    if (!r?.bestPeer) continue;
    out.push({
      goal: `≥ 10× the best peer's throughput at ${nc} sessions (${VLABEL[v]}, C client; best peer ${r.bestPeer.id} ${r.bestPeer.value}/s)`,
      measured: `${r.values.mcproxy}/s = ${r.mcproxyOverBestPeer}×`,
      met: exactRatio(r) != null && exactRatio(r) >= 10,
    });
  }
  for (const k of ['rss-idle', 'rss-load']) {
    const r = row(k);
    if (!r?.bestPeer) continue;
    out.push({
      goal: `RSS ≤ 1/5 of the best peer's (${k === 'rss-idle' ? 'idle' : 'after load'}; best peer ${r.bestPeer.id} ${r.bestPeer.value} MiB)`,
      measured: `${r.values.mcproxy} MiB = ${exactRatio(r)?.toFixed(3)}×`,
      met: exactRatio(r) != null && exactRatio(r) <= 0.2,
    });
  }
  return out;
}

/** MCProxy over the best peer, unrounded: a goal is judged on it (0.2018 rounds to 0.2). */
function exactRatio(r) {
  const m = r.values.mcproxy;
  return typeof m === 'number' && r.bestPeer?.value ? m / r.bestPeer.value : null;
}

function fmt(v, unit) {
  if (v == null) return '-';
  if (typeof v !== 'number') return String(v);
  if (unit === 'us') return v >= 10000 ? `${Math.round(v)}` : v.toFixed(0);
  if (unit === 'ms') return v >= 100 ? v.toFixed(0) : v.toFixed(1);
  if (unit === 'MiB') return v.toFixed(1);
  return String(v);
}

const SHORT = { direct: 'direct', mcproxy: 'MCProxy', supergateway: 'supergateway', 'supergateway-sse': 'superg. SSE', 'mcp-proxy': 'mcp-proxy', 'mcp-hub': 'mcp-hub' };

function report(res) {
  const out = [];
  const m = res.meta;
  out.push(`MCProxy vs peers  ${m.startedAt}`);
  out.push(`host: ${m.host.cpus} CPUs (${m.host.cpuModel}), Linux ${m.host.kernel}; node ${m.node}`);
  out.push(`versions: ${Object.entries(m.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  out.push(`mcproxy: ${m.buildDir} (${m.build ?? '?'}), git ${m.git}; ${OPT.backends} backends; whole run ${m.totalRunS} s`);
  out.push('');
  const rows = res.rows;
  const header = ['figure', ...OPT.targets.map((t) => SHORT[t]), 'best peer', 'MCProxy÷best', 'MCProxy÷direct', 'best÷direct'];
  const body = rows.map((r) => [
    r.label,
    ...OPT.targets.map((t) => fmt(r.values[t], r.unit)),
    r.bestPeer ? SHORT[r.bestPeer.id] : '-',
    r.mcproxyOverBestPeer ?? '-',
    r.mcproxyOverDirect ?? '-',
    r.bestPeerOverDirect ?? '-',
  ]);
  out.push(table([header, ...body]));
  out.push('* some calls failed or got another session\'s answer (see notes); direct throughput: one backend process per session');
  if (OPT.cClient) out.push(`C client: ${path.relative(process.cwd(), RAW_CLIENT_BIN)} (bench/raw_client), one thread polling every session, no MCP library`);
  out.push('');
  out.push('Crash recovery details:');
  for (const id of OPT.targets) {
    const c = res.targets[id]?.crash;
    if (!c || c.na) continue;
    out.push(`  ${SHORT[id]}: ${c.ms != null ? `${c.ms} ms, ${c.failedCallsBeforeRecovery} calls failed fast before` : `${c.sameSession ?? c.error}${c.lastError ? ` (last error: ${c.lastError.slice(0, 90)})` : ''}; new session: ${c.newSession ?? '-'}`}; gateway process alive after: ${c.gatewayAlive}`);
  }
  out.push('');
  out.push('Goals:');
  for (const g of res.goals) out.push(`  ${g.met ? 'MET    ' : 'NOT MET'}  ${g.goal}: ${g.measured}`);
  if (anomalies.length) {
    out.push('');
    out.push('Notes:');
    for (const a of anomalies) out.push(`  - ${a.split('\n')[0].slice(0, 240)}`);
  }
  console.log(out.join('\n'));
}

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

function buildType() {
  try {
    const opts = JSON.parse(fs.readFileSync(path.join(BUILD_DIR, 'meson-info', 'intro-buildoptions.json'), 'utf8'));
    const get = (n) => opts.find((o) => o.name === n)?.value;
    return `${get('buildtype')}, -O${get('optimization')}, sanitize=${get('b_sanitize')}`;
  } catch {
    return null;
  }
}

async function main() {
  const t0 = now();
  const meta = {
    startedAt: new Date().toISOString(),
    host: { cpus: os.cpus().length, ...machineInfo(), loadavgStart: os.loadavg().map(round2) },
    node: process.version,
    versions: Object.fromEntries(
      ['@modelcontextprotocol/sdk', 'supergateway', 'mcp-proxy', 'mcp-hub', '@modelcontextprotocol/server-everything'].map((p) => [p, pkgVersion(p)]),
    ),
    buildDir: BUILD_DIR,
    cClient: OPT.cClient ? RAW_CLIENT_BIN : null,
    build: buildType(),
    git: (() => {
      try {
        return execFileSync('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
      } catch {
        return null;
      }
    })(),
    options: { ...OPT, out: path.relative(REPO_ROOT, OPT.out), svg: path.relative(REPO_ROOT, OPT.svg) },
  };
  if (OPT.cClient && !fs.existsSync(RAW_CLIENT_BIN)) {
    note(`C client rows skipped: ${RAW_CLIENT_BIN} is not built (ninja -C ${path.relative(REPO_ROOT, BUILD_DIR) || '.'} bench/mcp-raw-latency, or set MCP_RAW_LATENCY_BIN)`);
    OPT.cClient = false;
    meta.cClient = null;
  }
  const nTools = { testserver: await toolCount(testServerBackend(TEST_SERVER_BIN, 'probe')) };
  if (OPT.everything) nTools.everything = await toolCount(everythingBackend('probe'));
  log(`tools per backend: ${JSON.stringify(nTools)}`);
  meta.toolsPerBackend = nTools;

  const samples = [];
  const res = { meta, targets: {}, everything: OPT.everything ? {} : undefined };
  for (const id of OPT.targets) res.targets[id] = await runTarget(id, nTools, samples);
  if (OPT.everything) for (const id of OPT.targets) res.everything[id] = await runEverything(id, nTools, samples);

  meta.totalRunS = round1(Number(now() - t0) / 1e9);
  meta.loadavgEnd = os.loadavg().map(round2);
  res.rows = buildRows(res);
  res.goals = goals(res.rows);
  res.anomalies = anomalies;

  const series = samples
    .filter((s) => !s.key.endsWith('/everything') && s.samples.length)
    .map((s) => ({ label: `${TARGETS[s.id].label.replace(/ \(.*\)$/, '')} — ${VLABEL[s.variant]}`, samplesUs: s.samples }));
  fs.mkdirSync(path.dirname(OPT.svg), { recursive: true });
  fs.writeFileSync(
    OPT.svg,
    latencyPlot(series, {
      title: 'echo tools/call latency, one session (SDK client, C++ test-server backend)',
      subtitle: `${meta.startedAt.slice(0, 16)} UTC, ${meta.host.cpus} vCPU ${meta.host.cpuModel ?? ''}; ${OPT.calls} calls per path`,
    }),
  );
  fs.mkdirSync(path.dirname(OPT.out), { recursive: true });
  fs.writeFileSync(OPT.out, JSON.stringify(res, null, 2) + '\n');
  report(res);
  console.log(`\nJSON: ${path.relative(process.cwd(), OPT.out)}\nSVG:  ${path.relative(process.cwd(), OPT.svg)}`);
  fs.rmSync(runDir, { recursive: true, force: true });
  clearTimeout(watchdog);
}

main().then(
  () => process.exit(0),
  async (e) => {
    console.error(`[peers] FAILED: ${e.stack || e}`);
    for (const h of live) await h.stop();
    process.exit(2);
  },
);
