// A backend that dies mid-call: in-flight calls fail promptly with a JSON-RPC error,
// the backend is restarted, its tools come back, the other backend keeps answering
// and the client sessions survive.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import {
  sharedGateway,
  itStopsCleanly,
  startGateway,
  testServer,
  connectSse,
  connectStreamable,
  callText,
  listAll,
  settle,
  waitFor,
  countFds,
  pidAlive,
  makeTempDir,
  BUILD_DIR,
} from './lib/gateway.mjs';

const SLEEP_MS = 20000;
// "Promptly": the in-flight call must fail far sooner than its own duration and
// long before the SDK's own request timeout (which we set well above SLEEP_MS).
const FAIL_FAST_MS = 5000;
// First restart: backoff ≤ 250 ms + spawn + initialize + /status polling, with slack for a loaded CI box.
const RESTART_MS = 2000;

describe('crash: backend dies with a call in flight', { timeout: 180000 }, () => {
  const gw = sharedGateway({ servers: { a: testServer('a'), b: testServer('b') } });

  it('in-flight call fails fast, backend restarts, other server unaffected, sessions survive', async (t) => {
    const streamable = await connectStreamable(gw.url);
    const sse = await connectSse(gw.url);
    try {
      const st0 = await gw.status();
      const a0 = st0.servers.find((s) => s.name === 'a');
      const b0 = st0.servers.find((s) => s.name === 'b');
      const pid0 = Number(await callText(streamable, 'a__whoami'));
      assert.equal(pid0, a0.backendPid, 'whoami equals /status backendPid before the crash');
      assert.equal(a0.restarts, 0);

      // 1. A long call in flight on backend a (progress proves it reached the backend).
      let progressCount = 0;
      const sleepP = settle(
        streamable.callTool({ name: 'a__sleep', arguments: { ms: SLEEP_MS } }, undefined, {
          timeout: 60000,
          onprogress: () => {
            progressCount++;
          },
        }),
      );
      await waitFor(() => progressCount > 0, {
        timeoutMs: 8000,
        what: 'a progress notification from a__sleep (needed to know the call is in flight at the backend)',
      });

      // 2. Keep server b busy from the other session during the whole episode.
      let stopLoop = false;
      const bResults = [];
      const bLoop = (async () => {
        let i = 0;
        while (!stopLoop) {
          const text = `b-during-crash-${i++}`;
          const r = await settle(sse.callTool({ name: 'b__echo', arguments: { text } }, undefined, { timeout: 10000 }));
          bResults.push({ text, ...r });
          if (!r.ok) break;
        }
      })();

      // 3. Crash backend a. The crash call itself gets no answer from the backend,
      //    so the gateway must fail it too.
      const tCrash = Date.now();
      const crashR = await settle(sse.callTool({ name: 'a__crash', arguments: { code: 3 } }, undefined, { timeout: 60000 }));
      const sleepR = await sleepP;
      const sleepFailedAfter = Date.now() - tCrash;

      assert.equal(sleepR.ok, false, `a__sleep must fail when its backend dies, got ${JSON.stringify(sleepR.value)}`);
      assert.ok(sleepFailedAfter < FAIL_FAST_MS,
        `in-flight a__sleep failed ${sleepFailedAfter} ms after the crash (limit ${FAIL_FAST_MS})`);
      assert.ok(!/timed out|timeout/i.test(String(sleepR.error?.message)),
        `the failure is a gateway error, not a client timeout: ${sleepR.error?.message}`);
      assert.equal(typeof sleepR.error?.code, 'number', `JSON-RPC error code present: ${sleepR.error}`);
      assert.equal(crashR.ok, false, `a__crash cannot succeed: ${JSON.stringify(crashR.value)}`);
      assert.ok(crashR.ms < FAIL_FAST_MS, `a__crash failed after ${crashR.ms} ms`);

      // 4. The backend comes back.
      const st1 = await gw.waitForStatus((st) => {
        const a = st.servers.find((s) => s.name === 'a');
        return a.restarts >= 1 && a.state === 'ready' && a.backendPid !== pid0;
      }, 15000, 'a restarted and ready');
      const a1 = st1.servers.find((s) => s.name === 'a');
      const readyAfter = Date.now() - tCrash;
      t.diagnostic(`in-flight sleep failed after ${sleepFailedAfter} ms; crash call after ${crashR.ms} ms; ` +
        `a ready again ${readyAfter} ms after the crash`);
      // First backoff is at most 250 ms; the test server initialises in milliseconds.
      assert.ok(readyAfter < RESTART_MS, `a ready again ${readyAfter} ms after the crash (limit ${RESTART_MS})`);
      assert.ok(a1.lastExit !== undefined && a1.lastExit !== null, `lastExit recorded: ${JSON.stringify(a1)}`);
      assert.ok(!pidAlive(pid0), `old backend ${pid0} is gone`);

      stopLoop = true;
      await bLoop;
      const bFailures = bResults.filter((r) => !r.ok);
      assert.deepEqual(bFailures.map((r) => String(r.error)), [], 'server b answered throughout');
      assert.ok(bResults.length >= 1, 'server b was called during the crash');
      for (const r of bResults) assert.equal(r.value.content[0].text, r.text);
      const b1 = st1.servers.find((s) => s.name === 'b');
      assert.equal(b1.restarts, 0, 'b was not restarted');
      assert.equal(b1.backendPid, b0.backendPid, 'b kept its backend');

      // 5. Same sessions, new backend.
      const pid1 = Number(await callText(streamable, 'a__whoami'));
      assert.notEqual(pid1, pid0, 'whoami returns a new pid');
      assert.equal(pid1, a1.backendPid);
      assert.equal(Number(await callText(sse, 'a__whoami')), pid1);
      const names = (await listAll(streamable, 'tools')).map((t) => t.name);
      assert.ok(names.includes('a__echo') && names.includes('a__crash'), 'a tools are served again');
      assert.equal(await callText(streamable, 'a__echo', { text: 'back' }), 'back');
      assert.equal(await callText(sse, 'b__echo', { text: 'still' }), 'still');
    } finally {
      await streamable.close2().catch(() => {});
      await sse.close2().catch(() => {});
    }
    gw.assertClean();
  });

  it('repeated crashes: restarts increments each time, no descriptor leak in the worker', async () => {
    const client = await connectStreamable(gw.url);
    try {
      const stStart = await gw.status();
      const aStart = stStart.servers.find((s) => s.name === 'a');
      const workerPid = aStart.workerPid;
      const fdsBefore = countFds(workerPid);
      let restarts = aStart.restarts;
      for (let i = 0; i < 3; i++) {
        const before = Number(await callText(client, 'a__whoami'));
        const r = await settle(client.callTool({ name: 'a__crash', arguments: { code: 1 } }, undefined, { timeout: 60000 }));
        assert.equal(r.ok, false);
        assert.ok(r.ms < FAIL_FAST_MS, `crash call failed after ${r.ms} ms`);
        const st = await gw.waitForStatus((s) => {
          const a = s.servers.find((x) => x.name === 'a');
          return a.restarts === restarts + 1 && a.state === 'ready';
        }, 15000, `restart #${restarts + 1}`);
        restarts++;
        const after = Number(await callText(client, 'a__whoami'));
        assert.notEqual(after, before);
        assert.equal(after, st.servers.find((x) => x.name === 'a').backendPid);
      }
      const aEnd = (await gw.status()).servers.find((s) => s.name === 'a');
      if (aEnd.workerPid === workerPid) {
        const fdsAfter = countFds(workerPid);
        assert.ok(fdsAfter <= fdsBefore + 2, `worker fds grew from ${fdsBefore} to ${fdsAfter} over 3 restarts`);
      }
    } finally {
      await client.close2();
    }
    gw.assertClean();
  });

  it('a crash with a delay while several calls are queued fails all of them', async () => {
    const client = await connectSse(gw.url);
    try {
      const before = (await gw.status()).servers.find((s) => s.name === 'a');
      const sleeps = Array.from({ length: 5 }, (_, i) =>
        settle(client.callTool({ name: 'a__sleep', arguments: { ms: 15000 + i } }, undefined, { timeout: 60000 })),
      );
      const t0 = Date.now();
      const crash = settle(client.callTool({ name: 'a__crash', arguments: { delayMs: 300 } }, undefined, { timeout: 60000 }));
      const results = await Promise.all([...sleeps, crash]);
      for (const r of results) assert.equal(r.ok, false, `call should fail: ${JSON.stringify(r.value)}`);
      assert.ok(Date.now() - t0 < 300 + FAIL_FAST_MS, `all calls failed within ${Date.now() - t0} ms`);
      await gw.waitForStatus((s) => {
        const a = s.servers.find((x) => x.name === 'a');
        return a.restarts > before.restarts && a.state === 'ready';
      }, 15000, 'a restarted after delayed crash');
      assert.equal(await callText(client, 'a__echo', { text: 'ok' }), 'ok');
    } finally {
      await client.close2();
    }
    gw.assertClean();
  });

  it('backends that fail to start are retried with backoff and do not disturb the others', async () => {
    const gw2 = await startGateway({
      servers: {
        good: testServer('good'),
        bad: testServer('bad', ['--exit-during-init']),
        missing: { command: '/nonexistent/mcproxy-e2e/no-such-binary', args: [] },
      },
      readyServers: ['good'],
    });
    try {
      // Both broken servers keep being retried, and report why they exited.
      const st = await gw2.waitForStatus((s) => ['bad', 'missing'].every((n) => s.servers.find((x) => x.name === n).restarts >= 2),
        15000, 'bad and missing retried at least twice');
      for (const n of ['bad', 'missing']) {
        const srv = st.servers.find((x) => x.name === n);
        assert.ok(['starting', 'backoff', 'failed'].includes(srv.state), `${n} state ${srv.state}`);
        assert.ok(srv.lastExit, `${n} lastExit: ${JSON.stringify(srv)}`);
      }
      assert.equal(st.servers.find((x) => x.name === 'good').state, 'ready');
      assert.equal(st.servers.find((x) => x.name === 'good').restarts, 0);
      const client = await connectStreamable(gw2.url);
      try {
        const names = (await listAll(client, 'tools')).map((x) => x.name);
        assert.ok(names.includes('good__echo'));
        assert.ok(!names.some((n) => n.startsWith('bad__') || n.startsWith('missing__')), JSON.stringify(names));
        assert.equal(await callText(client, 'good__echo', { text: 'unaffected' }), 'unaffected');
        await assert.rejects(client.callTool({ name: 'bad__echo', arguments: { text: 'x' } }, undefined, { timeout: 30000 }),
          (e) => typeof e.code === 'number' && e.message.includes('bad__echo'));
      } finally {
        await client.close2();
      }
      const h = await fetch(`${gw2.url}/health`);
      assert.equal(h.status, 200);
    } finally {
      const r = await gw2.stop();
      assert.equal(r.code, 0);
    }
    gw2.assertClean();
    gw.assertClean();
  });

  itStopsCleanly(gw);
});

describe('crash: the worker binary was replaced or removed after mcproxy started (an upgrade, an uninstall)', { timeout: 60000 }, () => {
  it('a killed worker is restarted from the file mcproxy started with, each time; ps names it mcproxy-worker', async () => {
    const dir = makeTempDir('pinned-worker');
    const workerFile = path.join(dir, 'mcproxy-worker');
    fs.copyFileSync(path.join(BUILD_DIR, 'worker', 'mcproxy-worker'), workerFile);
    fs.chmodSync(workerFile, 0o755);
    const gw = await startGateway({ servers: { a: testServer('a') }, env: { MCPROXY_WORKER: workerFile } });
    const client = await connectStreamable(gw.url);
    try {
      let worker = (await gw.server('a')).workerPid;
      assert.equal(fs.readFileSync(`/proc/${worker}/comm`, 'utf8').trim(), 'mcproxy-worker', 'the process name');
      const restartAfterKill = async (what) => {
        process.kill(worker, 'SIGKILL');
        const st = await gw.waitForStatus((s) => {
          const a = s.servers.find((x) => x.name === 'a');
          return a.state === 'ready' && a.workerPid !== worker;
        }, 10000, `a restarted after ${what}`);
        worker = st.servers.find((x) => x.name === 'a').workerPid;
        assert.equal(fs.readFileSync(`/proc/${worker}/comm`, 'utf8').trim(), 'mcproxy-worker', `the process name after ${what}`);
        assert.equal(fs.readlinkSync(`/proc/${worker}/exe`), `${workerFile} (deleted)`, `the worker runs the original file after ${what}`);
        assert.equal(await callText(client, 'a__echo', { text: what }), what);
      };
      // An upgrade renames the new file over the old one; this "new version" could not even start.
      const replacement = path.join(dir, '.mcproxy-worker.new');
      fs.writeFileSync(replacement, '#!/bin/sh\nexit 70\n', { mode: 0o755 });
      fs.renameSync(replacement, workerFile);
      await restartAfterKill('a replacement');
      fs.unlinkSync(workerFile);
      await restartAfterKill('a removal');
    } finally {
      await client.close2();
      await gw.stop();
    }
    gw.assertClean();
  });
});
