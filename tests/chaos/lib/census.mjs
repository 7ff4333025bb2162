// What the supervisor holds, counted from /proc and /dev/shm: file descriptors (and which of
// them are TCP connections to its port), threads, resident memory, shared-memory segments, and
// the process tree below it. Also a plain HTTP GET that opens and closes its own connection,
// so that the census is not disturbed by a keep-alive pool.

import fs from 'node:fs';
import http from 'node:http';

import { processTree } from '../../e2e/lib/gateway.mjs';

/** Inodes of TCP sockets whose local port is `port` and that are not listening. */
function connectionInodes(pid, port) {
  const inodes = new Set();
  for (const file of ['tcp', 'tcp6']) {
    let text;
    try {
      text = fs.readFileSync(`/proc/${pid}/net/${file}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const localPort = parseInt(f[1].split(':')[1], 16);
      const state = f[3];
      if (localPort === port && state !== '0A') inodes.add(f[9]);
    }
  }
  return inodes;
}

/** {total, connections, targets: [readlink of each fd]} for `pid`; `port` is the gateway's. */
export function fdCensus(pid, port) {
  const conn = connectionInodes(pid, port);
  const targets = [];
  let connections = 0;
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    let target;
    try {
      target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed while we looked
    }
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m && conn.has(m[1])) connections++;
    targets.push(`${fd} -> ${target}`);
  }
  return { total: targets.length, connections, targets };
}

export function threadCount(pid) {
  return fs.readdirSync(`/proc/${pid}/task`).length;
}

export function rssKB(pid) {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** Names of status-board segments (/dev/shm/mcproxy-*), sorted. */
export function shmSegments() {
  try {
    return fs.readdirSync('/dev/shm').filter((n) => n.startsWith('mcproxy-')).sort();
  } catch {
    return [];
  }
}

function procInfo(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rp = stat.lastIndexOf(')');
    const fields = stat.slice(rp + 2).split(' ');
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return { pid, state: fields[0], ppid: Number(fields[1]), cmd };
  } catch {
    return null;
  }
}

/** Every process below `pid`, with its state (Z: zombie, T: stopped) and command line. */
export function treeCensus(pid) {
  return processTree(pid).map(procInfo).filter(Boolean);
}

/** Live processes anywhere whose command line contains `tag` and that are not in `tree`. */
export function strays(tag, tree) {
  const inTree = new Set(tree.map((p) => p.pid));
  const out = [];
  for (const ent of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(ent) || inTree.has(Number(ent)) || Number(ent) === process.pid) continue;
    const info = procInfo(Number(ent));
    if (info && info.cmd.includes(tag) && info.state !== 'Z') out.push(info);
  }
  return out;
}

/**
 * GET `url` on a connection of its own ("Connection: close"), with a deadline. Resolves with
 * {status, body}; rejects on a connection error or the deadline.
 */
export function plainGet(url, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode, body });
      });
      res.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    const timer = setTimeout(() => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

export async function getStatus(baseUrl, timeoutMs = 5000) {
  const r = await plainGet(`${baseUrl}/status`, timeoutMs);
  if (r.status !== 200) throw new Error(`/status answered HTTP ${r.status}`);
  return JSON.parse(r.body);
}
