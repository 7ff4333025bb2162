#!/usr/bin/env node
// Scale run (not part of CI): one MCProxy with 100 stdio backends (the C++ test server) and 200
// legacy HTTP+SSE clients (the official SDK's SSEClientTransport) open at the same time. Every
// client lists the tools and calls one; every request must be answered. Reports time to ready,
// memory (supervisor, workers, backends: RSS and PSS), file descriptors and threads, at three
// points: ready with no client, all clients open after their calls, all clients gone.
//
//   node bench/scale.mjs [--backends 100] [--clients 200] [--open-batch 0] [--work-batch 0] [--out FILE]
//
// --open-batch N opens the clients N at a time, --work-batch N lets N of the open clients list
// and call at a time (0: all at once; every client stays open either way). File-descriptor limits: the
// gateway is started through `sh -c 'ulimit -n …'` with a soft limit of --nofile (65536, or
// the hard limit if lower); this Node process re-executes itself the same way when its own soft
// limit is below that (each SSE client holds two sockets). Both limits are reported.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setMaxListeners } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { waitFor, descendants } from './lib/gateway.mjs';
import { procMem } from './lib/proc.mjs';
import { summarize, table, round1, round2 } from './lib/stats.mjs';
import { connectSdk, freePort, withDeadline } from './lib/targets.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..');
const BUILD_DIR = path.resolve(process.env.MCPROXY_BUILD_DIR || path.join(REPO_ROOT, 'build'));
const TEST_SERVER_BIN = path.join(BUILD_DIR, 'tests', 'testserver', 'mcp-test-server');
const MCPROXY_BIN = path.join(BUILD_DIR, 'supervisor', 'mcproxy');

const { values: argv } = parseArgs({
  options: {
    backends: { type: 'string', default: '100' },
    clients: { type: 'string', default: '200' },
    'open-batch': { type: 'string', default: '0' },
    'work-batch': { type: 'string', default: '0' },
    nofile: { type: 'string', default: '65536' },
    'deadline-seconds': { type: 'string', default: '120' },
    out: { type: 'string', default: path.join(HERE, 'results', 'scale-latest.json') },
  },
});
const OPT = {
  backends: Number(argv.backends),
  clients: Number(argv.clients),
  openBatch: Number(argv['open-batch']),
  workBatch: Number(argv['work-batch']),
  nofile: Number(argv.nofile),
  deadlineMs: Number(argv['deadline-seconds']) * 1000,
  out: path.resolve(argv.out),
};

function nofileLimits(pid = 'self') {
  const line = fs.readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  const [soft, hard] = line.trim().split(/\s{2,}/).slice(1, 3).map((x) => (x === 'unlimited' ? Infinity : Number(x)));
  return { soft, hard };
}

// Raise this process's own soft limit if needed: re-execute under `ulimit -n`.
{
  const { soft, hard } = nofileLimits();
  const want = Math.min(OPT.nofile, hard);
  if (soft < want && !process.env.MCPROXY_SCALE_REEXEC) {
    const r = spawnSync('/bin/sh', ['-c', `ulimit -n ${want} && exec "$0" "$@"`, process.execPath, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: { ...process.env, MCPROXY_SCALE_REEXEC: '1' },
    });
    process.exit(r.status ?? 1);
  }
}

setMaxListeners(0);
let gwProc = null; // killed (with its tree) if the run fails
const log = (...a) => console.error('[scale]', ...a);
const now = () => process.hrtime.bigint();
const msSince = (t) => round1(Number(now() - t) / 1e6);

const fdCount = (pid) => {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
};

/** Memory, fds and threads of the supervisor, the workers (summed) and the backends (summed). */
function snapshot(gwPid, status) {
  const sup = procMem(gwPid);
  const workers = status.servers.map((s) => s.workerPid).filter(Boolean);
  const backends = status.servers.map((s) => s.backendPid).filter(Boolean);
  const sum = (pids, f) => pids.reduce((a, p) => a + (f(p) ?? 0), 0);
  const mem = (pids, k) => sum(pids, (p) => procMem(p)[k]);
  const mib = (kb) => round2(kb / 1024);
  return {
    supervisor: { rssMiB: mib(sup.rssKb), pssMiB: mib(sup.pssKb), peakRssMiB: mib(sup.hwmKb), threads: sup.threads, fds: fdCount(gwPid) },
    workers: {
      count: workers.length,
      rssMiB: mib(mem(workers, 'rssKb')),
      pssMiB: mib(mem(workers, 'pssKb')),
      fds: sum(workers, fdCount),
      threads: mem(workers, 'threads'),
    },
    backends: { count: backends.length, rssMiB: mib(mem(backends, 'rssKb')), pssMiB: mib(mem(backends, 'pssKb')), fds: sum(backends, fdCount) },
    gatewayTotal: { rssMiB: mib(sup.rssKb + mem(workers, 'rssKb')), pssMiB: mib(sup.pssKb + mem(workers, 'pssKb')) },
    sessions: status.sessions,
  };
}

async function main() {
  for (const p of [MCPROXY_BIN, TEST_SERVER_BIN]) if (!fs.existsSync(p)) throw new Error(`${p} not found: build first or set MCPROXY_BUILD_DIR`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcproxy-scale-'));
  const names = Array.from({ length: OPT.backends }, (_, i) => `t${i}`);
  const configPath = path.join(dir, 'config.json');
  fs.writeFileSync(
    configPath,
    JSON.stringify({ mcpServers: Object.fromEntries(names.map((n) => [n, { command: TEST_SERVER_BIN, args: ['--name', n] }])) }, null, 2),
  );
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const nofileWanted = Math.min(OPT.nofile, nofileLimits().hard);
  const errFd = fs.openSync(path.join(dir, 'stderr.log'), 'w');

  const result = { startedAt: new Date().toISOString(), options: { ...OPT, out: path.relative(REPO_ROOT, OPT.out) }, host: { cpus: os.cpus().length, memMiB: Math.round(os.totalmem() / 2 ** 20) } };
  result.limits = { benchProcessNofile: nofileLimits() };

  // 1. Start: spawn -> every backend ready in /status.
  const t0 = now();
  const gw = spawn('/bin/sh', ['-c', `ulimit -n ${nofileWanted} && exec "$0" "$@"`, MCPROXY_BIN, '--config', configPath, '--listen', `127.0.0.1:${port}`, '--log'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', errFd],
  });
  gwProc = gw;
  let exited = null;
  gw.on('exit', (code, signal) => (exited = { code, signal }));
  const status = async () => (await fetch(`${base}/status`)).json();
  let firstListening = null;
  const ready = await waitFor(
    async () => {
      if (exited) throw Object.assign(new Error(`mcproxy exited: ${JSON.stringify(exited)}`), { fatal: true });
      const st = await status();
      firstListening ??= msSince(t0);
      return st.servers.length === OPT.backends && st.servers.every((s) => s.state === 'ready') ? st : null;
    },
    { timeoutMs: OPT.deadlineMs, intervalMs: 20, what: `${OPT.backends} backends ready` },
  );
  result.readyMs = msSince(t0);
  result.firstStatusMs = firstListening;
  result.limits.gatewayNofile = nofileLimits(gw.pid);
  log(`ready: ${OPT.backends} backends in ${result.readyMs} ms (pid ${gw.pid})`);
  result.atReady = snapshot(gw.pid, ready);

  // 2. Open every client (all at once, or in batches).
  const clients = new Array(OPT.clients);
  const openMs = [];
  const openErrors = [];
  const tOpen = now();
  const openOne = async (i) => {
    const a = now();
    try {
      clients[i] = await connectSdk('sse', `${base}/sse`, { connectTimeoutMs: OPT.deadlineMs });
      openMs.push(msSince(a));
    } catch (e) {
      openErrors.push(`client ${i}: ${e.message}`);
    }
  };
  const batch = OPT.openBatch > 0 ? OPT.openBatch : OPT.clients;
  for (let i = 0; i < OPT.clients; i += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, OPT.clients - i) }, (_, k) => openOne(i + k)));
  }
  result.open = { wallMs: msSince(tOpen), perClientMs: summarize(openMs), failed: openErrors.length, errors: openErrors.slice(0, 5) };
  log(`opened ${openMs.length}/${OPT.clients} SSE sessions in ${result.open.wallMs} ms`);

  // 3. Every open client lists the tools and calls one, all at once.
  const expectedTools = OPT.backends * (await toolsPerBackend());
  const listMs = [];
  const callMs = [];
  const failures = [];
  const tWork = now();
  const work = async (c, i) => {
      if (!c) return;
      try {
        let a = now();
        const tools = await withDeadline(c.listTools(), OPT.deadlineMs, `client ${i} tools/list`);
        listMs.push(msSince(a));
        if (tools.length !== expectedTools) throw new Error(`client ${i} listed ${tools.length} tools, expected ${expectedTools}`);
        const server = names[i % names.length];
        const text = `client-${i}`;
        a = now();
        const res = await c.call(`${server}__echo`, { text }, OPT.deadlineMs);
        callMs.push(msSince(a));
        if (res.isError || res.content?.[0]?.text !== text) throw new Error(`client ${i}: wrong answer ${JSON.stringify(res).slice(0, 200)}`);
      } catch (e) {
        failures.push(`${e.message}${e.cause ? ` (cause: ${e.cause.code ?? ''} ${e.cause.message ?? e.cause})` : ''}`);
      }
  };
  // every client at once, or --work-batch clients at a time (all of them stay open throughout)
  const wb = OPT.workBatch > 0 ? OPT.workBatch : OPT.clients;
  for (let i = 0; i < OPT.clients; i += wb) await Promise.all(clients.slice(i, i + wb).map((c, k) => work(c, i + k)));
  result.work = {
    wallMs: msSince(tWork),
    expectedTools,
    listed: listMs.length,
    called: callMs.length,
    failures: failures.length,
    errors: failures.slice(0, 5),
    listMs: summarize(listMs),
    callMs: summarize(callMs),
  };
  result.allAnswered = openErrors.length === 0 && failures.length === 0 && callMs.length === OPT.clients;
  log(`listed ${listMs.length}, called ${callMs.length}, failures ${failures.length} in ${result.work.wallMs} ms`);
  result.withClients = snapshot(gw.pid, await status());

  // 4. Close every client; wait until the gateway has dropped every session.
  const tClose = now();
  await Promise.all(clients.filter(Boolean).map((c) => c.close()));
  try {
    await waitFor(async () => (await status()).sessions?.total === 0, { timeoutMs: 30000, intervalMs: 50, what: 'sessions.total == 0' });
    result.sessionsDroppedMs = msSince(tClose);
  } catch (e) {
    result.sessionsDroppedMs = null;
    result.sessionsDropError = e.message;
  }
  result.afterClose = snapshot(gw.pid, await status());
  const statusAfter = await status();
  result.restarts = statusAfter.servers.reduce((a, s) => a + (s.restarts || 0), 0);

  // 5. Shutdown.
  const tStop = now();
  gw.kill('SIGTERM');
  await withDeadline(new Promise((r) => (exited ? r() : gw.on('exit', r))), 10000, 'mcproxy exit').catch(() => gw.kill('SIGKILL'));
  result.shutdown = { ms: msSince(tStop), exit: exited };
  fs.closeSync(errFd);
  const stderr = fs.readFileSync(path.join(dir, 'stderr.log'), 'utf8');
  result.warnLines = stderr.split('\n').filter((l) => /\b(WARN|WARNING|ERROR|CRIT)\b/.test(l)).slice(0, 10);
  if (result.allAnswered && result.warnLines.length === 0) fs.rmSync(dir, { recursive: true, force: true });
  else result.logDir = dir;

  fs.mkdirSync(path.dirname(OPT.out), { recursive: true });
  fs.writeFileSync(OPT.out, JSON.stringify(result, null, 2) + '\n');
  report(result);
  return result.allAnswered ? 0 : 1;
}

async function toolsPerBackend() {
  const c = await connectSdk('stdio', { command: TEST_SERVER_BIN, args: ['--name', 'probe'] });
  try {
    return (await c.listTools()).length;
  } finally {
    await c.close();
  }
}

function report(r) {
  const out = [];
  out.push(`MCProxy scale run ${r.startedAt}: ${r.options.backends} stdio backends, ${r.options.clients} legacy SSE clients (SDK), ${r.host.cpus} CPUs`);
  out.push(`fd limits (soft/hard): bench ${r.limits.benchProcessNofile.soft}/${r.limits.benchProcessNofile.hard}, mcproxy ${r.limits.gatewayNofile.soft}/${r.limits.gatewayNofile.hard}`);
  out.push(`ready: all ${r.options.backends} backends in ${r.readyMs} ms (first /status answer at ${r.firstStatusMs} ms)`);
  out.push(
    `open: ${r.options.clients - r.open.failed}/${r.options.clients} sessions in ${r.open.wallMs} ms (per client p50 ${r.open.perClientMs.p50} ms, max ${r.open.perClientMs.max} ms)` +
      (r.open.failed ? `; ${r.open.failed} failed: ${r.open.errors[0]}` : ''),
  );
  out.push(
    `work: ${r.work.listed} tools/list (${r.work.expectedTools} tools each; p50 ${r.work.listMs.p50} ms, max ${r.work.listMs.max} ms) and ${r.work.called} tools/call (p50 ${r.work.callMs.p50} ms, max ${r.work.callMs.max} ms) in ${r.work.wallMs} ms; failures ${r.work.failures}` +
      (r.work.failures ? `: ${r.work.errors[0]}` : ''),
  );
  out.push(`every request answered: ${r.allAnswered ? 'yes' : 'NO'}; sessions dropped ${r.sessionsDroppedMs} ms after the clients closed; worker restarts ${r.restarts}; shutdown ${r.shutdown.ms} ms (${JSON.stringify(r.shutdown.exit)})`);
  out.push('');
  const rows = [['', 'ready, no clients', `${r.options.clients} clients open`, 'clients closed']];
  const snaps = [r.atReady, r.withClients, r.afterClose];
  const row = (label, f) => rows.push([label, ...snaps.map((s) => String(f(s)))]);
  row('supervisor RSS / PSS (MiB)', (s) => `${s.supervisor.rssMiB} / ${s.supervisor.pssMiB}`);
  row('supervisor peak RSS (MiB)', (s) => s.supervisor.peakRssMiB);
  row('supervisor threads', (s) => s.supervisor.threads);
  row('supervisor fds', (s) => s.supervisor.fds);
  row(`workers (${r.atReady.workers.count}) RSS / PSS sum (MiB)`, (s) => `${s.workers.rssMiB} / ${s.workers.pssMiB}`);
  row('workers fds / threads sum', (s) => `${s.workers.fds} / ${s.workers.threads}`);
  row('supervisor + workers RSS / PSS (MiB)', (s) => `${s.gatewayTotal.rssMiB} / ${s.gatewayTotal.pssMiB}`);
  row(`backends (${r.atReady.backends.count}) RSS / PSS sum (MiB)`, (s) => `${s.backends.rssMiB} / ${s.backends.pssMiB}`);
  row('gateway sessions', (s) => s.sessions?.total ?? '-');
  out.push(table(rows));
  if (r.warnLines.length) {
    out.push('');
    out.push(`gateway WARN/ERROR lines (${r.warnLines.length}, first ones): ${r.warnLines.slice(0, 3).join(' | ')}`);
  }
  console.log(out.join('\n'));
  console.log(`\nJSON: ${path.relative(process.cwd(), OPT.out)}`);
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`[scale] FAILED: ${e.stack || e}`);
    if (gwProc) for (const p of [gwProc.pid, ...descendants(gwProc.pid)]) try { process.kill(p, 'SIGKILL'); } catch {}
    process.exit(2);
  },
);
