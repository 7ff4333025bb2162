// Helpers for the "set-and-forget operations" e2e files (reload, systemd notify,
// supervision, shutdown/shm): waiting for gateway log lines, a fake NOTIFY_SOCKET,
// config-file save styles, free ports. All waits are condition waits with deadlines.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

import { BUILD_DIR, waitFor, fatalError, callText, listAll } from './gateway.mjs';

export const NOTIFY_LISTENER_BIN = path.join(BUILD_DIR, 'tests', 'tools', 'notify-listener');

function tail(text, n = 40) {
  return text.split('\n').slice(-n).join('\n');
}

/** Current length of the gateway's stderr: pass it as `from` to only look at later lines. */
export function logMark(gw) {
  return gw.stderr().length;
}

/**
 * Waits until the gateway's stderr (from offset `from`) matches `re`; returns the match.
 * Fails at once if the gateway exits.
 */
export async function waitForLog(gw, re, { from = 0, timeoutMs = 10000, what } = {}) {
  try {
    return await waitFor(() => {
      const m = re.exec(gw.stderr().slice(from));
      if (m) return m;
      if (gw.exitInfo()) throw fatalError(`gateway exited: ${JSON.stringify(gw.exitInfo())}`);
      return null;
    }, { timeoutMs, intervalMs: 10, what: what || `gateway log line ${re}` });
  } catch (e) {
    throw new Error(`${e.message}\n--- stderr tail ---\n${tail(gw.stderr())}`);
  }
}

/** Lines of the gateway's stderr (from offset `from`) that match `re`. */
export function logLines(gw, re, from = 0) {
  return gw.stderr().slice(from).split('\n').filter((l) => re.test(l));
}

/** Writes `text` to a temporary file next to `file` and renames it over `file` (atomic save). */
export function writeAtomic(file, text) {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${Date.now()}`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** Points symlink `link` at `target` atomically (ln -sfn via rename of a fresh symlink). */
export function swapSymlink(link, target) {
  const tmp = path.join(path.dirname(link), `.${path.basename(link)}.lnk-${process.pid}-${Date.now()}`);
  fs.symlinkSync(target, tmp);
  fs.renameSync(tmp, link);
}

export function configText(servers, mcproxy) {
  const doc = { mcpServers: servers };
  if (mcproxy) doc.mcproxy = mcproxy;
  return JSON.stringify(doc, null, 2);
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export function shmPath(port) {
  return `/dev/shm/mcproxy-${process.getuid()}-${port}`;
}

/**
 * After a gateway was SIGKILLed (a failed test's clean-up), removes the status-board segment
 * it could not remove itself, if that gateway owned it. No-op while it runs.
 */
export function removeBoardOf(gw) {
  if (!gw?.port || !gw.exitInfo()) return;
  const file = shmPath(gw.port);
  try {
    const b = fs.readFileSync(file);
    if (b.length >= 16 && b.readInt32LE(12) === gw.pid) fs.rmSync(file, { force: true });
  } catch {}
}

/**
 * Counts notifications/tools/list_changed per client and records when each arrived.
 * `clients` is {label: Client}.
 */
export function trackListChanged(clients) {
  const seen = {};
  for (const [label, c] of Object.entries(clients)) {
    seen[label] = [];
    c.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      seen[label].push(Date.now());
    });
  }
  return {
    seen,
    counts: () => Object.fromEntries(Object.entries(seen).map(([k, v]) => [k, v.length])),
    /** Waits until every client got a notification after index `marks[label]`; returns arrival times. */
    async waitAll(marks, { timeoutMs = 10000, what = 'notifications/tools/list_changed on every client' } = {}) {
      const counts = () => Object.fromEntries(Object.entries(seen).map(([k, v]) => [k, v.length]));
      try {
        await waitFor(() => Object.keys(seen).every((k) => seen[k].length > (marks?.[k] ?? 0)), {
          timeoutMs,
          intervalMs: 5,
          what,
        });
      } catch (e) {
        throw new Error(`${e.message}; counts ${JSON.stringify(counts())}, marks ${JSON.stringify(marks)}`);
      }
      return Object.fromEntries(Object.keys(seen).map((k) => [k, seen[k][marks?.[k] ?? 0]]));
    },
  };
}

/**
 * Proves each client's server-to-client notification stream is up (the Streamable HTTP
 * client opens its GET stream asynchronously after initialize): toggles test-server
 * tool `<server>__toggle_extra` twice and waits for list_changed on every client each time.
 */
export async function primeNotifications(tracker, clients, server) {
  const any = Object.values(clients)[0];
  for (let i = 0; i < 2; i++) {
    const marks = tracker.counts();
    await callText(any, `${server}__toggle_extra`);
    await tracker.waitAll(marks, { what: `priming list_changed #${i + 1} via ${server}__toggle_extra` });
  }
  // Both toggles done: the extra tool is gone again on every client.
  for (const c of Object.values(clients)) {
    await waitFor(async () => !(await listAll(c, 'tools')).some((t) => t.name === `${server}__extra`), {
      timeoutMs: 5000,
      what: `${server}__extra gone after priming`,
    });
  }
}

// ---------------------------------------------------------------------------
// Fake systemd notification socket
// ---------------------------------------------------------------------------

/**
 * Starts `notify-listener SOCKET` in a fresh directory and collects its lines as
 * {ms, payload, at} (ms: CLOCK_MONOTONIC milliseconds from the listener; at: Date.now()
 * when node read the line). stop() closes its stdin, which ends it.
 */
export async function startNotifyListener() {
  if (!fs.existsSync(NOTIFY_LISTENER_BIN)) {
    throw new Error(`notify-listener not found at ${NOTIFY_LISTENER_BIN} (build it)`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcproxy-e2e-notify-'));
  const socketPath = path.join(dir, 'notify.sock');
  const proc = spawn(NOTIFY_LISTENER_BIN, [socketPath], { stdio: ['pipe', 'pipe', 'pipe'] });
  const messages = [];
  let ready = false;
  let buf = '';
  let stderr = '';
  let exitInfo = null;
  const exited = new Promise((resolve) => {
    proc.on('close', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line === 'ready') {
        ready = true;
        continue;
      }
      const m = /^(\d+) (.*)$/.exec(line);
      if (m) messages.push({ ms: Number(m[1]), payload: m[2], at: Date.now() });
      else messages.push({ ms: NaN, payload: line, at: Date.now(), malformed: true });
    }
  });
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => {
    stderr += d;
  });
  await waitFor(() => {
    if (exitInfo) throw fatalError(`notify-listener exited: ${JSON.stringify(exitInfo)} ${stderr}`);
    return ready;
  }, { timeoutMs: 5000, intervalMs: 10, what: 'notify-listener "ready"' });

  const listener = {
    socketPath,
    dir,
    messages,
    proc,
    payloads: () => messages.map((m) => m.payload),
    /** Waits for a message (index >= from) whose payload matches `re`; returns {index, ...msg}. */
    async waitFor(re, { from = 0, timeoutMs = 10000, what } = {}) {
      return waitFor(() => {
        for (let i = from; i < messages.length; i++) {
          if (re.test(messages[i].payload)) return { index: i, ...messages[i] };
        }
        return null;
      }, {
        timeoutMs,
        intervalMs: 5,
        what: `${what || `notify message ${re}`}; received so far: ${JSON.stringify(messages.slice(from).map((m) => m.payload))}`,
      });
    },
    async stop() {
      if (!exitInfo) {
        proc.stdin.end();
        const r = await Promise.race([exited, new Promise((res) => setTimeout(() => res(null), 3000).unref())]);
        if (!r) proc.kill('SIGKILL');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return listener;
}

