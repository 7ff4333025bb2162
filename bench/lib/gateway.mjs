// Starts and stops the mcproxy supervisor for the benchmark.
// Readiness is a condition wait with a deadline (stderr "listening" line, then
// GET /status until every server is "ready"); never a fixed sleep.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { procStat } from './proc.mjs';

const LISTEN_RE = /listening on http:\/\/127\.0\.0\.1:(\d+)/;

/** Polls `pred` every `intervalMs` until truthy or the deadline passes (then throws). */
export async function waitFor(pred, { timeoutMs, intervalMs = 20, what }) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await pred();
      if (v) return v;
    } catch (e) {
      if (e.fatal) throw e;
      last = e;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `; last error: ${last.message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function fatal(msg) {
  const e = new Error(msg);
  e.fatal = true;
  return e;
}

/** All descendant pids of pid (from /proc ppid links). */
export function descendants(pid) {
  const kids = new Map();
  for (const ent of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    const st = procStat(Number(ent));
    if (!st) continue;
    if (!kids.has(st.ppid)) kids.set(st.ppid, []);
    kids.get(st.ppid).push(Number(ent));
  }
  const out = [];
  const q = [pid];
  while (q.length) for (const c of kids.get(q.shift()) || []) out.push(c), q.push(c);
  return out;
}

/**
 * Starts `${buildDir}/supervisor/mcproxy` on 127.0.0.1:0 with `servers` as mcpServers.
 * Resolves to a handle once every server reports "ready" in /status.
 */
export async function startGateway({ buildDir, servers, readyTimeoutMs = 20000 }) {
  const bin = path.join(buildDir, 'supervisor', 'mcproxy');
  if (!fs.existsSync(bin)) throw new Error(`mcproxy binary not found at ${bin} (build first or set MCPROXY_BUILD_DIR)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcproxy-bench-'));
  const configPath = path.join(dir, 'config.json');
  fs.writeFileSync(configPath, JSON.stringify({ mcpServers: servers }, null, 2));
  const stderrPath = path.join(dir, 'stderr.log');
  const stderrFd = fs.openSync(stderrPath, 'w');

  const t0 = process.hrtime.bigint();
  const proc = spawn(bin, ['--config', configPath, '--listen', '127.0.0.1:0', '--log'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let exitInfo = null;
  const exited = new Promise((resolve) =>
    proc.on('close', (code, signal) => {
      exitInfo = { code, signal };
      try {
        fs.closeSync(stderrFd);
      } catch {}
      resolve(exitInfo);
    }),
  );
  proc.on('error', (e) => (stderr += `\n[bench] spawn error: ${e.message}\n`));
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => {
    stderr += d;
    try {
      fs.writeSync(stderrFd, d);
    } catch {}
  });

  const gw = {
    proc,
    pid: proc.pid,
    dir,
    configPath,
    stderrPath,
    stderr: () => stderr,
    exitInfo: () => exitInfo,
    exited,
  };
  gw.kill = () => {
    if (exitInfo) return exited;
    const tree = descendants(proc.pid);
    try {
      proc.kill('SIGKILL');
    } catch {}
    for (const p of tree) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {}
    }
    return exited;
  };
  const tailErr = () => stderr.split('\n').slice(-30).join('\n');

  try {
    await waitFor(
      () => {
        if (exitInfo) throw fatal(`gateway exited before listening: ${JSON.stringify(exitInfo)}`);
        return LISTEN_RE.test(stderr);
      },
      { timeoutMs: 10000, what: 'the "listening on" stderr line' },
    );
    gw.port = Number(LISTEN_RE.exec(stderr)[1]);
    gw.url = `http://127.0.0.1:${gw.port}`;
    gw.status = async () => {
      const r = await fetch(`${gw.url}/status`);
      if (r.status !== 200) throw new Error(`/status HTTP ${r.status}`);
      return r.json();
    };
    const names = Object.keys(servers);
    gw.readyStatus = await waitFor(
      async () => {
        if (exitInfo) throw fatal(`gateway exited: ${JSON.stringify(exitInfo)}`);
        const st = await gw.status();
        return names.every((n) => st.servers?.find((s) => s.name === n)?.state === 'ready') ? st : null;
      },
      { timeoutMs: readyTimeoutMs, intervalMs: 20, what: `all ${names.length} servers ready in /status` },
    );
    gw.startupMs = Number(process.hrtime.bigint() - t0) / 1e6;
  } catch (e) {
    await gw.kill();
    throw new Error(`${e.message}\nconfig: ${configPath}\n--- gateway stderr tail ---\n${tailErr()}`);
  }

  /** SIGTERM, then wait (deadline) for exit; kills the tree if it does not exit in time. */
  gw.stop = async (timeoutMs = 5000) => {
    if (exitInfo) return { ...exitInfo, ms: 0, forced: false };
    const t = Date.now();
    proc.kill('SIGTERM');
    let timer;
    const r = await Promise.race([
      exited,
      new Promise((res) => (timer = setTimeout(() => res(null), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (!r) {
      await gw.kill();
      return { ...exitInfo, ms: Date.now() - t, forced: true };
    }
    return { ...r, ms: Date.now() - t, forced: false };
  };
  gw.tail = tailErr;
  return gw;
}
