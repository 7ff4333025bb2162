// Hot reload: the gateway watches its config file (inotify on the file's directories,
// debounced) and reloads on SIGHUP. A reload is a diff: unchanged servers keep their
// processes, removed ones are drained, added ones start, servers whose process-level
// settings changed are restarted, and servers where only prefix/tools/timeoutMs changed
// keep their processes while their catalog entries change. Clients on both transports
// hear notifications/tools/list_changed. Invalid configs are rejected whole.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import {
  startGateway,
  testServer,
  TEST_SERVER_BIN,
  connectSse,
  connectStreamable,
  callText,
  listAll,
  settle,
  waitFor,
  pidAlive,
  makeTempDir,
} from './lib/gateway.mjs';
import {
  logMark,
  waitForLog,
  logLines,
  writeAtomic,
  swapSymlink,
  configText,
  trackListChanged,
  primeNotifications,
  removeBoardOf,
} from './lib/ops.mjs';

// The brief: edit → list_changed must take well under 2 s (debounce is ~30 ms).
const LATENCY_LIMIT_MS = 2000;
const latencies = [];

function record(label, ms) {
  latencies.push({ label, ms });
  console.log(`# reload latency: ${label}: ${ms} ms`);
}

const RELOADED_RE = (trigger) =>
  new RegExp(`reloaded \\(${trigger.replace(/[()]/g, '\\$&')}\\) in (\\d+) us: (.*)`);

/** "added: x; removed: y, z; retuned: w" → {added: ['x'], removed: ['y','z'], retuned: ['w']} */
function parseSummary(summary) {
  const out = {};
  if (summary.trim() === 'no changes') return out;
  for (const part of summary.split('; ')) {
    const m = /^(added|removed|restarted|retuned): (.*)$/.exec(part.trim());
    if (m) out[m[1]] = m[2].split(', ').sort();
    else out[part.trim()] = true;
  }
  return out;
}

async function openClients(gw) {
  const clients = {
    streamable1: await connectStreamable(gw.url, { name: 'reload-s1' }),
    streamable2: await connectStreamable(gw.url, { name: 'reload-s2' }),
    sse1: await connectSse(gw.url, { name: 'reload-e1' }),
    sse2: await connectSse(gw.url, { name: 'reload-e2' }),
  };
  return clients;
}

async function closeClients(clients) {
  for (const c of Object.values(clients || {})) await c.close2().catch(() => {});
}

function byName(st) {
  return Object.fromEntries(st.servers.map((s) => [s.name, s]));
}

async function toolNames(client) {
  return (await listAll(client, 'tools')).map((t) => t.name);
}

/** Waits until `pred(names)` holds for the tool list of every client. */
async function waitForToolList(clients, pred, what) {
  for (const [label, c] of Object.entries(clients)) {
    let last;
    await waitFor(async () => {
      last = await toolNames(c);
      return pred(last);
    }, { timeoutMs: 10000, what: `${what} on ${label}` }).catch((e) => {
      throw new Error(`${e.message}; last list: ${JSON.stringify(last)}`);
    });
  }
}

describe('reload: hot reload as a diff', { timeout: 300000 }, () => {
  it('file change (atomic rename): unchanged keep pids, removed drained, added started, restarted get new pids, retuned keep pids', async () => {
    const cwdA = makeTempDir('cwdA');
    const cwdB = makeTempDir('cwdB');
    // Same binary under another path: only the "command" string changes.
    const altCommand = path.join(cwdB, 'alt-test-server');
    fs.symlinkSync(TEST_SERVER_BIN, altCommand);
    const before = {
      keep: testServer('keep'),
      gone: testServer('gone'),
      cmd: testServer('cmd'),
      cmdc: testServer('cmdc'),
      envy: testServer('envy', [], { env: { RELOAD_V: 'one' } }),
      lim: testServer('lim'),
      wd: testServer('wd', [], { cwd: cwdA }),
      tune: testServer('tune'),
      filt: testServer('filt'),
      tmo: testServer('tmo'),
    };
    const after = {
      keep: testServer('keep'),
      // gone: removed
      cmd: testServer('cmd', ['--tools', '2']),
      cmdc: { ...testServer('cmdc'), command: altCommand },
      envy: testServer('envy', [], { env: { RELOAD_V: 'two' } }),
      lim: testServer('lim', [], { memoryLimitMB: 512 }),
      wd: testServer('wd', [], { cwd: cwdB }),
      tune: testServer('tune', [], { prefix: 'tuned' }),
      filt: testServer('filt', [], { tools: { deny: ['add'] } }),
      tmo: testServer('tmo', [], { timeoutMs: 400 }),
      fresh: testServer('fresh'),
    };
    const gw = await startGateway({ servers: before });
    let clients;
    try {
      clients = await openClients(gw);
      const tracker = trackListChanged(clients);
      await primeNotifications(tracker, clients, 'keep');

      const st0 = byName(await gw.status());
      for (const n of Object.keys(before)) assert.equal(st0[n].state, 'ready', `${n} ready before the reload`);
      assert.equal(await callText(clients.sse1, 'envy__env', { name: 'RELOAD_V' }), 'one');
      assert.equal(await callText(clients.sse1, 'wd__cwd'), cwdA);

      // A call in flight on the server that is about to be removed: draining lets it finish.
      let progressed = false;
      const goneCall = settle(clients.streamable1.callTool({ name: 'gone__sleep', arguments: { ms: 3000 } }, undefined, {
        timeout: 30000,
        onprogress: () => {
          progressed = true;
        },
      }));
      await waitFor(() => progressed, { timeoutMs: 8000, what: 'gone__sleep in flight (progress seen)' });

      const marks = tracker.counts();
      const mark = logMark(gw);
      const t0 = Date.now();
      writeAtomic(gw.configPath, configText(after));

      const m = await waitForLog(gw, RELOADED_RE('file change'), { from: mark, what: 'the "reloaded (file change)" line' });
      const arrivals = await tracker.waitAll(marks);
      for (const [label, at] of Object.entries(arrivals)) record(`atomic rename → list_changed (${label})`, at - t0);
      for (const at of Object.values(arrivals)) assert.ok(at - t0 < LATENCY_LIMIT_MS, `list_changed after ${at - t0} ms`);
      console.log(`# reload took ${m[1]} us in the gateway: ${m[2]}`);

      const summary = parseSummary(m[2]);
      assert.deepEqual(summary, {
        added: ['fresh'],
        removed: ['gone'],
        restarted: ['cmd', 'cmdc', 'envy', 'lim', 'wd'],
        retuned: ['filt', 'tmo', 'tune'],
      }, `reload summary: ${m[2]}`);

      // The removed server drains: "draining" while its call runs, then it is gone.
      const drainingSt = await gw.waitForStatus((st) => byName(st).gone?.state === 'draining' || !byName(st).gone,
        5000, 'gone draining (or already gone)');
      assert.equal(byName(drainingSt).gone?.state, 'draining',
        `gone is "draining" while its 3 s call is in flight: ${JSON.stringify(byName(drainingSt).gone)}`);
      const goneR = await goneCall;
      assert.ok(goneR.ok, `the in-flight call on the removed server finished: ${goneR.error}`);
      assert.equal(goneR.value.content[0].text, 'slept 3000 ms');
      await gw.waitForStatus((st) => !byName(st).gone, 10000, 'gone removed from /status');

      // Everything that should run is ready; pids as the diff says.
      const st1 = byName(await gw.waitForStatus((st) => {
        const s = byName(st);
        return Object.keys(after).every((n) => s[n]?.state === 'ready') &&
          ['cmd', 'cmdc', 'envy', 'lim', 'wd'].every((n) => s[n].backendPid !== st0[n].backendPid);
      }, 15000, 'all servers of the new config ready, restarted ones with new backends'));
      for (const n of ['keep', 'tune', 'filt', 'tmo']) {
        assert.equal(st1[n].workerPid, st0[n].workerPid, `${n} kept its worker`);
        assert.equal(st1[n].backendPid, st0[n].backendPid, `${n} kept its backend`);
        assert.equal(st1[n].restarts, st0[n].restarts, `${n} was not restarted`);
      }
      for (const n of ['cmd', 'cmdc', 'envy', 'lim', 'wd']) {
        assert.notEqual(st1[n].workerPid, st0[n].workerPid, `${n} has a new worker`);
        assert.notEqual(st1[n].backendPid, st0[n].backendPid, `${n} has a new backend`);
      }
      assert.ok(st1.fresh.backendPid > 0);
      const oldPids = [
        st0.gone.workerPid, st0.gone.backendPid,
        ...['cmd', 'cmdc', 'envy', 'lim', 'wd'].flatMap((n) => [st0[n].workerPid, st0[n].backendPid]),
      ];
      await waitFor(() => oldPids.every((p) => !pidAlive(p)), {
        timeoutMs: 10000,
        what: `old workers/backends gone (${oldPids.filter(pidAlive).join(',')})`,
      });

      // The new catalog, seen by every client.
      await waitForToolList(clients, (names) =>
        names.includes('fresh__echo') && names.includes('cmd__gen_0') && names.includes('cmd__gen_1') &&
        names.includes('tuned__echo') && !names.includes('tune__echo') &&
        names.includes('filt__echo') && !names.includes('filt__add') &&
        !names.some((x) => x.startsWith('gone__')) && names.includes('keep__echo') && names.includes('tmo__sleep'),
      'the new tool list');

      for (const c of Object.values(clients)) {
        assert.equal(await callText(c, 'tuned__echo', { text: `tuned-${c.kind}` }), `tuned-${c.kind}`);
        assert.equal(await callText(c, 'cmd__gen_1'), 'gen_1');
        assert.equal(await callText(c, 'fresh__add', { a: 2, b: 3 }), '5');
      }
      assert.equal(await callText(clients.sse2, 'envy__env', { name: 'RELOAD_V' }), 'two', 'restarted with the new env');
      assert.equal(await callText(clients.streamable2, 'wd__cwd'), cwdB, 'restarted in the new cwd');
      assert.equal(Number(await callText(clients.streamable2, 'keep__whoami')), st0.keep.backendPid);
      const denied = await settle(clients.streamable1.callTool({ name: 'filt__add', arguments: { a: 1, b: 1 } }));
      assert.ok(!denied.ok || denied.value.isError, `filt__add is filtered out: ${JSON.stringify(denied.value)}`);
      const goneAfter = await settle(clients.sse1.callTool({ name: 'gone__echo', arguments: { text: 'x' } }));
      assert.ok(!goneAfter.ok || goneAfter.value.isError, `gone__echo no longer callable: ${JSON.stringify(goneAfter.value)}`);

      // The retuned timeout is in force without a restart.
      const slow = await settle(clients.streamable1.callTool({ name: 'tmo__sleep', arguments: { ms: 5000 } }, undefined, { timeout: 30000 }));
      assert.equal(slow.ok, false, 'tmo__sleep(5000) must time out under the new timeoutMs 400');
      assert.equal(slow.error.code, -32001, `timeout error code: ${slow.error}`);
      assert.ok(slow.ms < 2500, `timed out after ${slow.ms} ms (timeoutMs 400)`);
    } finally {
      await closeClients(clients);
      const r = await gw.stop().finally(() => removeBoardOf(gw));
      assert.equal(r.code, 0, `exit code after SIGTERM (signal ${r.signal})`);
      fs.rmSync(cwdA, { recursive: true, force: true });
      fs.rmSync(cwdB, { recursive: true, force: true });
    }
    gw.assertClean();
  });

  it('SIGHUP: applies an edit the watcher cannot see; SIGHUP with no change keeps every pid', async () => {
    const gw = await startGateway({ servers: { a: testServer('a'), b: testServer('b') } });
    const elsewhere = makeTempDir('hardlink');
    let clients;
    try {
      clients = { streamable: await connectStreamable(gw.url), sse: await connectSse(gw.url) };
      const tracker = trackListChanged(clients);
      await primeNotifications(tracker, clients, 'a');
      const st0 = byName(await gw.status());

      // Writing through a hard link in another directory changes the config's content
      // without an inotify event in the config's directory: only SIGHUP picks it up.
      const hardlink = path.join(elsewhere, 'same-inode.json');
      fs.linkSync(gw.configPath, hardlink);
      fs.writeFileSync(hardlink, configText({
        a: testServer('a'),
        b: testServer('b', [], { prefix: 'bee' }),
        c: testServer('c'),
      }));
      assert.match(fs.readFileSync(gw.configPath, 'utf8'), /"bee"/);

      const marks = tracker.counts();
      const mark = logMark(gw);
      const t0 = Date.now();
      process.kill(gw.pid, 'SIGHUP');
      const m = await waitForLog(gw, /reloaded \((SIGHUP|file change)\) in (\d+) us: (.*)/, { from: mark });
      assert.equal(m[1], 'SIGHUP', `the reload was triggered by SIGHUP: ${m[0]}`);
      assert.deepEqual(parseSummary(m[3]), { added: ['c'], retuned: ['b'] }, m[0]);
      const arrivals = await tracker.waitAll(marks);
      for (const [label, at] of Object.entries(arrivals)) record(`SIGHUP → list_changed (${label})`, at - t0);
      for (const at of Object.values(arrivals)) assert.ok(at - t0 < LATENCY_LIMIT_MS, `list_changed after ${at - t0} ms`);

      const st1 = byName(await gw.waitForStatus((st) => byName(st).c?.state === 'ready', 10000, 'c ready'));
      for (const n of ['a', 'b']) {
        assert.equal(st1[n].workerPid, st0[n].workerPid, `${n} kept its worker`);
        assert.equal(st1[n].backendPid, st0[n].backendPid, `${n} kept its backend`);
      }
      await waitForToolList(clients, (names) => names.includes('bee__echo') && !names.includes('b__echo') && names.includes('c__echo'),
        'bee__echo and c__echo listed');
      for (const c of Object.values(clients)) {
        assert.equal(await callText(c, 'bee__echo', { text: 'hup' }), 'hup');
        assert.equal(await callText(c, 'c__add', { a: 1, b: 2 }), '3');
      }

      // SIGHUP with nothing changed: a no-op reload, no process touched.
      const mark2 = logMark(gw);
      const counts2 = tracker.counts();
      process.kill(gw.pid, 'SIGHUP');
      const m2 = await waitForLog(gw, RELOADED_RE('SIGHUP'), { from: mark2 });
      assert.equal(m2[2], 'no changes', m2[0]);
      const st2 = byName(await gw.status());
      for (const n of ['a', 'b', 'c']) {
        assert.equal(st2[n].state, 'ready');
        assert.equal(st2[n].workerPid, st1[n].workerPid, `${n} worker unchanged by a no-op SIGHUP`);
        assert.equal(st2[n].backendPid, st1[n].backendPid, `${n} backend unchanged by a no-op SIGHUP`);
      }
      // A round trip on each client; a list_changed sent by the no-op reload would precede
      // the response on the SSE transport.
      for (const c of Object.values(clients)) await toolNames(c);
      assert.deepEqual(tracker.counts(), counts2, 'no list_changed for a reload without changes');
    } finally {
      await closeClients(clients);
      const r = await gw.stop().finally(() => removeBoardOf(gw));
      assert.equal(r.code, 0, `exit code after SIGTERM (signal ${r.signal})`);
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
    gw.assertClean();
  });

  it('an invalid config is rejected whole (syntax error, bad field, bad name; file change and SIGHUP); the old servers keep serving', async () => {
    const good = { a: testServer('a'), b: testServer('b') };
    const gw = await startGateway({ servers: good });
    let clients;
    try {
      clients = { streamable: await connectStreamable(gw.url), sse: await connectSse(gw.url) };
      const st0 = byName(await gw.status());
      const okText = configText(good);
      const cfg = gw.configPath;
      const esc = cfg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

      // 1-based line of the first occurrence of `needle` in `text`.
      const lineOf = (text, needle) => text.slice(0, text.indexOf(needle)).split('\n').length;

      const cases = [];
      {
        // Syntax error: the comma after server a's object is missing, so the parser stops at "b".
        const lines = okText.split('\n');
        const i = lines.findIndex((l) => /^ {4}\},?$/.test(l));
        assert.ok(i > 0, 'found the end of the first server object');
        lines[i] = '    }';
        const text = lines.join('\n');
        cases.push({ label: 'syntax error', text, line: lineOf(text, '"b"'), reason: /invalid JSON/ });
      }
      {
        const text = configText({ a: testServer('a'), b: testServer('b', [], { timeoutMs: 'soon' }) });
        cases.push({ label: 'bad field', text, line: lineOf(text, '"b"'), reason: /server 'b': field 'timeoutMs'/ });
      }
      {
        const text = configText({ a: testServer('a'), b: testServer('b'), c: testServer('c', [], { prefix: 'no spaces allowed' }) });
        cases.push({ label: 'bad prefix', text, line: lineOf(text, '"c"'), reason: /server 'c': field 'prefix'/ });
      }
      {
        const text = configText({ a: testServer('a'), b: { args: ['x'] } });
        cases.push({ label: 'missing command', text, line: lineOf(text, '"b"'), reason: /server 'b': field 'command'/ });
      }

      for (const k of cases) {
        for (const trigger of ['file change', 'SIGHUP']) {
          const mark = logMark(gw);
          if (trigger === 'file change') {
            writeAtomic(cfg, k.text);
          } else {
            process.kill(gw.pid, 'SIGHUP');
          }
          const re = new RegExp(`^.* ERROR .*reload \\(${trigger}\\) rejected, the running config keeps serving: ${esc}:(\\d+):(.*)$`, 'm');
          const m = await waitForLog(gw, re, { from: mark, what: `rejection of the ${k.label} config (${trigger})` });
          assert.equal(Number(m[1]), k.line, `${k.label}: reported line ${m[1]} (expected ${k.line}): ${m[0]}`);
          assert.match(m[2], k.reason, `${k.label}: reason in ${m[0]}`);
          assert.deepEqual(logLines(gw, /reloaded \(/, mark), [], `${k.label}: no "reloaded" line`);
          assert.equal(logLines(gw, /rejected, the running config keeps serving/, mark).length, 1,
            `${k.label} (${trigger}): exactly one rejection line`);
          // The old servers keep answering, with their old processes.
          for (const c of Object.values(clients)) {
            assert.equal(await callText(c, 'a__echo', { text: `${k.label}-${trigger}` }), `${k.label}-${trigger}`);
            assert.equal(await callText(c, 'b__add', { a: 20, b: 22 }), '42');
          }
          const st = byName(await gw.status());
          assert.deepEqual(Object.keys(st).sort(), ['a', 'b']);
          for (const n of ['a', 'b']) {
            assert.equal(st[n].state, 'ready');
            assert.equal(st[n].backendPid, st0[n].backendPid, `${n} backend untouched by the rejected reload`);
            assert.equal(st[n].workerPid, st0[n].workerPid, `${n} worker untouched by the rejected reload`);
          }
        }
      }

      // A valid config after the rejections is applied normally.
      const mark = logMark(gw);
      writeAtomic(cfg, configText({ ...good, c: testServer('c') }));
      const m = await waitForLog(gw, RELOADED_RE('file change'), { from: mark });
      assert.deepEqual(parseSummary(m[2]), { added: ['c'] }, m[0]);
      await gw.waitForStatus((st) => byName(st).c?.state === 'ready', 10000, 'c ready');
      const st = byName(await gw.status());
      for (const n of ['a', 'b']) assert.equal(st[n].backendPid, st0[n].backendPid);
      await waitForToolList(clients, (names) => names.includes('c__echo'), 'c__echo listed');
    } finally {
      await closeClients(clients);
      const r = await gw.stop().finally(() => removeBoardOf(gw));
      assert.equal(r.code, 0, `exit code after SIGTERM (signal ${r.signal})`);
    }
    gw.assertClean();
  });

  it('save styles: in-place write, atomic rename, symlink replace/edit-target/swap, delete then recreate', async () => {
    const gw = await startGateway({ servers: { a: testServer('a'), b: testServer('b') } });
    const targets1 = makeTempDir('cfg-v1');
    const targets2 = makeTempDir('cfg-v2');
    let clients;
    try {
      clients = { streamable: await connectStreamable(gw.url), sse: await connectSse(gw.url) };
      const tracker = trackListChanged(clients);
      await primeNotifications(tracker, clients, 'a');
      const st0 = byName(await gw.status());
      const cfg = gw.configPath;
      const textFor = (prefix) => configText({ a: testServer('a'), b: testServer('b', [], { prefix }) });

      // Each step changes b's prefix (a retune: new tool names, same processes).
      const steps = [
        { label: 'in-place write', prefix: 'inplace', act: (t) => fs.writeFileSync(cfg, t) },
        { label: 'atomic rename', prefix: 'renamed', act: (t) => writeAtomic(cfg, t) },
        {
          label: 'regular file replaced by a symlink (rename)',
          prefix: 'link1',
          act: (t) => {
            fs.writeFileSync(path.join(targets1, 'config.json'), t);
            swapSymlink(cfg, path.join(targets1, 'config.json'));
          },
        },
        {
          label: 'in-place write of the symlink target (other directory)',
          prefix: 'target1',
          act: (t) => fs.writeFileSync(path.join(targets1, 'config.json'), t),
        },
        {
          label: 'symlink swap to another directory (ln -sfn)',
          prefix: 'link2',
          act: (t) => {
            fs.writeFileSync(path.join(targets2, 'config.json'), t);
            swapSymlink(cfg, path.join(targets2, 'config.json'));
          },
        },
        {
          label: 'atomic rename of the new symlink target',
          prefix: 'target2',
          act: (t) => writeAtomic(path.join(targets2, 'config.json'), t),
        },
      ];

      let prev = 'b';
      const runStep = async (step) => {
        const marks = tracker.counts();
        const mark = logMark(gw);
        const t0 = Date.now();
        step.act(textFor(step.prefix));
        const m = await waitForLog(gw, RELOADED_RE('file change'), { from: mark, what: `reload after: ${step.label}` });
        assert.deepEqual(parseSummary(m[2]), { retuned: ['b'] }, `${step.label}: ${m[0]}`);
        const arrivals = await tracker.waitAll(marks, { what: `list_changed after: ${step.label}` });
        for (const [label, at] of Object.entries(arrivals)) {
          record(`${step.label} → list_changed (${label})`, at - t0);
          assert.ok(at - t0 < LATENCY_LIMIT_MS, `${step.label}: list_changed on ${label} after ${at - t0} ms`);
        }
        const want = `${step.prefix}__echo`;
        const old = `${prev}__echo`;
        await waitForToolList(clients, (names) => names.includes(want) && !names.includes(old), `${want} listed, ${old} gone`);
        for (const c of Object.values(clients)) assert.equal(await callText(c, want, { text: step.prefix }), step.prefix);
        prev = step.prefix;
      };
      for (const step of steps) await runStep(step);

      // The config is deleted: the reload fails (nothing to read), everything keeps serving.
      const mark = logMark(gw);
      fs.unlinkSync(cfg);
      const rej = await waitForLog(gw, /ERROR .*reload \(file change\) rejected, the running config keeps serving: (.*)$/m,
        { from: mark, what: 'rejection after the config was deleted' });
      assert.ok(rej[1].startsWith(cfg), `the rejection names the config file: ${rej[0]}`);
      for (const c of Object.values(clients)) {
        assert.equal(await callText(c, `${prev}__echo`, { text: 'no config' }), 'no config');
        assert.equal(await callText(c, 'a__echo', { text: 'still' }), 'still');
      }
      // ... and recreated (a plain new file, no symlink any more).
      await runStep({ label: 'config recreated after deletion', prefix: 'recreated', act: (t) => fs.writeFileSync(cfg, t) });

      // Only retunes happened: every process is the one from the start.
      const st1 = byName(await gw.status());
      for (const n of ['a', 'b']) {
        assert.equal(st1[n].state, 'ready');
        assert.equal(st1[n].workerPid, st0[n].workerPid, `${n} worker unchanged through all saves`);
        assert.equal(st1[n].backendPid, st0[n].backendPid, `${n} backend unchanged through all saves`);
        assert.equal(st1[n].restarts, 0);
      }
    } finally {
      await closeClients(clients);
      const r = await gw.stop().finally(() => removeBoardOf(gw));
      assert.equal(r.code, 0, `exit code after SIGTERM (signal ${r.signal})`);
      fs.rmSync(targets1, { recursive: true, force: true });
      fs.rmSync(targets2, { recursive: true, force: true });
    }
    gw.assertClean();
  });

  it('latency summary: every edit → list_changed under 2 s', () => {
    assert.ok(latencies.length > 0, 'latencies were recorded by the tests above');
    const ms = latencies.map((l) => l.ms).sort((x, y) => x - y);
    const p = (q) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))];
    console.log(`# reload latency summary over ${ms.length} notifications: min ${ms[0]} ms, ` +
      `median ${p(0.5)} ms, p90 ${p(0.9)} ms, max ${ms[ms.length - 1]} ms`);
    assert.ok(ms[ms.length - 1] < LATENCY_LIMIT_MS, `max latency ${ms[ms.length - 1]} ms`);
  });
});
