// sd_notify(3) against a fake NOTIFY_SOCKET (tests/tools/notify-listener): READY=1 only
// once every server is ready, STATUS= text (at most once a second), RELOADING=1 with
// MONOTONIC_USEC then READY=1 around every reload (also a rejected one), STOPPING=1 on
// SIGTERM; the watchdog pings every WATCHDOG_USEC/2 and stops pinging while the event
// loop is stalled (test hook), then resumes.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  startGateway,
  testServer,
  TEST_SERVER_BIN,
  connectSse,
  connectStreamable,
  callText,
  waitFor,
} from './lib/gateway.mjs';
import { startNotifyListener, logMark, waitForLog, writeAtomic, configText, removeBoardOf } from './lib/ops.mjs';

const READY_RE = /^READY=1$/;
const RELOADING_RE = /^RELOADING=1\|MONOTONIC_USEC=(\d+)$/;
const STATUS_RE = /^STATUS=(\d+)\/(\d+) servers ready, (\d+) session\(s\)$/;
const WATCHDOG_RE = /^WATCHDOG=1$/;

function byName(st) {
  return Object.fromEntries(st.servers.map((s) => [s.name, s]));
}

/** A test server that takes ~`ms` to start (a shell sleeps, then execs the server). */
function slowServer(name, ms) {
  return {
    command: '/bin/sh',
    args: ['-c', `sleep ${ms / 1000}; exec "$0" "$@"`, TEST_SERVER_BIN, '--name', name],
  };
}

/** Checks RELOADING=1 (with a MONOTONIC_USEC near the listener's clock) followed by READY=1, from `from`. */
async function expectReloadPair(listener, from, what) {
  const rel = await listener.waitFor(RELOADING_RE, { from, what: `RELOADING=1 for ${what}` });
  const usec = Number(RELOADING_RE.exec(rel.payload)[1]);
  // Both are CLOCK_MONOTONIC: the stamp is taken just before the datagram is sent.
  assert.ok(Math.abs(usec / 1000 - rel.ms) < 1000,
    `${what}: MONOTONIC_USEC ${usec} is near the receive time ${rel.ms} ms (CLOCK_MONOTONIC)`);
  const ready = await listener.waitFor(READY_RE, { from: rel.index + 1, what: `READY=1 after RELOADING=1 for ${what}` });
  return { rel, ready };
}

describe('systemd notify protocol (fake NOTIFY_SOCKET)', { timeout: 180000 }, () => {
  it('READY=1 after all servers are ready; STATUS=; RELOADING=1/READY=1 for SIGHUP, file change and a rejected reload; STOPPING=1', async () => {
    const listener = await startNotifyListener();
    let gw;
    let clients = [];
    try {
      gw = await startGateway({
        servers: { fast: testServer('fast'), slow: slowServer('slow', 1500) },
        env: { NOTIFY_SOCKET: listener.socketPath },
        waitReady: false,
      });

      // At the moment READY=1 arrives, /status must show every server ready.
      const ready = await listener.waitFor(READY_RE, { timeoutMs: 20000, what: 'READY=1 at start-up' });
      const stAtReady = byName(await gw.status());
      assert.equal(stAtReady.fast.state, 'ready', `fast ready when READY=1 arrived: ${JSON.stringify(stAtReady)}`);
      assert.equal(stAtReady.slow.state, 'ready', `slow ready when READY=1 arrived: ${JSON.stringify(stAtReady)}`);

      const early = listener.messages.slice(0, ready.index).map((m) => m.payload);
      console.log(`# notify messages before READY=1: ${JSON.stringify(early)}`);
      const statuses = early.filter((p) => p.startsWith('STATUS='));
      assert.ok(statuses.length >= 1, `a STATUS= came before READY=1: ${JSON.stringify(early)}`);
      for (const p of statuses) assert.match(p, STATUS_RE, `STATUS text format: ${p}`);
      assert.equal(statuses[statuses.length - 1], 'STATUS=2/2 servers ready, 0 session(s)',
        `the STATUS right before READY=1 says all servers are ready: ${JSON.stringify(early)}`);
      // The slow server was not ready at first: the gateway said so before READY=1.
      assert.ok(statuses.some((p) => /^STATUS=[01]\/2 /.test(p)), `an earlier STATUS showed fewer than 2/2 ready: ${JSON.stringify(statuses)}`);
      assert.equal(early.filter((p) => READY_RE.test(p)).length, 0);
      assert.equal(listener.messages.filter((m) => m.malformed).length, 0);
      const firstMs = listener.messages[0].ms;
      console.log(`# READY=1 came ${ready.ms - firstMs} ms after the first notify message (slow server sleeps 1500 ms)`);
      assert.ok(ready.ms - firstMs >= 1000, 'READY=1 waited for the slow server');

      // Clients connect: STATUS follows, at most once a second.
      const fromClients = listener.messages.length;
      clients.push(await connectSse(gw.url));
      await listener.waitFor(/^STATUS=2\/2 servers ready, 1 session\(s\)$/, { from: fromClients, timeoutMs: 5000 });
      // Churn: sessions come and go quickly for a few seconds; STATUS may change only once a second.
      // (Streamable HTTP clients: they DELETE their session on close, so the count drops at once.)
      const statusCount = () => listener.messages.slice(fromClients).filter((m) => m.payload.startsWith('STATUS=')).length;
      const churnStart = Date.now();
      let i = 0;
      while (statusCount() < 4 && Date.now() - churnStart < 15000) {
        const c = await connectStreamable(gw.url);
        clients.push(c);
        await callText(c, 'fast__echo', { text: `churn-${i}` });
        if (clients.length > 4) {
          for (const d of clients.splice(1)) await d.close2().catch(() => {});
        }
        i++;
      }
      console.log(`# churned ${i} sessions in ${Date.now() - churnStart} ms`);
      for (const d of clients.splice(1)) await d.close2().catch(() => {});
      await gw.waitForStatus((st) => st.sessions.total === 1, 10000, 'one session left');
      await waitFor(() => {
        const last = listener.messages.filter((m) => m.payload.startsWith('STATUS=')).pop();
        return last?.payload === 'STATUS=2/2 servers ready, 1 session(s)';
      }, { timeoutMs: 5000, what: 'the latest STATUS says 1 session' });
      const statusTimes = listener.messages.slice(fromClients).filter((m) => m.payload.startsWith('STATUS=')).map((m) => m.ms);
      const gaps = statusTimes.slice(1).map((t, i) => t - statusTimes[i]);
      console.log(`# STATUS= messages during client churn: ${statusTimes.length}, gaps ${JSON.stringify(gaps)} ms`);
      assert.ok(statusTimes.length >= 3, `several STATUS= updates during the churn: ${statusTimes.length}`);
      for (const g of gaps) assert.ok(g >= 900, `STATUS= updates at most once a second; gap of ${g} ms`);

      // SIGHUP reload.
      let from = listener.messages.length;
      let mark = logMark(gw);
      process.kill(gw.pid, 'SIGHUP');
      await waitForLog(gw, /reloaded \(SIGHUP\) in \d+ us: no changes/, { from: mark });
      await expectReloadPair(listener, from, 'SIGHUP');

      // File-change reload (adds a server).
      from = listener.messages.length;
      mark = logMark(gw);
      writeAtomic(gw.configPath, configText({ fast: testServer('fast'), slow: slowServer('slow', 1500), third: testServer('third') }));
      await waitForLog(gw, /reloaded \(file change\) in \d+ us: added: third/, { from: mark });
      await expectReloadPair(listener, from, 'file change');
      await listener.waitFor(/^STATUS=3\/3 servers ready, 1 session\(s\)$/, { from, timeoutMs: 10000, what: 'STATUS with 3/3 after the reload' });

      // A rejected reload still ends with READY=1 (systemd would otherwise stay "reloading").
      from = listener.messages.length;
      mark = logMark(gw);
      writeAtomic(gw.configPath, '{"mcpServers": {');
      await waitForLog(gw, /reload \(file change\) rejected, the running config keeps serving/, { from: mark });
      await expectReloadPair(listener, from, 'a rejected reload');
      assert.equal(await callText(clients[0], 'third__echo', { text: 'kept' }), 'kept');

      // SIGTERM: STOPPING=1, then exit 0.
      from = listener.messages.length;
      for (const c of clients) await c.close2().catch(() => {});
      clients = [];
      const r = await gw.stop();
      assert.equal(r.code, 0, `exit code (signal ${r.signal})`);
      const stopping = await listener.waitFor(/^STOPPING=1$/, { from, timeoutMs: 2000 });
      assert.ok(stopping);
      const after = listener.messages.slice(stopping.index + 1).map((m) => m.payload);
      assert.ok(!after.includes('READY=1'), `no READY=1 after STOPPING=1: ${JSON.stringify(after)}`);
      console.log(`# all notify messages: ${JSON.stringify(listener.payloads())}`);
    } finally {
      for (const c of clients) await c.close2().catch(() => {});
      if (gw && !gw.exitInfo()) await gw.kill();
      removeBoardOf(gw);
      await listener.stop();
    }
    gw.assertClean();
  });

  it('watchdog: WATCHDOG_USEC=1000000 → WATCHDOG=1 about every 500 ms', async () => {
    const listener = await startNotifyListener();
    let gw;
    try {
      gw = await startGateway({
        servers: { a: testServer('a') },
        env: { NOTIFY_SOCKET: listener.socketPath, WATCHDOG_USEC: '1000000' },
      });
      await waitForLog(gw, /systemd watchdog: 1000 ms, pinging every 500 ms/);
      const first = await listener.waitFor(WATCHDOG_RE, { timeoutMs: 5000, what: 'first WATCHDOG=1' });
      await waitFor(() => listener.messages.filter((m) => WATCHDOG_RE.test(m.payload)).length >= 8, {
        timeoutMs: 10000,
        what: '8 WATCHDOG=1 pings',
      });
      const times = listener.messages.slice(first.index).filter((m) => WATCHDOG_RE.test(m.payload)).map((m) => m.ms);
      const gaps = times.slice(1).map((t, i) => t - times[i]);
      console.log(`# watchdog ping intervals: ${JSON.stringify(gaps)} ms`);
      for (const g of gaps) assert.ok(g >= 300 && g <= 900, `watchdog interval ${g} ms outside [300, 900]`);
      const r = await gw.stop();
      assert.equal(r.code, 0);
    } finally {
      if (gw && !gw.exitInfo()) await gw.kill();
      removeBoardOf(gw);
      await listener.stop();
    }
    gw.assertClean();
  });

  it('watchdog: a stalled event loop (test hook, 3 s) withholds WATCHDOG=1; pings resume afterwards', async () => {
    const listener = await startNotifyListener();
    let gw;
    try {
      gw = await startGateway({
        servers: { a: testServer('a') },
        env: {
          NOTIFY_SOCKET: listener.socketPath,
          WATCHDOG_USEC: '1000000',
          MCPROXY_TEST_HOOKS: '1',
          MCPROXY_TEST_STALL_MS: '3000',
        },
      });
      const pings = () => listener.messages.filter((m) => WATCHDOG_RE.test(m.payload));
      await waitFor(() => pings().length >= 3, { timeoutMs: 5000, what: '3 WATCHDOG=1 pings before the stall' });

      const mark = logMark(gw);
      const nBefore = pings().length;
      process.kill(gw.pid, 'SIGUSR2');
      await waitForLog(gw, /test hook: stalling the event loop for 3000 ms/, { from: mark });
      const failed = await waitForLog(gw, /ERROR self-check failed/, { from: mark, timeoutMs: 3000 });
      const resumed = await waitForLog(gw, /self-check passes again/, { from: mark, timeoutMs: 8000 });
      assert.ok(failed.index < resumed.index, '"self-check failed" comes before "self-check passes again"');
      await waitFor(() => pings().length >= nBefore + 3, { timeoutMs: 5000, what: 'pings resume after the stall' });

      const times = pings().map((m) => m.ms);
      const gaps = times.slice(1).map((t, i) => ({ gap: t - times[i], after: i + 1 }));
      const longest = gaps.reduce((a, b) => (b.gap > a.gap ? b : a));
      console.log(`# watchdog gaps around the stall: ${JSON.stringify(gaps.map((g) => g.gap))} ms; longest ${longest.gap} ms`);
      assert.ok(longest.gap >= 2500, `a gap of >= 2500 ms without WATCHDOG=1 (longest ${longest.gap} ms)`);
      assert.ok(longest.gap < 5000, `pings resumed after the 3 s stall (gap ${longest.gap} ms)`);
      // After the stall the rhythm is normal again.
      const resumedGaps = gaps.slice(longest.after).map((g) => g.gap);
      assert.ok(resumedGaps.length >= 2, `at least 2 intervals after the stall: ${JSON.stringify(resumedGaps)}`);
      for (const g of resumedGaps) assert.ok(g >= 300 && g <= 900, `interval ${g} ms after the stall outside [300, 900]`);

      // The gateway still serves.
      const c = await connectStreamable(gw.url);
      assert.equal(await callText(c, 'a__echo', { text: 'alive' }), 'alive');
      await c.close2();
      const st = await gw.status();
      assert.equal(st.servers[0].state, 'ready');
      assert.equal(st.servers[0].restarts, 0, 'a 3 s supervisor stall does not kill workers (heartbeat timeout is longer)');
      const r = await gw.stop();
      assert.equal(r.code, 0);
    } finally {
      if (gw && !gw.exitInfo()) await gw.kill();
      removeBoardOf(gw);
      await listener.stop();
    }
    gw.assertClean();
  });
});
