// Runs the server requirement sets of @modelcontextprotocol/conformance 0.2.0-alpha.12
// (installed as conformance-next) through mcproxy and directly against the fixture behind it:
//   2026-07-28   modern clients (stateless, per-request _meta, MRTR, subscriptions/listen),
//                with fixture-modern.mjs behind mcproxy ("prefix": ""), and directly
//                fixture-modern-http.mjs;
//   2025-11-25   legacy clients (initialize, sessions), with fixture-server.mjs behind mcproxy,
//                and directly fixture-http.mjs.
// A scenario passes when it passes both ways; when it fails, the reason says which way, so a
// gateway bug (fails through mcproxy only) is told from a fixture or suite problem.
//
// Started by run-2026.sh with the project-local Node 22. Environment:
//   MCPROXY_BUILD_DIR             build directory holding supervisor/mcproxy (default <repo>/build)
//   CONFORMANCE_REQUIREMENTS      space-separated requirement sets (default "2026-07-28 2025-11-25");
//                                 "2026-07-28@legacy-backend" runs the 2026-07-28 set through
//                                 mcproxy with the legacy fixture behind it (modern clients, a
//                                 legacy backend: the gateway's translation and its MRTR bridge;
//                                 no direct target, and scenarios needing tools the legacy
//                                 fixture lacks are expected to fail); "2026-07-28@remote-backend"
//                                 puts fixture-modern-http.mjs behind mcproxy as a remote
//                                 server ("url"), for mcproxy-remote-worker's modern path
//   CONFORMANCE_TARGETS           "mcproxy direct" (default), or one of them
//   CONFORMANCE_RESULTS_DIR       logs and checks.json files (default tests/conformance/results-2026)
//
// Each target runs a whole set in one suite process (`server --requirements SET`), as a client
// checking conformance does; only the set's scored server scenarios count. Output: one line per
// scenario, "ok - SET/NAME" or "not ok - SET/NAME (REASON)", a table per set as comments, then
// "# pass N" and "# fail N". Exit status 0 only when nothing failed.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const BUILD_DIR = path.resolve(process.env.MCPROXY_BUILD_DIR || path.join(REPO, 'build'));
const MCPROXY = path.join(BUILD_DIR, 'supervisor', 'mcproxy');
const NODE = process.execPath;
const SUITE = path.join(HERE, 'node_modules', 'conformance-next', 'dist', 'index.js');
const RESULTS = path.resolve(process.env.CONFORMANCE_RESULTS_DIR || path.join(HERE, 'results-2026'));
const SETS = (process.env.CONFORMANCE_REQUIREMENTS || '2026-07-28 2025-11-25').split(/\s+/).filter(Boolean);
const TARGETS = (process.env.CONFORMANCE_TARGETS || 'mcproxy direct').split(/\s+/).filter(Boolean);
const SET_DEADLINE_MS = 280000;
const BAD_STDERR_RE = /AddressSanitizer|LeakSanitizer|ThreadSanitizer|runtime error:| CRIT |critical/i;

// What serves each requirement set: the stdio fixture behind mcproxy, and its HTTP wrapper.
const FIXTURES = {
  '2026-07-28': { stdio: 'fixture-modern.mjs', http: 'fixture-modern-http.mjs' },
  '2025-11-25': { stdio: 'fixture-server.mjs', http: 'fixture-http.mjs' },
  '2026-07-28@legacy-backend': { stdio: 'fixture-server.mjs', http: null },
  '2026-07-28@remote-backend': { remote: 'fixture-modern-http.mjs', http: null },
};
const requirementOf = (set) => set.split('@')[0];
const targetsOf = (set) => TARGETS.filter((t) => t !== 'direct' || FIXTURES[set].http);

const children = new Set();
process.on('exit', () => {
  for (const c of children) {
    try {
      c.kill('SIGKILL');
    } catch {}
  }
});
function track(child) {
  children.add(child);
  child.on('close', () => children.delete(child));
  return child;
}

async function waitFor(predicate, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await predicate();
    if (v) return v;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function runProcess(cmd, args, { timeoutMs, cwd, outFile }) {
  return new Promise((resolve) => {
    const child = track(spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (outFile) fs.writeFileSync(outFile, out);
      resolve({ code, signal, timedOut, out });
    });
  });
}

function shorten(s, n = 400) {
  s = String(s).replace(/\s+/g, ' ').trim();
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** The scored server scenarios of a requirement set, from `conformance list --requirements`. */
async function scoredServerScenarios(set) {
  const r = await runProcess(NODE, [SUITE, 'list', '--server', '--requirements', requirementOf(set)], {
    timeoutMs: 20000,
    cwd: HERE,
  });
  const section = /Server scenarios[^\n]*:\n((?:\s+- \S+\n)+)/.exec(r.out);
  const names = section ? [...section[1].matchAll(/- (\S+)/g)].map((m) => m[1]) : [];
  if (r.code !== 0 || names.length === 0) throw new Error(`conformance list --requirements ${set} failed:\n${r.out}`);
  return names;
}

// ---------------------------------------------------------------------------
// The servers under test
// ---------------------------------------------------------------------------

async function startGateway(set) {
  if (!fs.existsSync(MCPROXY)) throw new Error(`mcproxy not found at ${MCPROXY} (build it or set MCPROXY_BUILD_DIR)`);
  const dir = path.join(RESULTS, set);
  const configPath = path.join(dir, 'mcproxy-config.json');
  let backend = null; // a remote fixture, served here
  let server;
  if (FIXTURES[set].remote) {
    backend = await startHttpFixture(set, FIXTURES[set].remote);
    server = { url: backend.url, prefix: '' };
  } else {
    server = { command: NODE, args: [path.join(HERE, FIXTURES[set].stdio)], prefix: '' };
  }
  fs.writeFileSync(configPath, JSON.stringify({ mcpServers: { conformance: server } }, null, 2));
  const stderrPath = path.join(dir, 'mcproxy.stderr.log');
  const proc = track(
    spawn(MCPROXY, ['--config', configPath, '--listen', '127.0.0.1:0', '--log'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] }),
  );
  let stderr = '';
  let exit = null;
  const exited = new Promise((resolve) =>
    proc.on('close', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    }),
  );
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => {
    stderr += d;
    fs.appendFileSync(stderrPath, d);
  });
  const LISTEN_RE = /listening on http:\/\/127\.0\.0\.1:(\d+)/;
  await waitFor(
    () => {
      if (exit) throw new Error(`mcproxy exited before listening (${JSON.stringify(exit)}):\n${stderr}`);
      return LISTEN_RE.test(stderr);
    },
    10000,
    'mcproxy to listen',
  );
  const base = `http://127.0.0.1:${LISTEN_RE.exec(stderr)[1]}`;
  let last;
  try {
    await waitFor(
      async () => {
        if (exit) throw new Error(`mcproxy exited (${JSON.stringify(exit)})`);
        try {
          last = await (await fetch(`${base}/status`)).json();
        } catch {
          return false;
        }
        return last.servers?.find((s) => s.name === 'conformance')?.state === 'ready';
      },
      20000,
      'the fixture to be ready behind mcproxy (/status)',
    );
  } catch (e) {
    throw new Error(`${e.message}\nlast /status: ${JSON.stringify(last)}\n--- mcproxy stderr ---\n${stderr}`);
  }
  return {
    url: `${base}/mcp`,
    stop: async () => {
      if (!exit) proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      const t0 = Date.now();
      const info = await exited;
      clearTimeout(timer);
      await backend?.stop();
      const bad = stderr.split('\n').filter((l) => BAD_STDERR_RE.test(l));
      const problems = [];
      if (info.code !== 0) problems.push(`exit ${JSON.stringify(info)}`);
      if (Date.now() - t0 > 5000) problems.push(`stopping took ${Date.now() - t0} ms`);
      if (bad.length) problems.push(`stderr: ${shorten(bad.slice(0, 3).join(' | '))}`);
      return problems;
    },
  };
}

function startDirect(set) {
  return startHttpFixture(set, FIXTURES[set].http);
}

async function startHttpFixture(set, script) {
  const dir = path.join(RESULTS, set);
  const proc = track(spawn(NODE, [path.join(HERE, script)], { cwd: HERE, stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  let exit = null;
  const exited = new Promise((resolve) =>
    proc.on('close', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    }),
  );
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => fs.appendFileSync(path.join(dir, 'fixture-http.stderr.log'), d));
  const line = await waitFor(
    () => {
      if (exit) throw new Error(`${script} exited (${JSON.stringify(exit)})`);
      return out.includes('\n') && out.split('\n')[0];
    },
    10000,
    `${script} to print its URL`,
  );
  return {
    url: JSON.parse(line).url,
    stop: async () => {
      if (!exit) proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
      return [];
    },
  };
}

// ---------------------------------------------------------------------------
// Running a set
// ---------------------------------------------------------------------------

/** Reads one scenario's checks.json into {ok, reason, warnings}. */
function verdict(checksPath) {
  const checks = JSON.parse(fs.readFileSync(checksPath, 'utf8'));
  const failed = checks.filter((c) => c.status === 'FAILURE');
  return {
    ok: failed.length === 0,
    reason: failed.map((c) => `${c.name}: ${c.errorMessage ?? 'failed'}`).join('; '),
    warnings: checks.filter((c) => c.status === 'WARNING').length,
  };
}

/** The whole set in one suite process against url; results per scored scenario. */
async function runSet(set, label, url, scenarios, deadline) {
  const dir = path.join(RESULTS, set, label);
  fs.mkdirSync(dir, { recursive: true });
  const r = await runProcess(NODE, [SUITE, 'server', '--url', url, '--requirements', requirementOf(set), '-o', dir], {
    timeoutMs: Math.max(deadline - Date.now(), 1000),
    cwd: HERE,
    outFile: path.join(dir, 'output.txt'),
  });
  const found = {};
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const m = /^server-(.+)-\d{4}-\d\d-\d\dT/.exec(ent.name);
    const checks = ent.isDirectory() && m && path.join(dir, ent.name, 'checks.json');
    if (checks && fs.existsSync(checks)) found[m[1]] = verdict(checks);
  }
  const results = {};
  for (const s of scenarios) {
    results[s] = found[s] ?? {
      ok: false,
      warnings: 0,
      reason: r.timedOut ? 'not finished when the run-time budget was used up' : `no result (suite exit ${r.code})`,
    };
  }
  return results;
}

async function runRequirementSet(set) {
  fs.mkdirSync(path.join(RESULTS, set), { recursive: true });
  const scenarios = await scoredServerScenarios(set);
  const starters = { mcproxy: startGateway, direct: startDirect };
  const servers = {};
  const results = {};
  const extra = [];
  try {
    for (const t of targetsOf(set)) servers[t] = await starters[t](set);
    const deadline = Date.now() + SET_DEADLINE_MS;
    const runs = await Promise.all(targetsOf(set).map((t) => runSet(set, t, servers[t].url, scenarios, deadline)));
    targetsOf(set).forEach((t, i) => (results[t] = runs[i]));
  } finally {
    for (const t of Object.keys(servers)) {
      const problems = await servers[t].stop();
      if (t === 'mcproxy') extra.push([`${set}/mcproxy-clean-shutdown`, problems.length === 0, problems.join('; ')]);
    }
  }
  return { set, scenarios, results, extra };
}

async function main() {
  const t0 = Date.now();
  fs.rmSync(RESULTS, { recursive: true, force: true });
  fs.mkdirSync(RESULTS, { recursive: true });
  const outcomes = await Promise.all(SETS.map(runRequirementSet));

  let pass = 0;
  let fail = 0;
  const show = (r) => (!r ? '-' : r.ok ? `ok${r.warnings ? ` (${r.warnings} warn)` : ''}` : 'FAIL');
  for (const { set, scenarios, results, extra } of outcomes) {
    const targets = targetsOf(set);
    for (const s of scenarios) {
      const bad = targets.filter((t) => !results[t][s].ok);
      if (bad.length === 0) {
        pass++;
        console.log(`ok - ${set}/${s}`);
        continue;
      }
      fail++;
      const where =
        bad.length === targets.length && targets.length > 1
          ? 'through mcproxy and directly (fixture or suite)'
          : bad[0] === 'mcproxy'
            ? 'through mcproxy only'
            : 'directly only (fixture)';
      console.log(`not ok - ${set}/${s} (${where}: ${shorten(results[bad[0]][s].reason)})`);
    }
    for (const [name, ok, reason] of extra) {
      if (ok) pass++;
      else fail++;
      console.log(ok ? `ok - ${name}` : `not ok - ${name} (${reason})`);
    }
  }
  for (const { set, scenarios, results } of outcomes) {
    const width = Math.max(...scenarios.map((s) => s.length)) + 2;
    const targets = targetsOf(set);
    const direct = FIXTURES[set].http ? `, ${FIXTURES[set].http} directly` : '';
    console.log(`#`);
    const behind = FIXTURES[set].remote ? `${FIXTURES[set].remote} (remote, "url")` : FIXTURES[set].stdio;
    console.log(`# requirements ${set}: ${behind} behind mcproxy${direct}`);
    console.log(`# ${'scenario'.padEnd(width)}${targets.map((t) => t.padEnd(16)).join('')}`);
    for (const s of scenarios) console.log(`# ${s.padEnd(width)}${targets.map((t) => show(results[t][s]).padEnd(16)).join('')}`);
  }
  console.log(`# logs and checks.json files: ${RESULTS}`);
  console.log(`# run time ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`# pass ${pass}`);
  console.log(`# fail ${fail}`);
  return fail === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.log(`not ok - conformance-2026-run (${shorten(e?.message ?? e, 2000)})`);
    console.log('# pass 0');
    console.log('# fail 1');
    process.exit(1);
  },
);
