// Process lifecycle: SIGTERM tears down the whole tree (workers, backends and the
// backends' own children) and exits 0 within 5 s; a SIGKILLed worker is respawned
// without disturbing client sessions.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  startGateway,
  stopGateway,
  testServer,
  connectSse,
  connectStreamable,
  callText,
  settle,
  waitFor,
  processTree,
  pidAlive,
} from './lib/gateway.mjs';

describe('shutdown', { timeout: 120000 }, () => {
  it('SIGTERM with a grandchild and an in-flight call: exit 0 within 5 s, nothing left behind', async () => {
    const gw = await startGateway({ servers: { a: testServer('a'), b: testServer('b') } });
    let recorded = [];
    try {
      const client = await connectStreamable(gw.url);
      const sse = await connectSse(gw.url);
      const grandchild = Number(await callText(client, 'a__spawn_child'));
      assert.ok(Number.isInteger(grandchild) && grandchild > 0, `spawn_child pid ${grandchild}`);
      assert.ok(pidAlive(grandchild), 'grandchild is running');

      const st = await gw.status();
      const workerPids = st.servers.map((s) => s.workerPid);
      const backendPids = st.servers.map((s) => s.backendPid);
      const tree = processTree(gw.pid);
      for (const p of [...workerPids, ...backendPids, grandchild]) {
        assert.ok(tree.includes(p), `pid ${p} is a descendant of the gateway (tree: ${tree.join(',')})`);
      }
      recorded = [...new Set([...tree, ...workerPids, ...backendPids, grandchild])];
      assert.ok(recorded.length >= 5, `recorded pids: ${recorded.join(',')}`);

      // A call in flight at shutdown must not hold the gateway up.
      let progressed = false;
      const inflight = settle(client.callTool({ name: 'b__sleep', arguments: { ms: 60000 } }, undefined, {
        timeout: 120000,
        onprogress: () => {
          progressed = true;
        },
      }));
      await waitFor(() => progressed, { timeoutMs: 8000, what: 'b__sleep in flight (progress received)' });

      const t0 = Date.now();
      const r = await stopGateway(gw, { timeoutMs: 5000 });
      assert.equal(r.code, 0, `exit code (signal ${r.signal})`);
      assert.ok(r.ms < 5000, `exited after ${r.ms} ms`);
      // Everything recorded must be gone within the same 5 s budget.
      await waitFor(() => recorded.every((p) => !pidAlive(p)), {
        timeoutMs: Math.max(1, 5000 - (Date.now() - t0)),
        intervalMs: 20,
        what: 'every recorded pid to be gone',
      }).catch((e) => {
        const alive = recorded.filter(pidAlive);
        throw new Error(`${e.message}; still alive: ${alive.join(',')} (grandchild ${grandchild})`);
      });
      const res = await inflight;
      assert.equal(res.ok, false, 'the in-flight call did not complete');
      await client.close().catch(() => {});
      await sse.close().catch(() => {});
    } finally {
      if (!gw.exitInfo()) await gw.kill();
      // Clean up anything the gateway failed to (by recorded pid only).
      for (const p of recorded) {
        if (pidAlive(p)) {
          try {
            process.kill(p, 'SIGKILL');
          } catch {}
        }
      }
    }
    gw.assertClean();
  });

  it('SIGKILL of a worker: respawned with a new workerPid, sessions untouched, old backend gone', async () => {
    const gw = await startGateway({ servers: { a: testServer('a'), b: testServer('b') } });
    let recorded = [];
    try {
      const streamable = await connectStreamable(gw.url);
      const sse = await connectSse(gw.url);
      const st0 = await gw.status();
      const a0 = st0.servers.find((s) => s.name === 'a');
      const b0 = st0.servers.find((s) => s.name === 'b');
      assert.ok(pidAlive(a0.workerPid) && pidAlive(a0.backendPid));
      const sessions0 = st0.sessions;
      assert.ok(sessions0.total >= 2, JSON.stringify(sessions0));

      process.kill(a0.workerPid, 'SIGKILL');
      const st1 = await gw.waitForStatus((st) => {
        const a = st.servers.find((s) => s.name === 'a');
        return a.state === 'ready' && a.workerPid !== a0.workerPid && a.workerPid > 0;
      }, 15000, 'worker of a respawned and ready');
      const a1 = st1.servers.find((s) => s.name === 'a');
      const b1 = st1.servers.find((s) => s.name === 'b');
      assert.ok(pidAlive(a1.workerPid));
      assert.notEqual(a1.backendPid, a0.backendPid);
      assert.equal(b1.workerPid, b0.workerPid, 'other worker untouched');
      assert.equal(b1.backendPid, b0.backendPid, 'other backend untouched');
      assert.deepEqual(st1.sessions, sessions0, 'sessions unchanged');
      await waitFor(() => !pidAlive(a0.backendPid), { timeoutMs: 5000, what: `orphaned backend ${a0.backendPid} to exit` });

      // Same client sessions keep working, against the new backend.
      for (const c of [streamable, sse]) {
        assert.equal(Number(await callText(c, 'a__whoami')), a1.backendPid);
        assert.equal(await callText(c, 'a__echo', { text: `after-kill-${c.kind}` }), `after-kill-${c.kind}`);
        assert.equal(await callText(c, 'b__add', { a: 1, b: 1 }), '2');
      }

      recorded = [...new Set([...processTree(gw.pid)])];
      const r = await stopGateway(gw, { timeoutMs: 5000 });
      assert.equal(r.code, 0);
      await waitFor(() => recorded.every((p) => !pidAlive(p)), { timeoutMs: 5000, what: 'tree gone after SIGTERM' });
      await streamable.close().catch(() => {});
      await sse.close().catch(() => {});
    } finally {
      if (!gw.exitInfo()) await gw.kill();
      for (const p of recorded) {
        if (pidAlive(p)) {
          try {
            process.kill(p, 'SIGKILL');
          } catch {}
        }
      }
    }
    gw.assertClean();
  });
});
