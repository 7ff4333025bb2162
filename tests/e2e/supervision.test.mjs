// Supervision of workers and backends: memory limit over the backend's process tree,
// liveness pings (a hung backend is restarted and its calls fail), per-call timeouts
// (with a ping probe that restarts a backend hung on that call), heartbeats through the
// shared-memory status board (a stopped worker is killed and replaced), restart backoff
// that gives up ("failed") after repeated fast failures, backend stderr in the log and
// in /status.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  sharedGateway,
  itStopsCleanly,
  startGateway,
  testServer,
  connectSse,
  connectStreamable,
  callText,
  settle,
  waitFor,
  pidAlive,
} from './lib/gateway.mjs';
import { logMark, waitForLog } from './lib/ops.mjs';

const restartLatencies = [];
function recordRestart(label, ms) {
  restartLatencies.push({ label, ms });
  console.log(`# restart latency: ${label}: ${ms} ms`);
}

function byName(st) {
  return Object.fromEntries(st.servers.map((s) => [s.name, s]));
}

/** Waits until `name` is ready with a backend other than `oldBackendPid` and more restarts than `oldRestarts`. */
function waitRestarted(gw, name, old, timeoutMs = 15000) {
  return gw.waitForStatus((st) => {
    const s = byName(st)[name];
    return s && s.state === 'ready' && s.backendPid > 0 && s.backendPid !== old.backendPid && s.restarts > old.restarts;
  }, timeoutMs, `${name} restarted (backend other than ${old.backendPid}) and ready`).then((st) => byName(st)[name]);
}

describe('supervision: limits, pings, timeouts, heartbeats, backoff, stderr', { timeout: 240000 }, () => {
  const gw = sharedGateway({
    servers: {
      mem: testServer('mem', [], { memoryLimitMB: 100 }),
      hung: testServer('hung', [], { pingIntervalMs: 500, pingTimeoutMs: 500 }),
      tmo: testServer('tmo', [], { timeoutMs: 300 }),
      // No periodic pings: only the probe sent after a timed-out call can notice the hang.
      probe: testServer('probe', [], { timeoutMs: 300, pingIntervalMs: 0, pingTimeoutMs: 1000 }),
      stop: testServer('stop'),
      other: testServer('other'),
    },
  });

  /** Checks that `other` is untouched and still answers on a fresh client. */
  async function otherUnaffected(other0) {
    const st = byName(await gw.status());
    assert.equal(st.other.state, 'ready');
    assert.equal(st.other.restarts, 0, 'other was never restarted');
    assert.equal(st.other.backendPid, other0.backendPid, 'other kept its backend');
    assert.equal(st.other.workerPid, other0.workerPid, 'other kept its worker');
    const c = await connectStreamable(gw.url);
    try {
      assert.equal(await callText(c, 'other__echo', { text: 'unaffected' }), 'unaffected');
    } finally {
      await c.close2();
    }
  }

  it('/status reports heartbeat age, backend RSS and frame counters per server', async () => {
    const c = await connectStreamable(gw.url);
    try {
      // The first measurement can catch a backend that is still being exec'd (a few KB);
      // backends are re-measured every second with a memory limit, every 5 s without.
      const st0 = byName(await gw.waitForStatus((st) => st.servers.every((s) => s.backendRssKB > 1024), 12000,
        'backendRssKB of a running test server (> 1 MB) for every server'));
      for (const s of Object.values(st0)) {
        assert.ok(Number.isInteger(s.heartbeatAgeMs) && s.heartbeatAgeMs >= 0 && s.heartbeatAgeMs < 3000,
          `${s.name} heartbeatAgeMs ${s.heartbeatAgeMs} (workers beat every second)`);
        assert.ok(s.backendRssKB > 1024 && s.backendRssKB < 100 * 1024, `${s.name} backendRssKB ${s.backendRssKB}`);
        assert.ok(Number.isInteger(s.framesToBackend) && Number.isInteger(s.framesFromBackend), JSON.stringify(s));
      }
      for (let i = 0; i < 5; i++) assert.equal(await callText(c, 'other__echo', { text: `f${i}` }), `f${i}`);
      const other1 = (await gw.server('other'));
      assert.ok(other1.framesToBackend >= st0.other.framesToBackend + 5,
        `framesToBackend grew by >= 5: ${st0.other.framesToBackend} -> ${other1.framesToBackend}`);
      assert.ok(other1.framesFromBackend >= st0.other.framesFromBackend + 5,
        `framesFromBackend grew by >= 5: ${st0.other.framesFromBackend} -> ${other1.framesFromBackend}`);
    } finally {
      await c.close2();
    }
    gw.assertClean();
  });

  it('(a) memoryLimitMB 100 + alloc 150 MB: backend killed and restarted; lastError says why; others unaffected', async () => {
    const c = await connectStreamable(gw.url);
    try {
      const st0 = byName(await gw.status());
      const mem0 = st0.mem;
      assert.equal(Number(await callText(c, 'mem__whoami')), mem0.backendPid);
      const mark = logMark(gw);
      const t0 = Date.now();
      // The call itself may succeed (the allocation is quick) or fail (killed first).
      const r = await settle(c.callTool({ name: 'mem__alloc', arguments: { mb: 150 } }, undefined, { timeout: 30000 }));
      console.log(`# mem__alloc(150) ${r.ok ? `returned ${JSON.stringify(r.value.content?.[0]?.text)}` : `failed: ${r.error?.message}`} after ${r.ms} ms`);
      const line = await waitForLog(gw, /\[mem\] backend over its memory limit: (\d+) MB in (\d+) process\(es\) > memoryLimitMB 100/,
        { from: mark, timeoutMs: 10000, what: 'the memory-limit kill in the log' });
      const killedAt = Date.now();
      assert.ok(Number(line[1]) > 100, `measured ${line[1]} MB`);
      const mem1 = await waitRestarted(gw, 'mem', mem0);
      recordRestart('memory limit kill → ready', Date.now() - killedAt);
      console.log(`# memory limit: alloc sent → kill logged ${killedAt - t0} ms`);
      assert.equal(mem1.restarts, mem0.restarts + 1, 'restarts +1');
      assert.notEqual(mem1.backendPid, mem0.backendPid);
      assert.match(mem1.lastError || '', /over its memory limit/, `lastError: ${JSON.stringify(mem1)}`);
      assert.ok(mem1.lastExit, `lastExit recorded: ${JSON.stringify(mem1)}`);
      await waitFor(() => !pidAlive(mem0.backendPid), { timeoutMs: 5000, what: `old backend ${mem0.backendPid} gone` });
      assert.equal(Number(await callText(c, 'mem__whoami')), mem1.backendPid);
      // The new backend starts small again.
      const memNow = await gw.waitForStatus((st) => byName(st).mem.backendRssKB > 0 && byName(st).mem.backendRssKB < 50 * 1024,
        5000, 'the new backend measured well under the limit');
      assert.ok(byName(memNow).mem.backendRssKB < 100 * 1024);
      await otherUnaffected(st0.other);
    } finally {
      await c.close2();
    }
    gw.assertClean();
  });

  it('(b) pingIntervalMs/pingTimeoutMs 500 + hang: the in-flight call fails, lastError "did not answer ping", back to ready', async () => {
    const c = await connectSse(gw.url);
    try {
      const st0 = byName(await gw.status());
      const hung0 = st0.hung;
      const mark = logMark(gw);
      const t0 = Date.now();
      const r = await settle(c.callTool({ name: 'hung__hang', arguments: {} }, undefined, { timeout: 60000 }));
      assert.equal(r.ok, false, `hung__hang must fail: ${JSON.stringify(r.value)}`);
      assert.equal(typeof r.error.code, 'number', `a JSON-RPC error, not a transport failure: ${r.error}`);
      assert.ok(r.ms < 5000, `the hang call failed after ${r.ms} ms (ping every 500 ms, timeout 500 ms)`);
      console.log(`# hung backend: hang call failed after ${r.ms} ms: ${r.error.code} ${r.error.message}`);
      await waitForLog(gw, /\[hung\] .*did not answer ping within 500 ms/, { from: mark, timeoutMs: 5000 });
      const hung1 = await waitRestarted(gw, 'hung', hung0);
      recordRestart('hang → ping timeout → ready again', Date.now() - t0);
      assert.match(hung1.lastError || '', /did not answer ping/, `lastError: ${JSON.stringify(hung1)}`);
      assert.equal(hung1.restarts, hung0.restarts + 1);
      await waitFor(() => !pidAlive(hung0.backendPid), { timeoutMs: 5000, what: `hung backend ${hung0.backendPid} gone` });
      assert.equal(await callText(c, 'hung__echo', { text: 'answering again' }), 'answering again');
      await otherUnaffected(st0.other);
    } finally {
      await c.close2();
    }
    gw.assertClean();
  });

  it('(c) timeoutMs 300 + sleep 5000: -32001 within about 1 s, "timed out"; the backend is kept', async () => {
    const c = await connectStreamable(gw.url);
    try {
      const tmo0 = await gw.server('tmo');
      const r = await settle(c.callTool({ name: 'tmo__sleep', arguments: { ms: 5000 } }, undefined, { timeout: 30000 }));
      assert.equal(r.ok, false, `tmo__sleep(5000) must time out: ${JSON.stringify(r.value)}`);
      assert.equal(r.error.code, -32001, `error code: ${r.error}`);
      assert.match(r.error.message, /timed out/);
      assert.ok(r.ms >= 250 && r.ms < 1500, `failed after ${r.ms} ms (timeoutMs 300)`);
      console.log(`# per-call timeout 300 ms: failed after ${r.ms} ms: ${r.error.message}`);
      // A slow call is not a hung backend: the probe ping is answered, nothing restarts.
      assert.equal(await callText(c, 'tmo__echo', { text: 'fine' }), 'fine');
      const tmo1 = await gw.server('tmo');
      assert.equal(tmo1.backendPid, tmo0.backendPid, 'tmo kept its backend');
      assert.equal(tmo1.restarts, tmo0.restarts);
      assert.equal(tmo1.state, 'ready');
    } finally {
      await c.close2();
    }
    gw.assertClean();
  });

  it('(c2) a call that times out on a hung backend: the probe ping goes unanswered and the backend is restarted', async () => {
    const c = await connectStreamable(gw.url);
    try {
      const probe0 = await gw.server('probe');
      const mark = logMark(gw);
      const r = await settle(c.callTool({ name: 'probe__hang', arguments: {} }, undefined, { timeout: 30000 }));
      assert.equal(r.ok, false);
      assert.equal(r.error.code, -32001, `error code: ${r.error}`);
      assert.ok(r.ms < 1500, `timed out after ${r.ms} ms`);
      const t0 = Date.now();
      await waitForLog(gw, /\[probe\] .*did not answer ping within 1000 ms/, { from: mark, timeoutMs: 5000 });
      const probe1 = await waitRestarted(gw, 'probe', probe0);
      recordRestart('timeout → probe ping unanswered → ready again', Date.now() - t0);
      assert.match(probe1.lastError || '', /did not answer ping/);
      assert.equal(await callText(c, 'probe__echo', { text: 'back' }), 'back');
    } finally {
      await c.close2();
    }
    gw.assertClean();
  });

  it('(d) SIGSTOP of a worker: killed for a stale heartbeat, replaced by a new worker that serves calls', async () => {
    const c = await connectStreamable(gw.url);
    let stoppedPid;
    try {
      const st0 = byName(await gw.status());
      const stop0 = st0.stop;
      stoppedPid = stop0.workerPid;
      assert.ok(pidAlive(stoppedPid));
      const mark = logMark(gw);
      const t0 = Date.now();
      process.kill(stoppedPid, 'SIGSTOP');
      const line = await waitForLog(gw, new RegExp(`\\[stop\\] worker pid ${stoppedPid} has not beaten for (\\d+) ms`),
        { from: mark, timeoutMs: 8000, what: '"has not beaten" within 8 s' });
      const detectedMs = Date.now() - t0;
      console.log(`# SIGSTOPped worker: killed after ${detectedMs} ms (log says ${line[1]} ms without a beat)`);
      assert.ok(detectedMs < 8000);
      const st1 = await gw.waitForStatus((st) => {
        const s = byName(st).stop;
        return s.state === 'ready' && s.workerPid > 0 && s.workerPid !== stoppedPid;
      }, 10000, 'stop served by a new worker');
      recordRestart('SIGSTOP → heartbeat kill → new worker ready', Date.now() - t0);
      const stop1 = byName(st1).stop;
      await waitFor(() => !pidAlive(stoppedPid), { timeoutMs: 5000, what: `stopped worker ${stoppedPid} gone (SIGKILLed)` });
      await waitFor(() => !pidAlive(stop0.backendPid), { timeoutMs: 5000, what: `its backend ${stop0.backendPid} gone` });
      assert.notEqual(stop1.backendPid, stop0.backendPid);
      assert.equal(Number(await callText(c, 'stop__whoami')), stop1.backendPid);
      assert.equal(await callText(c, 'stop__echo', { text: 'new worker' }), 'new worker');
      assert.ok(stop1.heartbeatAgeMs < 3000, `the new worker beats: ${stop1.heartbeatAgeMs}`);
      await otherUnaffected(st0.other);
    } finally {
      // If the gateway failed to kill it, do not leave a stopped process behind.
      if (stoppedPid && pidAlive(stoppedPid)) {
        try {
          process.kill(stoppedPid, 'SIGKILL');
        } catch {}
      }
      await c.close2();
    }
    gw.assertClean();
  });

  it('(f) backend stderr reaches the gateway log as "[name] stderr: <text>"; lastStderr keeps the tail after an exit', async () => {
    const c = await connectSse(gw.url);
    try {
      const other0 = await gw.server('other');
      const marker = `stderr-marker-${process.pid}-${Date.now()}`;
      const mark = logMark(gw);
      assert.equal(await callText(c, 'other__log_stderr', { text: marker }), 'logged');
      await waitForLog(gw, new RegExp(`\\[other\\] stderr: ${marker}$`, 'm'), { from: mark, timeoutMs: 5000 });
      const again = await gw.server('other');
      assert.equal(again.lastStderr, undefined, `no lastStderr while the backend has not exited: ${JSON.stringify(again)}`);

      // lastStderr after an exit (on the stop server, so that "other" stays pristine).
      const stop0 = await gw.server('stop');
      const marker2 = `${marker}-before-crash`;
      assert.equal(await callText(c, 'stop__log_stderr', { text: marker2 }), 'logged');
      const t0 = Date.now();
      const crash = await settle(c.callTool({ name: 'stop__crash', arguments: { code: 7 } }, undefined, { timeout: 30000 }));
      assert.equal(crash.ok, false);
      const stop1 = await waitRestarted(gw, 'stop', stop0);
      recordRestart('crash tool → ready again', Date.now() - t0);
      assert.ok(Array.isArray(stop1.lastStderr) && stop1.lastStderr.length > 0, `lastStderr: ${JSON.stringify(stop1)}`);
      assert.ok(stop1.lastStderr.includes(marker2), `lastStderr holds the line logged before the crash: ${JSON.stringify(stop1.lastStderr)}`);
      assert.ok(stop1.lastStderr.some((l) => /crash tool called, exiting with status 7/.test(l)),
        `lastStderr holds the crash message: ${JSON.stringify(stop1.lastStderr)}`);
      assert.match(stop1.lastExit, /7/, `lastExit mentions status 7: ${stop1.lastExit}`);
      assert.equal(other0.backendPid, (await gw.server('other')).backendPid);
    } finally {
      await c.close2();
    }
    gw.assertClean();
  });

  it('(e) a backend that dies during initialize: backoff, then "failed" after maxFastFailures; others unaffected', async () => {
    const gw2 = await startGateway({
      servers: {
        good: testServer('good'),
        doomed: testServer('doomed', ['--exit-during-init', '--stderr-banner', 'doomed banner line']),
      },
      mcproxy: { restart: { initialMs: 50, maxMs: 200, maxFastFailures: 3, failedRetryMs: 600000 } },
      readyServers: ['good'],
    });
    try {
      const t0 = Date.now();
      const st = await gw2.waitForStatus((s) => byName(s).doomed?.state === 'failed', 15000, 'doomed failed');
      const doomed = byName(st).doomed;
      console.log(`# doomed reached "failed" ${Date.now() - t0} ms after the gateway was listening+good ready; ` +
        `restarts ${doomed.restarts}; lastExit ${JSON.stringify(doomed.lastExit)}`);
      assert.ok(doomed.lastExit && doomed.lastExit.length > 0, `lastExit: ${JSON.stringify(doomed)}`);
      assert.ok(Array.isArray(doomed.lastStderr) && doomed.lastStderr.length > 0, `lastStderr: ${JSON.stringify(doomed)}`);
      assert.ok(doomed.lastStderr.includes('doomed banner line'), `lastStderr: ${JSON.stringify(doomed.lastStderr)}`);
      assert.ok(doomed.restarts >= 2 && doomed.restarts <= 4, `restarts before giving up: ${doomed.restarts}`);
      assert.equal(doomed.backendPid, null, 'no backend while failed');
      const good = byName(st).good;
      assert.equal(good.state, 'ready');
      assert.equal(good.restarts, 0);
      assert.match(gw2.stderr(), /\[doomed\] worker: \w+ -> failed/);

      // failedRetryMs is 10 minutes: it stays failed, and does not flap.
      const restartsAtFail = doomed.restarts;
      const until = Date.now() + 1500;
      while (Date.now() < until) {
        const d = byName(await gw2.status()).doomed;
        assert.equal(d.state, 'failed', `doomed stays failed: ${JSON.stringify(d)}`);
        assert.equal(d.restarts, restartsAtFail, 'no retries while failed');
        await new Promise((r) => setTimeout(r, 100));
      }

      const c = await connectStreamable(gw2.url);
      try {
        assert.equal(await callText(c, 'good__echo', { text: 'fine' }), 'fine');
        const r = await settle(c.callTool({ name: 'doomed__echo', arguments: { text: 'x' } }, undefined, { timeout: 10000 }));
        assert.ok(!r.ok || r.value.isError, `doomed__echo cannot work: ${JSON.stringify(r.value)}`);
      } finally {
        await c.close2();
      }
    } finally {
      const r = await gw2.stop();
      assert.equal(r.code, 0);
    }
    gw2.assertClean();
  });

  it('restart latency summary', () => {
    assert.ok(restartLatencies.length > 0);
    console.log(`# restart latencies: ${restartLatencies.map((l) => `${l.label}=${l.ms}ms`).join('; ')}`);
  });

  itStopsCleanly(gw);
});
