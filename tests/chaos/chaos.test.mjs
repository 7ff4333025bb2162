// Chaos: the real gateway under continuous load from 16 SDK client sessions (half legacy SSE,
// half Streamable HTTP) calling tools on 10 backends, while faults are injected at random:
// backends and workers killed with SIGKILL, a worker stopped (SIGSTOP), backends that exit,
// stop reading stdin, print garbage or a 50 MB line, grow past memoryLimitMB, exit during
// initialize; big replies; config reloads that add, remove and change servers with calls
// running; clients that vanish in the middle of a call on both transports.
//
// What must hold, one test each: the supervisor never dies; every call is answered (a result
// or a JSON-RPC error) before its deadline, and every result is the right one; no session we
// did not close is lost; after a quiet settle the supervisor holds exactly the file
// descriptors, threads, shared memory and processes it held before the load, and its RSS is
// back near its baseline. Settings: lib/settings.mjs; figures and reasoning: README.md.

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { startGateway, stopGateway, waitFor, withDeadline, TEST_SERVER_BIN, stderrProblems } from '../e2e/lib/gateway.mjs';
import { waitForLog, writeAtomic } from '../e2e/lib/ops.mjs';
import { readSettings, Rng } from './lib/settings.mjs';
import { Ledger, openSession } from './lib/session.mjs';
import { runLoad, judge, expect } from './lib/load.mjs';
import { FaultInjector, makeSchedule } from './lib/faults.mjs';
import { fdCensus, threadCount, rssKB, shmSegments, treeCensus, strays, plainGet, getStatus } from './lib/census.mjs';

const settings = readSettings();
const TAG = `chaos${process.pid}s${settings.seed}`;

// Per-server settings: short enough that hung and over-limit backends are found within
// seconds, so that hundreds of faults fit in a minute.
const TIMEOUT_MS = 3000;
const MEMORY_LIMIT_MB = 100;
const SERVER_SETTINGS = {
  timeoutMs: TIMEOUT_MS,
  pingIntervalMs: 1000,
  pingTimeoutMs: 1000,
  initTimeoutMs: 5000,
  memoryLimitMB: MEMORY_LIMIT_MB,
};
// Backoff short enough to keep up with the faults; a server killed 20 times in a row within a
// second of each start goes "failed" and is retried 2 s later (that path is exercised too).
const GATEWAY_SETTINGS = {
  restart: { initialMs: 100, maxMs: 1000, stableMs: 1000, maxFastFailures: 20, failedRetryMs: 2000 },
};
// A call must be answered by the gateway's own deadline (timeoutMs) plus this much for the
// way back on a loaded two-core machine; the SDK's own timeout is set far beyond it.
const ANSWER_SLACK_MS = 3000;
// RSS after the settle may exceed the baseline taken after warm-up by this much; see README.md.
const RSS_TOLERANCE_KB = 8 * 1024;
const RSS_TOLERANCE_RATIO = 0.25;
const QUIET_DEADLINE_MS = 75000; // idle HTTP threads leave after 30 s (supervisor/http_front.cpp)
// A stall of the test machine: this process's own 50-ms timer more than this late. A call that
// fails in time or in transport within STALL_MARGIN_MS of a stall is counted as excused, not
// as a violation (the gateway closes a connection that brings no request for 3 s).
const STALL_MS = 1000;
const STALL_MARGIN_MS = 4000;

// The TAP reporter turns what a test prints into "# " comment lines.
function line(text) {
  for (const l of String(text).split('\n')) console.log(l);
}

function configText(stable, transients) {
  const servers = {};
  const entry = (name, extra = [], more = {}) => ({
    command: TEST_SERVER_BIN,
    args: ['--name', `${TAG}-${name}`, '--fault-tools', ...extra],
    ...SERVER_SETTINGS,
    ...more,
  });
  for (const name of stable) servers[name] = entry(name);
  for (const [name, t] of transients) {
    servers[name] = entry(name, [...(t.initExit ? ['--exit-during-init'] : []), ...(t.variant ? ['--tools', '2'] : [])],
      t.retuned ? { timeoutMs: TIMEOUT_MS + 1000 } : {});
  }
  return JSON.stringify({ mcproxy: GATEWAY_SETTINGS, mcpServers: servers }, null, 2);
}

/** Owner pid of a status-board segment (its header), or 0. */
function shmOwner(name) {
  try {
    const b = fs.readFileSync(path.join('/dev/shm', name));
    return b.length >= 16 ? b.readInt32LE(12) : 0;
  } catch {
    return 0;
  }
}

/** Everything the supervisor holds right now. */
function census(gw) {
  const tree = treeCensus(gw.pid);
  const pids = new Set([gw.pid, ...tree.map((p) => p.pid)]);
  const shm = shmSegments();
  return {
    fds: fdCensus(gw.pid, gw.port),
    threads: threadCount(gw.pid),
    rssKB: rssKB(gw.pid),
    tree,
    strays: strays(TAG, tree),
    shmAll: shm,
    shmOurs: shm.filter((n) => pids.has(shmOwner(n))),
  };
}

function summarizeCensus(c) {
  return {
    fds: c.fds.total,
    connections: c.fds.connections,
    threads: c.threads,
    rssKB: c.rssKB,
    processes: c.tree.length,
    zombiesOrStopped: c.tree.filter((p) => p.state === 'Z' || p.state === 'T').length,
    strays: c.strays.length,
    shmOurs: c.shmOurs.length,
    shmAll: c.shmAll.length,
  };
}

/** What differs between the settled census and the baseline; [] when nothing does. */
function leakProblems(base, now, expectedPids) {
  const p = [];
  if (now.fds.connections) p.push(`fd: ${now.fds.connections} HTTP connection(s) still open`);
  if (now.fds.total !== base.fds.total) p.push(`fd: ${now.fds.total} open, ${base.fds.total} at baseline`);
  if (now.threads !== base.threads) p.push(`thread: ${now.threads} threads, ${base.threads} at baseline`);
  const live = now.tree.filter((x) => x.state !== 'Z');
  const odd = now.tree.filter((x) => x.state === 'Z' || x.state === 'T');
  if (odd.length) p.push(`process: zombie or stopped: ${odd.map((x) => `${x.pid}(${x.state}) ${x.cmd}`).join('; ')}`);
  if (live.length !== base.tree.length) p.push(`process: ${live.length} below the supervisor, ${base.tree.length} at baseline`);
  const unknown = live.filter((x) => !expectedPids.has(x.pid));
  if (unknown.length) p.push(`process: not a current worker or backend: ${unknown.map((x) => `${x.pid} ${x.cmd}`).join('; ')}`);
  if (now.strays.length) p.push(`process: escaped the tree: ${now.strays.map((x) => `${x.pid} ${x.cmd}`).join('; ')}`);
  // A segment that appeared is a leak; one that went away is not (a stale segment whose dead
  // owner's pid a process of ours happened to reuse, cleaned up meanwhile). Nor is one that was
  // there at baseline under another owner's pid and counts as ours now because a worker or
  // backend started since was given that pid (CI, seed 2851606470).
  const added = now.shmOurs.filter((n) => !base.shmAll.includes(n));
  if (added.length) p.push(`shm: ${added.join(', ')} appeared (${base.shmOurs.join(', ')} at baseline)`);
  return p;
}

async function waitStatus(gw, pred, timeoutMs, what) {
  let last;
  try {
    return await waitFor(async () => {
      if (gw.exitInfo()) throw Object.assign(new Error(`gateway exited: ${JSON.stringify(gw.exitInfo())}`), { fatal: true });
      last = await getStatus(gw.url, 3000);
      return pred(last) ? last : null;
    }, { timeoutMs, intervalMs: 50, what });
  } catch (e) {
    throw new Error(`${e.message}\nlast /status: ${JSON.stringify(last)}`);
  }
}

/** Samples health, RSS, fds and threads every 200 ms while the run lasts. */
function startMonitor(gw) {
  const m = { healthChecks: 0, healthFailures: 0, healthExamples: [], maxHealthMs: 0, peak: { rssKB: 0, fds: 0, threads: 0 }, stop: false };
  // How late this process's own timers fire: a lag of seconds would make the clients, not the
  // gateway, slow (and reuse keep-alive connections the server has already closed).
  m.maxLoopLagMs = 0;
  m.maxTestRssMB = 0;
  m.stalls = []; // [from, to]: this process's 50-ms timer came more than STALL_MS late
  let tick = Date.now();
  const lagTimer = setInterval(() => {
    const now = Date.now();
    m.maxLoopLagMs = Math.max(m.maxLoopLagMs, now - tick - 50);
    if (now - tick - 50 > STALL_MS) m.stalls.push([tick, now]);
    m.maxTestRssMB = Math.max(m.maxTestRssMB, Math.round(process.memoryUsage.rss() / 1048576));
    tick = now;
  }, 50);
  m.done = (async () => {
    while (!m.stop && !gw.exitInfo()) {
      const t0 = Date.now();
      try {
        const r = await plainGet(`${gw.url}/health`, 5000);
        if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
      } catch (e) {
        m.healthFailures++;
        if (m.healthExamples.length < 5) m.healthExamples.push(`${new Date().toISOString()} ${e.message}`);
      }
      m.healthChecks++;
      m.maxHealthMs = Math.max(m.maxHealthMs, Date.now() - t0);
      try {
        m.peak.rssKB = Math.max(m.peak.rssKB, rssKB(gw.pid));
        m.peak.fds = Math.max(m.peak.fds, fs.readdirSync(`/proc/${gw.pid}/fd`).length);
        m.peak.threads = Math.max(m.peak.threads, threadCount(gw.pid));
      } catch {}
      await new Promise((r) => setTimeout(r, 200)); // sampling period, not a synchronisation
    }
    clearInterval(lagTimer);
  })();
  return m;
}

/** Keeps the latest /status for the fault injector (every 100 ms). */
function startStatusPoller(gw) {
  const p = { latest: null, errors: 0, stop: false };
  p.done = (async () => {
    while (!p.stop && !gw.exitInfo()) {
      try {
        p.latest = await getStatus(gw.url, 3000);
      } catch {
        p.errors++;
      }
      await new Promise((r) => setTimeout(r, 100)); // sampling period, not a synchronisation
    }
  })();
  return p;
}

function delayUntil(t) {
  const ms = t - Date.now();
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

async function chaosRun(run) {
  const rng = new Rng(settings.seed);
  const schedule = makeSchedule(settings, rng.fork(1));
  const loadRng = rng.fork(2);
  const stable = Array.from({ length: settings.backends }, (_, i) => `s${i}`);
  const transients = new Map();
  const ledger = new Ledger();
  run.ledger = ledger;

  const byKind = {};
  for (const f of schedule) byKind[f.kind] = (byKind[f.kind] || 0) + 1;
  line(`chaos seed ${settings.seed} (replay: CHAOS_SEED=${settings.seed}); ${settings.seconds} s, ${schedule.length} faults scheduled: ${JSON.stringify(byKind)}`);

  // 1. The gateway with the stable backends; nothing talks HTTP to it before the baseline.
  const gw = await startGateway({ configText: configText(stable, transients), waitReady: false });
  run.gw = gw;
  const ready = await waitForLog(gw, /NOTICE ready: (\d+)\/(\d+) servers ready/, { timeoutMs: 30000 });
  assert.equal(`${ready[1]}/${ready[2]}`, `${settings.backends}/${settings.backends}`, 'every backend ready at start');
  await waitFor(() => treeCensus(gw.pid).filter((p) => p.state !== 'Z').length === 2 * settings.backends,
    { timeoutMs: 10000, what: 'a worker and a backend per server' });
  run.cold = census(gw);
  line(`baseline (no HTTP yet): ${JSON.stringify(summarizeCensus(run.cold))}`);

  // 2. Sessions: the load's, and two for the faults' own calls.
  const sessions = [];
  for (let i = 0; i < settings.sessions; i++) {
    const kind = i < settings.sseSessions ? 'sse' : 'streamable';
    sessions.push(await openSession(kind, gw.url, `${kind}${i}`));
  }
  const faultSessions = [await openSession('streamable', gw.url, 'fault-streamable'), await openSession('sse', gw.url, 'fault-sse')];
  run.sessions = [...sessions, ...faultSessions];

  const poller = startStatusPoller(gw);
  const monitor = startMonitor(gw);
  run.monitor = monitor;
  const world = {
    gw,
    stable,
    transients,
    tag: TAG,
    ledger,
    memoryLimitMB: MEMORY_LIMIT_MB,
    callDeadlineMs: TIMEOUT_MS + 1000 + ANSWER_SLACK_MS, // +1000: a retuned transient
    callsPerSession: settings.callsPerSession,
    stopped: false,
    status: () => poller.latest,
    configText: () => configText(stable, transients),
  };
  const injector = new FaultInjector(world, faultSessions);
  run.injector = injector;

  try {
    // 3. Warm-up: the load runs without faults until every session has had answers.
    const load = runLoad(sessions, loadRng, world);
    await waitFor(() => (ledger.outcomes['load/ok'] || 0) >= settings.sessions * 20, {
      timeoutMs: 60000,
      what: `${settings.sessions * 20} successful calls before the faults start`,
    });
    run.warmRssKB = rssKB(gw.pid);
    run.warmHeap = (await getStatus(gw.url)).heap;
    const warmCalls = ledger.total;
    line(`warm-up: ${warmCalls} calls, supervisor RSS ${run.warmRssKB} kB, heap ${JSON.stringify(run.warmHeap)}`);

    // 4. Faults, each at its time, none waiting for another.
    const t0 = Date.now();
    const running = [];
    for (const f of schedule) {
      await delayUntil(t0 + f.at);
      if (gw.exitInfo()) break;
      running.push(injector.run(f));
    }
    await delayUntil(t0 + settings.seconds * 1000);
    world.stopped = true;
    await withDeadline(load, world.callDeadlineMs + 10000, 'the load loops to finish their last calls');
    await withDeadline(Promise.all(running), 60000, 'every fault to finish');
    run.chaosMs = Date.now() - t0;
    run.callsDuringChaos = ledger.total - warmCalls;
    line(`chaos: ${run.chaosMs} ms, ${run.callsDuringChaos} calls, faults ${JSON.stringify(injector.totals())}`);
  } finally {
    injector.cleanup();
    poller.stop = true;
    monitor.stop = true;
    await poller.done;
    await monitor.done;
    ledger.excuseStalls(monitor.stalls, STALL_MARGIN_MS);
  }

  // 5. Back to the stable servers, every one ready, nothing in flight.
  if (transients.size > 0) {
    transients.clear();
    const from = gw.stderr().length;
    writeAtomic(gw.configPath, world.configText());
    await waitForLog(gw, /reloaded \(file change\) in \d+ us: /, { from, timeoutMs: 10000 });
  }
  await waitStatus(gw, (st) => st.servers.length === stable.length &&
    st.servers.every((s) => stable.includes(s.name) && s.state === 'ready') && st.inFlight === 0,
  30000, 'only the stable servers, all ready, no call in flight');

  // 6. Every session still works, on every backend.
  run.lostSessions = [];
  for (const s of run.sessions) {
    const problems = [];
    if (s.closedBy) problems.push(s.closedBy);
    for (const server of stable) {
      const text = `final-${s.label}-${server}`;
      const r = await s.request('tools/call', { name: `${server}__echo`, arguments: { text } }, { deadlineMs: world.callDeadlineMs });
      const kind = judge(world, 'final', `${s.label} ${server}__echo`, r, expect.echo(text));
      if (kind !== 'ok') problems.push(`${server}__echo: ${kind} ${r.error?.message || r.error || ''}`);
    }
    if (problems.length) run.lostSessions.push(`${s.label}: ${problems.join('; ')}`);
  }

  // 7. Close every session on purpose; the gateway must end up with none.
  for (const s of run.sessions) await s.close().catch((e) => ledger.violation('close-failed', `${s.label}: ${e.message}`));
  let last;
  run.leftover = [];
  try {
    last = await waitStatus(gw, (st) => st.sessions.total === 0 && st.inFlight === 0, 20000, 'no session, nothing in flight');
  } catch (e) {
    last = await getStatus(gw.url);
    run.leftover.push(`session: ${JSON.stringify(last.sessions)} sessions and ${last.inFlight} call(s) in flight left after every session was closed`);
  }
  const expectedPids = new Set(last.servers.flatMap((s) => [s.workerPid, s.backendPid]));

  // 8. Quiet settle: no more HTTP from us (an idle HTTP thread leaves 30 s after its last
  //    connection); wait until everything is back at the baseline, or the deadline.
  let now;
  const t1 = Date.now();
  try {
    await waitFor(() => {
      now = census(gw);
      return leakProblems(run.cold, now, expectedPids).length === 0;
    }, { timeoutMs: QUIET_DEADLINE_MS, intervalMs: 250, what: 'the supervisor back at its baseline' });
  } catch {
    // Reported by the leak tests below.
  }
  run.settleMs = Date.now() - t1;
  run.end = now;
  run.endHeap = (await getStatus(gw.url).catch(() => ({}))).heap;
  run.leaks = [...run.leftover, ...leakProblems(run.cold, now, expectedPids)];
  line(`settled after ${run.settleMs} ms: ${JSON.stringify(summarizeCensus(now))}, heap ${JSON.stringify(run.endHeap)}`);
  // The gateway gives free heap back every 10 s once 1 MiB of it is free: the RSS checked below
  // is the one after that, as a user would see it a little later.
  try {
    const trimsBefore = run.endHeap?.trims ?? 0;
    run.trimmedHeap = await waitFor(async () => {
      const heap = (await getStatus(gw.url)).heap;
      return heap.freeKB < 1024 || heap.trims > trimsBefore ? heap : null;
    }, { timeoutMs: 15000, intervalMs: 250, what: 'the free heap given back' });
  } catch {
    run.trimmedHeap = null;  // reported; the RSS check below then sees the untrimmed figure
  }
  run.trimmedRssKB = rssKB(gw.pid);
  line(`after the heap trim: RSS ${run.trimmedRssKB} kB, heap ${JSON.stringify(run.trimmedHeap)}`);
}

function report(run) {
  const inj = run.injector;
  const figures = {
    seed: settings.seed,
    seconds: settings.seconds,
    chaosMs: run.chaosMs,
    sessions: settings.sessions,
    backends: settings.backends,
    calls: run.ledger?.total,
    callsDuringChaos: run.callsDuringChaos,
    outcomes: run.ledger?.byOutcome(),
    outcomesBySource: run.ledger?.outcomes,
    progressNotifications: run.ledger?.progress,
    maxAnswerMs: run.ledger?.maxAnswerMs,
    violations: run.ledger?.violations,
    excusedByStalls: run.ledger?.excused,
    testMachineStalls: run.monitor?.stalls.map(([a, b]) => `${new Date(a).toISOString()} +${b - a} ms`),
    violationExamples: run.ledger?.examples,
    faults: inj?.totals(),
    faultsByKind: inj?.counts,
    reloads: inj?.reloads,
    health: run.monitor && {
      checks: run.monitor.healthChecks,
      failures: run.monitor.healthFailures,
      maxMs: run.monitor.maxHealthMs,
      testProcessMaxLoopLagMs: run.monitor.maxLoopLagMs,
      testProcessMaxRssMB: run.monitor.maxTestRssMB,
      examples: run.monitor.healthExamples,
    },
    baseline: run.cold && summarizeCensus(run.cold),
    end: run.end && summarizeCensus(run.end),
    settleMs: run.settleMs,
    rssKB: run.cold && { baselineCold: run.cold.rssKB, baselineWarm: run.warmRssKB, peak: run.monitor?.peak.rssKB, end: run.end?.rssKB },
    heapKB: { warm: run.warmHeap, end: run.endHeap, trimmed: run.trimmedHeap },
    trimmedRssKB: run.trimmedRssKB,
    peak: run.monitor?.peak,
    lostSessions: run.lostSessions,
    leaks: run.leaks,
    progressAfterAnswer: (run.sessions || []).flatMap((s) => s.progressAfterAnswer.map((m) => `${s.label}: ${m}`)),
    sessionTransportErrors: Object.fromEntries((run.sessions || []).filter((s) => s.transportErrorCount)
      .map((s) => [s.label, { count: s.transportErrorCount, first: s.transportErrors.slice(0, 3) }])),
  };
  const file = settings.report || path.join(os.tmpdir(), `mcproxy-chaos-${settings.seed}.json`);
  fs.writeFileSync(file, JSON.stringify(figures, null, 2));
  if (run.gw) fs.writeFileSync(file.replace(/(\.json)?$/, '.gateway.log'), run.gw.stderr());
  const kinds = Object.entries(figures.faultsByKind || {}).map(([k, c]) => `${k} ${c.injected}/${c.scheduled}`);
  const b = figures.baseline || {};
  const e = figures.end || {};
  line(`figures in ${file}, the gateway's log next to it`);
  line(`calls: ${figures.calls} (${figures.callsDuringChaos} during the faults), max answer ${figures.maxAnswerMs} ms; ${JSON.stringify(figures.outcomes)}`);
  line(`faults injected/scheduled: ${figures.faults?.injected}/${figures.faults?.scheduled}: ${kinds.join(', ')}; reloads ${JSON.stringify(figures.reloads)}`);
  line(`violations: ${JSON.stringify(figures.violations)}; excused (machine stalls ${JSON.stringify(figures.testMachineStalls)}): ${JSON.stringify(figures.excusedByStalls)}`);
  line(`supervisor: /health ${JSON.stringify(figures.health)}; RSS kB ${JSON.stringify(figures.rssKB)}; peak ${JSON.stringify(figures.peak)}`);
  line(`baseline -> settled (${figures.settleMs} ms): fds ${b.fds} -> ${e.fds}, threads ${b.threads} -> ${e.threads}, processes ${b.processes} -> ${e.processes}, our shm ${b.shmOurs} -> ${e.shmOurs}`);
  return figures;
}

describe(`chaos: ${settings.sessions} sessions, ${settings.backends} backends, ${settings.faults} faults in ${settings.seconds} s (seed ${settings.seed})`,
  { timeout: (settings.seconds + 300) * 1000 }, () => {
    const run = {};
    let runError = null;
    const need = () => {
      if (runError) throw new Error(`the chaos run did not complete: ${runError.stack || runError}`);
    };
    after(async () => {
      if (run.gw && !run.gw.exitInfo()) await run.gw.kill();
    });

    it('runs: start, warm-up, load with faults, recovery, settle', async () => {
      try {
        await chaosRun(run);
      } catch (e) {
        runError = e;
        throw e;
      } finally {
        run.figures = report(run);
      }
    });

    it('the supervisor never died and always answered /health', () => {
      assert.ok(run.gw, 'no gateway was started');
      assert.equal(run.gw.exitInfo(), null, `supervisor exited: ${JSON.stringify(run.gw.exitInfo())}`);
      need();
      assert.ok(run.monitor.healthChecks > 0, 'health was checked');
      assert.equal(run.monitor.healthFailures, 0, `/health failures: ${run.monitor.healthExamples.join('; ')}`);
    });

    it('the faults were injected (at least 90% of those scheduled, every kind at least once when scheduled)', () => {
      need();
      const { scheduled, injected } = run.injector.totals();
      assert.equal(scheduled, settings.faults);
      assert.ok(injected >= 0.9 * scheduled, `${injected} of ${scheduled} faults injected: ${JSON.stringify(run.injector.counts)}`);
      for (const [kind, c] of Object.entries(run.injector.counts)) {
        assert.ok(c.scheduled < 3 || c.injected > 0, `${kind}: none of ${c.scheduled} injected: ${JSON.stringify(c.missed)}`);
      }
    });

    it('every call was answered (a result or a JSON-RPC error) before its deadline', () => {
      need();
      const l = run.ledger;
      assert.ok(l.total > settings.sessions * 20, `only ${l.total} calls`);
      for (const kind of ['unanswered', 'transport-error']) {
        assert.equal(l.violationCount(kind), 0, `${kind}: ${JSON.stringify(l.examples[kind], null, 1)}`);
      }
    });

    it('every result was the right one (no crossed, corrupted or refused answers)', () => {
      need();
      const l = run.ledger;
      for (const kind of ['wrong-result', 'bad-answer', 'drain-broken']) {
        assert.equal(l.violationCount(kind), 0, `${kind}: ${JSON.stringify(l.examples[kind], null, 1)}`);
      }
      assert.deepEqual(run.figures.progressAfterAnswer.slice(0, 10), [], 'progress notifications after the answer');
    });

    it('the gateway handled every fault as documented (reloads applied, stopped workers replaced, vanished sessions)', () => {
      need();
      const l = run.ledger;
      for (const kind of ['reload-unobserved', 'reload-diff', 'stopped-worker-kept', 'vanish-session', 'fault-error', 'close-failed']) {
        assert.equal(l.violationCount(kind), 0, `${kind}: ${JSON.stringify(l.examples[kind], null, 1)}`);
      }
    });

    it('no session was lost: every session calls every backend after the faults', () => {
      need();
      assert.deepEqual(run.lostSessions, []);
    });

    for (const what of ['session', 'fd', 'thread', 'process', 'shm']) {
      it(`no ${what} leak: back to the baseline after the quiet settle`, () => {
        need();
        const mine = run.leaks.filter((p) => p.startsWith(`${what}:`));
        const extra = what === 'fd' ? `\nopen fds:\n${run.end.fds.targets.join('\n')}` : '';
        assert.deepEqual(mine, [], `${mine.join('\n')}${mine.length ? extra : ''}`);
      });
    }

    it(`supervisor RSS back to its baseline (within max(${RSS_TOLERANCE_KB} kB, ${RSS_TOLERANCE_RATIO * 100}% of baseline))`, () => {
      need();
      const base = run.warmRssKB;
      const allowed = base + Math.max(RSS_TOLERANCE_KB, Math.round(base * RSS_TOLERANCE_RATIO));
      assert.ok(run.trimmedRssKB <= allowed,
        `RSS ${run.trimmedRssKB} kB after the settle and the heap trim (${run.end.rssKB} kB before it); baseline ${base} kB (cold ${run.cold.rssKB}), allowed ${allowed}, peak ${run.monitor.peak.rssKB}; heap ${JSON.stringify(run.trimmedHeap ?? run.endHeap)}`);
    });

    it('SIGTERM: exit 0 within 5 s, status board removed, no process left, clean log', async () => {
      assert.ok(run.gw, 'no gateway was started');
      const board = `mcproxy-${process.getuid()}-${run.gw.port}`;
      const r = await stopGateway(run.gw, { timeoutMs: 5000 });
      assert.equal(r.code, 0, `exit code (signal ${r.signal})`);
      assert.ok(!fs.existsSync(path.join('/dev/shm', board)), `${board} removed`);
      await waitFor(() => strays(TAG, []).length === 0, { timeoutMs: 5000, what: 'no process of this run left' });
      const bad = stderrProblems(run.gw.stderr());
      assert.deepEqual(bad, [], 'sanitizer reports or critical lines in the gateway log');
    });
  });
