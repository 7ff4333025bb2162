// The status board (POSIX shm /dev/shm/mcproxy-<uid>-<port>) lives exactly as long as the
// gateway: created at start with a valid header, removed after SIGTERM; a stale segment
// (garbage, or a header whose owner is dead) is replaced at start; a segment owned by a
// live process is left alone. SIGTERM: exit 0 within 5 s and nothing of the process tree
// (workers, backends, their forked grandchildren) survives; fds and processes are counted
// before and after.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';

import {
  startGateway,
  stopGateway,
  testServer,
  connectSse,
  connectStreamable,
  callText,
  waitFor,
  processTree,
  pidAlive,
  countFds,
} from './lib/gateway.mjs';
import { freePort, shmPath, logMark, waitForLog, removeBoardOf } from './lib/ops.mjs';

const BOARD_MAGIC = 0x4d435042; // "MCPB", the first uint32 of the header (host byte order)

/** The board header: {magic, version, slotCount, ownerPid}. */
function readHeader(file) {
  const buf = fs.readFileSync(file);
  if (buf.length < 16) return { size: buf.length };
  return {
    size: buf.length,
    magic: buf.readUInt32LE(0),
    version: buf.readUInt32LE(4),
    slotCount: buf.readUInt32LE(8),
    ownerPid: buf.readInt32LE(12),
  };
}

function header(ownerPid, slotCount = 4) {
  const b = Buffer.alloc(16 + 4096);
  b.writeUInt32LE(BOARD_MAGIC, 0);
  b.writeUInt32LE(1, 4);
  b.writeUInt32LE(slotCount, 8);
  b.writeInt32LE(ownerPid, 12);
  return b;
}

/** A pid that has just exited (and been reaped), so no process has it. */
function deadPid() {
  const r = spawnSync('/bin/true');
  assert.equal(r.status, 0);
  assert.ok(!pidAlive(r.pid));
  return r.pid;
}

/** Every live process whose command line contains `tag` (finds reparented grandchildren too). */
function processesWithTag(tag) {
  const out = [];
  for (const ent of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${ent}/cmdline`, 'utf8');
      if (cmd.includes(tag) && pidAlive(Number(ent))) out.push(Number(ent));
    } catch {}
  }
  return out;
}

function killAll(pids) {
  for (const p of pids) {
    if (pidAlive(p)) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {}
    }
  }
}

async function assertServes(gw) {
  const c = await connectStreamable(gw.url);
  try {
    const st = await gw.status();
    for (const s of st.servers) {
      assert.equal(s.state, 'ready', JSON.stringify(s));
      assert.ok(Number.isInteger(s.heartbeatAgeMs), `heartbeatAgeMs reported (board in use): ${JSON.stringify(s)}`);
    }
    const name = st.servers[0].name;
    assert.equal(await callText(c, `${name}__echo`, { text: 'hi' }), 'hi');
  } finally {
    await c.close2();
  }
}

describe('shutdown and the shared-memory status board', { timeout: 180000 }, () => {
  it('the segment exists while running (valid header, owned by the gateway) and is removed after SIGTERM', async () => {
    const gw = await startGateway({ servers: { a: testServer('a') } });
    const file = shmPath(gw.port);
    try {
      assert.ok(fs.existsSync(file), `${file} exists while the gateway runs`);
      const h = readHeader(file);
      assert.equal(h.magic, BOARD_MAGIC, `header magic: ${JSON.stringify(h)}`);
      assert.equal(h.ownerPid, gw.pid, 'owner pid is the gateway');
      assert.ok(h.slotCount >= 1 && h.size >= 16 + h.slotCount * 8, JSON.stringify(h));
      await assertServes(gw);
      const r = await stopGateway(gw, { timeoutMs: 5000 });
      assert.equal(r.code, 0, `exit code (signal ${r.signal})`);
      assert.ok(r.ms < 5000);
      assert.ok(!fs.existsSync(file), `${file} removed after SIGTERM`);
    } finally {
      if (!gw.exitInfo()) await gw.kill();
      removeBoardOf(gw);
    }
    gw.assertClean();
  });

  const staleCases = [
    { label: 'random bytes', content: () => crypto.randomBytes(8192) },
    { label: 'a valid header whose owner pid is dead', content: () => header(deadPid()) },
    { label: 'a truncated (empty) segment', content: () => Buffer.alloc(0) },
  ];
  for (const k of staleCases) {
    it(`a stale segment (${k.label}) is replaced at start; the gateway runs on that port and removes it at exit`, async () => {
      const port = await freePort();
      const file = shmPath(port);
      const stale = k.content();
      fs.writeFileSync(file, stale);
      let gw;
      try {
        gw = await startGateway({ servers: { a: testServer('a') }, extraArgs: ['--listen', `127.0.0.1:${port}`] });
        assert.equal(gw.port, port, 'the gateway listens on the chosen port');
        const h = readHeader(file);
        assert.equal(h.magic, BOARD_MAGIC, `the stale segment was replaced: ${JSON.stringify(h)}`);
        assert.equal(h.ownerPid, gw.pid);
        assert.doesNotMatch(gw.stderr(), /status board .* belongs to running process|cannot create status board/);
        await assertServes(gw);
        const r = await stopGateway(gw, { timeoutMs: 5000 });
        assert.equal(r.code, 0);
        assert.ok(!fs.existsSync(file), `${file} removed after SIGTERM`);
      } finally {
        if (gw && !gw.exitInfo()) await gw.kill();
        fs.rmSync(file, { force: true });
      }
      gw.assertClean();
    });
  }

  it('a segment owned by a live process is not taken over nor removed; the gateway still serves', async () => {
    const port = await freePort();
    const file = shmPath(port);
    const foreign = header(process.pid); // this test process is alive
    fs.writeFileSync(file, foreign);
    let gw;
    try {
      gw = await startGateway({ servers: { a: testServer('a') }, extraArgs: ['--listen', `127.0.0.1:${port}`] });
      assert.match(gw.stderr(), new RegExp(`status board mcproxy-${process.getuid()}-${port} belongs to running process ${process.pid}`));
      assert.ok(fs.readFileSync(file).equals(foreign), 'the foreign segment is untouched while the gateway runs');
      const c = await connectSse(gw.url);
      assert.equal(await callText(c, 'a__echo', { text: 'no board' }), 'no board');
      await c.close2();
      const r = await stopGateway(gw, { timeoutMs: 5000 });
      assert.equal(r.code, 0);
      assert.ok(fs.existsSync(file) && fs.readFileSync(file).equals(foreign), 'the foreign segment survives the gateway');
    } finally {
      if (gw && !gw.exitInfo()) await gw.kill();
      fs.rmSync(file, { force: true });
    }
    gw.assertClean();
  });

  it('SIGTERM after client churn: fds stable while running; exit 0 within 5 s; no worker, backend or grandchild left; segment gone', async () => {
    const tag = `shm-e2e-${process.pid}-${Date.now()}`;
    const names = ['a', 'b', 'c'];
    const servers = Object.fromEntries(names.map((n) => [n, testServer(`${tag}-${n}`)]));
    const gw = await startGateway({ servers });
    const file = shmPath(gw.port);
    let recorded = [];
    try {
      assert.ok(fs.existsSync(file));
      const fds0 = countFds(gw.pid);
      const procs0 = processTree(gw.pid).length;

      // Churn on both transports, with a grandchild per backend.
      for (let i = 0; i < 10; i++) {
        const c = i % 2 ? await connectSse(gw.url) : await connectStreamable(gw.url);
        for (const n of names) assert.equal(await callText(c, `${n}__echo`, { text: `${n}${i}` }), `${n}${i}`);
        await c.close2();
      }
      await gw.waitForStatus((st) => st.sessions.total === 0 && st.inFlight === 0, 20000,
        'all churn sessions closed');
      // Idle kept-alive connections of the client's pool close within its keep-alive time
      // (4 s for Node's fetch; we close them 10 s after their last request at the latest).
      const fds1 = await waitFor(() => {
        const n = countFds(gw.pid);
        return n <= fds0 + 2 ? n : false;
      }, { timeoutMs: 15000, intervalMs: 200, what: `gateway fds back near ${fds0} after 10 closed sessions` })
        .catch(() => countFds(gw.pid));
      const procs1 = processTree(gw.pid).length;
      console.log(`# gateway fds: ${fds0} before churn, ${fds1} after 10 sessions; processes in the tree: ${procs0} → ${procs1}`);
      assert.ok(fds1 <= fds0 + 2, `gateway fds grew from ${fds0} to ${fds1} over 10 closed sessions`);
      assert.equal(procs1, procs0, 'no process added by the churn');

      const client = await connectStreamable(gw.url);
      const grandchildren = [];
      for (const n of names) grandchildren.push(Number(await callText(client, `${n}__spawn_child`)));
      for (const g of grandchildren) assert.ok(pidAlive(g), `grandchild ${g} running`);
      const st = await gw.status();
      recorded = [...new Set([...processTree(gw.pid), ...st.servers.flatMap((s) => [s.workerPid, s.backendPid]), ...grandchildren])];
      const tagged = processesWithTag(tag);
      console.log(`# before SIGTERM: ${recorded.length} processes under the gateway (${names.length} workers, ` +
        `${names.length} backends, ${grandchildren.length} grandchildren), ${tagged.length} carry the tag`);
      assert.equal(recorded.length, 3 * names.length, `tree: ${recorded.join(',')}`);
      assert.equal(tagged.length, 2 * names.length, 'backends and grandchildren carry the tag');

      const mark = logMark(gw);
      const r = await stopGateway(gw, { timeoutMs: 5000 });
      assert.equal(r.code, 0, `exit code (signal ${r.signal})`);
      assert.ok(r.ms < 5000, `exited after ${r.ms} ms`);
      console.log(`# SIGTERM → exit in ${r.ms} ms`);
      await waitForLog(gw, /NOTICE stopped/, { from: mark, timeoutMs: 1000 });
      await waitFor(() => recorded.every((p) => !pidAlive(p)) && processesWithTag(tag).length === 0, {
        timeoutMs: 2000,
        intervalMs: 20,
        what: 'every process of the tree gone',
      }).catch((e) => {
        throw new Error(`${e.message}; alive: ${recorded.filter(pidAlive).join(',')}; tagged: ${processesWithTag(tag).join(',')}`);
      });
      assert.ok(!fs.existsSync(file), `${file} removed`);
      await client.close().catch(() => {});
    } finally {
      if (!gw.exitInfo()) await gw.kill();
      removeBoardOf(gw);
      killAll([...recorded, ...processesWithTag(tag)]);
    }
    gw.assertClean();
  });
});
