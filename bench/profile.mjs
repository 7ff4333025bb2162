#!/usr/bin/env node
// Where the gateway's time goes under load: starts MCProxy with --backends test servers,
// drives --sessions SDK clients (Streamable HTTP, or --transport sse) calling echo
// back-to-back, and while the load runs records
//   1. perf record -a (whole machine) for --seconds: CPU share by process (comm)
//   2. perf record --call-graph dwarf on the supervisor: hottest functions, self and inclusive
//   3. the same on one worker
// Reports go to bench/results/profile-*.txt (perf report --stdio, trimmed). Needs perf
// (linux-perf) and permission to profile (root, or kernel.perf_event_paranoid <= 1).
//
//   node bench/profile.mjs [--sessions 16] [--seconds 6] [--backends 10] [--transport streamable]

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setMaxListeners } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { launch, testServerBackend } from './lib/targets.mjs';
import { waitFor } from './lib/gateway.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BUILD_DIR = path.resolve(process.env.MCPROXY_BUILD_DIR || path.join(HERE, '..', 'build'));
const TEST_SERVER_BIN = path.join(BUILD_DIR, 'tests', 'testserver', 'mcp-test-server');
const { values: argv } = parseArgs({
  options: {
    sessions: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '6' },
    backends: { type: 'string', default: '10' },
    transport: { type: 'string', default: 'streamable' },
    outdir: { type: 'string', default: path.join(HERE, 'results') },
  },
});
const SESSIONS = Number(argv.sessions);
const SECONDS = Number(argv.seconds);
setMaxListeners(0);
const log = (...a) => console.error('[profile]', ...a);

function perf(args, what) {
  return new Promise((resolve) => {
    const p = spawn('perf', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => {
      if (code !== 0) log(`perf ${what} exited ${code}: ${err.slice(-300)}`);
      resolve(code);
    });
  });
}

function report(data, args, outFile, maxLines = 80) {
  const r = spawnSync('perf', ['report', '-i', data, '--stdio', ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const lines = r.stdout
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => l.replace(/(\s+-)+\s*$/, '').trimEnd());
  fs.writeFileSync(outFile, lines.slice(0, maxLines).join('\n') + '\n');
  return lines.slice(0, maxLines);
}

async function main() {
  const tmp = fs.mkdtempSync('/tmp/mcproxy-profile-');
  const backends = Array.from({ length: Number(argv.backends) }, (_, i) => testServerBackend(TEST_SERVER_BIN, `t${i}`));
  const h = await launch('mcproxy', backends, { dir: tmp, buildDir: BUILD_DIR });
  try {
    const st = await waitFor(
      async () => {
        const s = await h.status();
        return s.servers.every((x) => x.state === 'ready') ? s : null;
      },
      { timeoutMs: 20000, what: 'ready' },
    );
    const sup = h.roots[0];
    const worker = st.servers[0].workerPid;
    const clients = [];
    for (let i = 0; i < SESSIONS; i++) clients.push(await h.connect(argv.transport, i));
    let stop = false;
    let calls = 0;
    const load = Promise.all(
      clients.map(async (c, i) => {
        const tool = h.toolName(i, 'echo');
        while (!stop) {
          await c.call(tool, { text: 'x' });
          calls++;
        }
      }),
    );
    await new Promise((r) => setTimeout(r, 500));
    const t0 = Date.now();
    const c0 = calls;
    log(`load: ${SESSIONS} ${argv.transport} sessions; recording ${SECONDS} s (supervisor ${sup}, worker ${worker})`);
    const all = path.join(tmp, 'all.data');
    const supData = path.join(tmp, 'sup.data');
    const wrkData = path.join(tmp, 'wrk.data');
    await Promise.all([
      perf(['record', '-a', '-F', '499', '-o', all, '--', 'sleep', String(SECONDS)], 'system-wide'),
      perf(['record', '-p', String(sup), '-F', '999', '--call-graph', 'dwarf,16384', '-o', supData, '--', 'sleep', String(SECONDS)], 'supervisor'),
      perf(['record', '-p', String(worker), '-F', '999', '--call-graph', 'dwarf,8192', '-o', wrkData, '--', 'sleep', String(SECONDS)], 'worker'),
    ]);
    const rate = Math.round(((calls - c0) * 1000) / (Date.now() - t0));
    stop = true;
    await load;
    await Promise.all(clients.map((c) => c.close()));
    fs.mkdirSync(argv.outdir, { recursive: true });
    const tag = `${argv.transport}-${SESSIONS}`;
    const out = (n) => path.join(argv.outdir, `profile-${tag}-${n}.txt`);
    const byComm = report(all, ['--sort', 'comm', '--no-children'], out('by-process'), 25);
    const supSelf = report(supData, ['--no-children', '--sort', 'symbol', '-g', 'none', '--percent-limit', '0.7'], out('supervisor-self'), 60);
    report(supData, ['--children', '--sort', 'symbol', '-g', 'none', '--percent-limit', '3'], out('supervisor-inclusive'), 80);
    report(supData, ['--no-children', '--sort', 'comm', '-g', 'none'], out('supervisor-threads'), 20);
    const wrkSelf = report(wrkData, ['--no-children', '--sort', 'symbol', '-g', 'none', '--percent-limit', '1'], out('worker-self'), 40);
    console.log(`${rate} calls/s during the recording (${SESSIONS} ${argv.transport} sessions, ${argv.backends} backends)\n`);
    console.log('CPU by process (whole machine):\n' + byComm.join('\n'));
    console.log('\nSupervisor, self time by symbol:\n' + supSelf.slice(0, 30).join('\n'));
    console.log('\nWorker, self time by symbol:\n' + wrkSelf.slice(0, 15).join('\n'));
    console.log(`\nfull reports: ${out('*')}`);
  } finally {
    await h.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(2);
});
