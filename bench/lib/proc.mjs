// /proc readers: memory (VmRSS, VmHWM, PSS) and CPU time of processes.

import fs from 'node:fs';
import { spawnSync } from 'node:child_process';

let clkTck = null;
/** Clock ticks per second used by /proc/PID/stat utime/stime. */
export function clockTicks() {
  if (clkTck == null) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    clkTck = Number(r.stdout.trim()) || 100;
  }
  return clkTck;
}

function readStatFields(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** {ppid, state, cpuUs (utime+stime, µs)} of pid, or null if gone. */
export function procStat(pid) {
  const f = readStatFields(pid);
  if (!f) return null;
  const ticks = Number(f[11]) + Number(f[12]);
  return { state: f[0], ppid: Number(f[1]), cpuUs: (ticks * 1e6) / clockTicks() };
}

/** Memory of pid in kB: rss (VmRSS), hwm (VmHWM, peak RSS), pss (smaps_rollup, if readable), threads. */
export function procMem(pid) {
  const out = { pid, rssKb: null, hwmKb: null, pssKb: null, threads: null };
  let status;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return { ...out, error: 'gone' };
  }
  const field = (name) => {
    const m = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status);
    return m ? Number(m[1]) : null;
  };
  out.rssKb = field('VmRSS');
  out.hwmKb = field('VmHWM');
  out.threads = field('Threads');
  try {
    const roll = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const m = /^Pss:\s+(\d+)\s+kB/m.exec(roll);
    if (m) out.pssKb = Number(m[1]);
  } catch {
    // not readable (permissions / kernel without smaps_rollup): PSS stays null
  }
  return out;
}

/** Sum of CPU time (µs) of the given pids; pids that are gone count 0 and are reported. */
export function cpuOf(pids) {
  let us = 0;
  const gone = [];
  for (const pid of pids) {
    const st = procStat(pid);
    if (st) us += st.cpuUs;
    else gone.push(pid);
  }
  return { us, gone };
}

/** CPU time (µs) of this Node process (user + system, all threads). */
export function selfCpuUs() {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Basic facts about the machine for the JSON report. */
export function machineInfo() {
  let cpuModel = null;
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1].trim();
  } catch {}
  let kernel = null;
  try {
    kernel = fs.readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {}
  return { cpuModel, kernel };
}
