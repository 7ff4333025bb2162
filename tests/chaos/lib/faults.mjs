// The faults. A schedule (kind, target, time, parameters) is drawn up front from the seed, so a
// run can be replayed with CHAOS_SEED; each fault is then started at its time without waiting
// for the ones before it. A fault counts as injected when it took effect (the process was
// there to kill, the call reached its backend, the stream was cut mid-call); otherwise it is
// counted as missed, with the reason.

import fs from 'node:fs';

import { waitFor } from '../../e2e/lib/gateway.mjs';
import { logMark, waitForLog, writeAtomic } from '../../e2e/lib/ops.mjs';
import { Rng, FAULT_WEIGHTS } from './settings.mjs';
import { judge, expect } from './load.mjs';
import { vanishStreamable, vanishSse } from './vanish.mjs';

const FLOOD_BYTES = 50 * 1024 * 1024;
const MAX_TRANSIENTS = 4;

/** [{at (ms from start), kind, target (stable server index), seed}], sorted by time. */
export function makeSchedule(settings, rng) {
  const weights = Object.fromEntries(settings.kinds.map((k) => [k, FAULT_WEIGHTS[k]]));
  const out = [];
  for (let i = 0; i < settings.faults; i++) {
    out.push({
      at: Math.floor(rng.next() * settings.seconds * 1000),
      kind: rng.weighted(weights),
      target: rng.int(0, settings.backends - 1),
      seed: rng.int(0, 2 ** 32 - 1),
    });
  }
  return out.sort((a, b) => a.at - b.at);
}

function readProc(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), cmd: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8') };
  } catch {
    return null;
  }
}

export class FaultInjector {
  /**
   * world: {gw, stable, transients (Map name -> {variant, initExit}), status(), configText(),
   *         tag, memoryLimitMB, callDeadlineMs, ledger}
   * sessions: the SDK sessions faults use for their calls.
   */
  constructor(world, sessions) {
    this.world = world;
    this.sessions = sessions;
    this.counts = {}; // kind -> {scheduled, injected, missed: {reason: n}}
    this.reloadChain = Promise.resolve();
    this.transientSeq = 0;
    this.stoppedWorkers = new Set();
    this.reloads = { add: 0, remove: 0, restart: 0, retune: 0, midCall: 0 };
  }

  count(kind) {
    return (this.counts[kind] ||= { scheduled: 0, injected: 0, missed: {} });
  }
  injected(kind) {
    this.count(kind).injected++;
  }
  missed(kind, reason) {
    const m = this.count(kind).missed;
    m[reason] = (m[reason] || 0) + 1;
  }
  totals() {
    let scheduled = 0;
    let injected = 0;
    for (const c of Object.values(this.counts)) {
      scheduled += c.scheduled;
      injected += c.injected;
    }
    return { scheduled, injected };
  }

  /** Runs one scheduled fault to its end (bounded by the deadlines inside). */
  async run(fault) {
    const kind = fault.kind;
    this.count(kind).scheduled++;
    const rng = new Rng(fault.seed);
    const server = this.world.stable[fault.target];
    try {
      await this[`fault_${kind.replace(/-/g, '_')}`](kind, server, rng);
    } catch (e) {
      this.world.ledger.violation('fault-error', `${kind} on ${server}: ${e?.stack || e}`);
    }
  }

  /** The server's /status entry once it is ready (with pids), or null after `timeoutMs`. */
  async readyServer(name, timeoutMs = 5000) {
    try {
      return await waitFor(() => {
        const s = this.world.status()?.servers?.find((x) => x.name === name);
        return s && s.state === 'ready' && s.workerPid > 0 && s.backendPid > 0 ? s : null;
      }, { timeoutMs, intervalMs: 20, what: `${name} ready` });
    } catch {
      return null;
    }
  }

  /** Kills `pid` only if it still is what /status said (a worker of ours, or one of our backends). */
  signal(pid, sig, role) {
    const p = readProc(pid);
    if (!p) return false;
    const ours = role === 'worker' ? p.ppid === this.world.gw.pid : p.cmd.includes(this.world.tag);
    if (!ours) return false;
    try {
      process.kill(pid, sig);
      return true;
    } catch {
      return false;
    }
  }

  /** A call from one of the fault sessions; returns the outcome kind judge() gave it. */
  async call(rng, what, name, args, check, extra = {}) {
    const session = rng.pick(this.sessions);
    const r = await session.request('tools/call', { name, arguments: args }, {
      deadlineMs: this.world.callDeadlineMs,
      ...extra,
    });
    return { kind: judge(this.world, 'fault', `${what} ${name} via ${session.label}`, r, check), r };
  }

  /** For faults that are a call: injected unless the call never reached the backend. */
  async callFault(kind, server, rng, tool, args, check) {
    if (!(await this.readyServer(server))) return this.missed(kind, 'target not ready');
    const { kind: outcome } = await this.call(rng, kind, `${server}__${tool}`, args, check);
    if (outcome === 'rpc:unavailable' || outcome === 'rpc:unknown-name') this.missed(kind, outcome);
    else this.injected(kind);
  }

  async killFault(kind, server, role) {
    const s = await this.readyServer(server);
    if (!s) return this.missed(kind, 'target not ready');
    const pid = role === 'worker' ? s.workerPid : s.backendPid;
    if (this.signal(pid, 'SIGKILL', role)) this.injected(kind);
    else this.missed(kind, 'process already gone');
  }

  fault_kill_backend(kind, server) {
    return this.killFault(kind, server, 'backend');
  }
  fault_kill_worker(kind, server) {
    return this.killFault(kind, server, 'worker');
  }
  fault_backend_exit(kind, server, rng) {
    return this.callFault(kind, server, rng, 'crash', { code: rng.int(0, 3), delayMs: rng.int(0, 200) });
  }
  // Stops reading stdin for good; the liveness ping finds it.
  fault_hang(kind, server, rng) {
    return this.callFault(kind, server, rng, 'hang', {});
  }
  fault_garbage(kind, server, rng) {
    const lines = rng.int(16, 400);
    return this.callFault(kind, server, rng, 'garbage', { lines }, expect.text(`wrote ${lines} garbage lines`));
  }
  // A 50 MB line (over maxMessageBytes) and then the real answer, which must get through.
  fault_flood(kind, server, rng) {
    return this.callFault(kind, server, rng, 'flood', { bytes: FLOOD_BYTES },
      expect.text(`flooded ${FLOOD_BYTES} bytes`));
  }
  fault_alloc(kind, server, rng) {
    return this.callFault(kind, server, rng, 'alloc', { mb: this.world.memoryLimitMB + rng.int(16, 64) });
  }
  fault_big_reply(kind, server, rng) {
    const bytes = rng.int(1, 12) * 1024 * 1024 - rng.int(0, 1000);
    return this.callFault(kind, server, rng, 'large', { bytes }, expect.large(bytes));
  }

  // SIGSTOP: the worker stops beating; the supervisor must kill it (heartbeat timeout 5 s).
  async fault_stop_worker(kind, server) {
    const s = await this.readyServer(server);
    if (!s) return this.missed(kind, 'target not ready');
    const pid = s.workerPid;
    if (!this.signal(pid, 'SIGSTOP', 'worker')) return this.missed(kind, 'process already gone');
    this.injected(kind);
    this.stoppedWorkers.add(pid);
    try {
      await waitFor(() => !readProc(pid) || readProc(pid).ppid !== this.world.gw.pid, {
        timeoutMs: 15000,
        intervalMs: 50,
        what: `stopped worker ${pid} killed by the supervisor`,
      });
    } catch (e) {
      this.world.ledger.violation('stopped-worker-kept', `${server}: ${e.message}`);
      this.signal(pid, 'SIGKILL', 'worker');
    }
    this.stoppedWorkers.delete(pid);
  }

  async fault_vanish_streamable(kind, server, rng) {
    return this.vanish(kind, server, rng, vanishStreamable);
  }
  async fault_vanish_sse(kind, server, rng) {
    return this.vanish(kind, server, rng, vanishSse);
  }
  async vanish(kind, server, rng, client) {
    if (!(await this.readyServer(server))) return this.missed(kind, 'target not ready');
    const ms = rng.int(1000, 3000);
    const t0 = Date.now();
    try {
      const r = await client(this.world.gw.url, `${server}__sleep`, { ms, progressEvents: rng.int(1, 4) });
      if (r.outcome === 'vanished') this.injected(kind);
      else this.missed(kind, r.outcome);
    } catch (e) {
      this.world.ledger.violation('vanish-session', `${kind} via ${server}: ${e.message}`, [t0, Date.now()]);
      this.missed(kind, 'client failed');
    }
  }

  // Config reloads, one at a time, each waited for in the log: add a server (sometimes one that
  // exits during initialize), remove one or change one while a call to it is running.
  fault_reload(kind, server, rng) {
    const next = this.reloadChain.then(() => this.reload(kind, rng));
    this.reloadChain = next.catch(() => {});
    return next;
  }

  async reload(kind, rng) {
    const { transients } = this.world;
    const names = [...transients.keys()];
    const action = names.length === 0 ? 'add'
      : names.length >= MAX_TRANSIENTS ? rng.pick(['remove', 'change'])
        : rng.weighted({ add: 4, remove: 4, change: 2 });
    let name;
    let expectRe;
    let calls = [];
    if (action === 'add') {
      name = `t${++this.transientSeq}`;
      transients.set(name, { variant: 0, initExit: rng.chance(0.25), retuned: false });
      expectRe = new RegExp(`added: [^;]*\\b${name}\\b`);
      this.reloads.add++;
    } else {
      name = rng.pick(names);
      calls = await this.callsInFlight(name, rng);
      if (action === 'remove') {
        transients.delete(name);
        expectRe = new RegExp(`removed: [^;]*\\b${name}\\b`);
        this.reloads.remove++;
      } else if (rng.chance(0.5)) {
        transients.get(name).variant ^= 1; // other arguments: the process is replaced
        expectRe = new RegExp(`restarted: [^;]*\\b${name}\\b`);
        this.reloads.restart++;
      } else {
        transients.get(name).retuned = !transients.get(name).retuned; // timeoutMs only: kept
        expectRe = new RegExp(`retuned: [^;]*\\b${name}\\b`);
        this.reloads.retune++;
      }
    }
    const mark = logMark(this.world.gw);
    writeAtomic(this.world.gw.configPath, this.world.configText());
    try {
      const m = await waitForLog(this.world.gw, /reloaded \(file change\) in \d+ us: (.*)/, {
        from: mark,
        timeoutMs: 10000,
        what: `the reload that ${action}s ${name}`,
      });
      if (!expectRe.test(m[1])) {
        this.world.ledger.violation('reload-diff', `${action} ${name}: log says "${m[1]}"`);
      }
      this.injected(kind);
    } catch (e) {
      this.world.ledger.violation('reload-unobserved', e.message.split('\n')[0]);
      this.missed(kind, 'reload not seen');
    }
    // Calls that were running at the backend when it was drained must finish normally.
    for (const c of calls) {
      const r = await c.promise;
      const outcome = judge(this.world, 'fault', `${name}__sleep during ${action}`, r, expect.text(`slept ${c.ms} ms`));
      if (c.confirmed && outcome !== 'ok') {
        this.world.ledger.violation('drain-broken',
          `${name}__sleep(${c.ms}) was running at the backend when the reload (${action}) applied; it got ${outcome}: ${JSON.stringify(r.error || r.result || r.why).slice(0, 200)}`,
          [r.started, r.started + r.ms]);
      }
    }
    if (calls.some((c) => c.confirmed)) this.reloads.midCall++;
  }

  /** Starts 1-3 slow calls to transient `name` and waits until each reports progress. */
  async callsInFlight(name, rng) {
    const t = this.world.transients.get(name);
    if (t.initExit || !(await this.readyServer(name, 3000))) return [];
    const calls = [];
    const n = rng.int(1, 3);
    for (let i = 0; i < n; i++) {
      const c = { ms: rng.int(1200, 2500), confirmed: false };
      const session = rng.pick(this.sessions);
      c.promise = session.request('tools/call', { name: `${name}__sleep`, arguments: { ms: c.ms } }, {
        deadlineMs: this.world.callDeadlineMs,
        onprogress: () => (c.confirmed = true),
      });
      calls.push(c);
    }
    try {
      await waitFor(() => calls.every((c) => c.confirmed), { timeoutMs: 2000, intervalMs: 10, what: 'progress' });
    } catch {
      // The server may have been busy or gone; unconfirmed calls are judged without the drain rule.
    }
    return calls;
  }

  /** Kills what a failed run might have left stopped. */
  cleanup() {
    for (const pid of this.stoppedWorkers) this.signal(pid, 'SIGKILL', 'worker');
  }
}
