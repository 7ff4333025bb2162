// Operations benchmark: how fast the gateway reacts to config edits and to a crashing backend.
//   node bench/ops.mjs [--rounds N]
// Figures (all through the real mcproxy, with SDK clients on both transports):
//   - retune reload (a tools.deny edit: no process starts): edit -> list_changed received by a
//     Streamable HTTP client and by an SSE client; edit -> the re-allowed tool is callable
//   - add-server reload: edit -> the new server's tool is callable (includes spawning it)
//   - crash recovery: crash -> the server's tool is callable again (backoff starts at 250 ms)
// Edits are atomic renames, as editors save. Waits poll a condition with a deadline; no sleeps.

import { setMaxListeners } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

import { startGateway } from './lib/gateway.mjs';
import { summarize, table } from './lib/stats.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..');
const BUILD_DIR = path.resolve(process.env.MCPROXY_BUILD_DIR || path.join(REPO_ROOT, 'build'));
const TEST_SERVER = path.join(BUILD_DIR, 'tests', 'testserver', 'mcp-test-server');
const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 20;
const DEADLINE_MS = 10000;

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
// The SDK adds an abort listener per request to a shared signal; thousands of polling calls
// would print a warning each.
setMaxListeners(0);
// Every crash round should measure a first crash (250 ms backoff), not the fifth in a row.
const GATEWAY = { restart: { stableMs: 1 } };

function serverEntry(name, extra = {}) {
  return { command: TEST_SERVER, args: ['--name', name], ...extra };
}

function writeAtomically(file, config) {
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(config, null, 2));
  fs.renameSync(tmp, file);
}

async function connect(kind, url) {
  const transport =
    kind === 'sse'
      ? new SSEClientTransport(new URL(`${url}/sse`))
      : new StreamableHTTPClientTransport(new URL(`${url}/mcp`));
  const client = new Client({ name: `ops-bench-${kind}`, version: '1.0.0' }, { capabilities: {} });
  await client.connect(transport);
  const listeners = [];
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    const t = nowMs();
    for (const l of listeners.splice(0)) l(t);
  });
  return {
    client,
    nextListChanged: () => new Promise((resolve) => listeners.push(resolve)),
  };
}

// Calls tool until it succeeds; returns the time of the first success.
async function callableAt(client, tool, args, startedAt) {
  for (;;) {
    try {
      const r = await client.callTool({ name: tool, arguments: args });
      if (!r.isError) return nowMs();
    } catch {
      // not there yet
    }
    if (nowMs() - startedAt > DEADLINE_MS) throw new Error(`${tool} not callable within ${DEADLINE_MS} ms`);
  }
}

function withDeadline(p, what) {
  let timer;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), DEADLINE_MS);
    }),
  ]);
}

async function main() {
  const base = { a: serverEntry('a'), b: serverEntry('b') };
  const gw = await startGateway({ buildDir: BUILD_DIR, servers: base });
  const results = { listChangedStreamable: [], listChangedSse: [], retuneCallable: [], addCallable: [], crashRecovery: [] };
  try {
    const reloads = () => (gw.stderr().match(/reloaded \(/g) || []).length;
    const before = reloads();
    writeAtomically(gw.configPath, { mcproxy: GATEWAY, mcpServers: base });
    await withDeadline(
      (async () => {
        while (reloads() === before) await new Promise((r) => setImmediate(r));
      })(),
      'the restart settings reload',
    );
    const streamable = await connect('streamable', gw.url);
    const sse = await connect('sse', gw.url);
    for (let i = 0; i < rounds; ++i) {
      // Deny b's add, then allow it again: each edit moves one catalog entry, starts nothing.
      for (const deny of [['add'], []]) {
        const a = streamable.nextListChanged();
        const b = sse.nextListChanged();
        const t0 = nowMs();
        writeAtomically(gw.configPath, {
          mcproxy: GATEWAY,
          mcpServers: { ...base, b: serverEntry('b', { tools: { deny } }) },
        });
        const [ta, tb] = await withDeadline(Promise.all([a, b]), 'list_changed');
        results.listChangedStreamable.push((ta - t0) * 1000);
        results.listChangedSse.push((tb - t0) * 1000);
        if (deny.length === 0) {
          results.retuneCallable.push((await callableAt(streamable.client, 'b__add', { a: 1, b: 2 }, t0)) - t0);
        }
      }
    }
    for (let i = 0; i < Math.min(rounds, 10); ++i) {
      const name = `c${i}`;
      const t0 = nowMs();
      writeAtomically(gw.configPath, { mcproxy: GATEWAY, mcpServers: { ...base, [name]: serverEntry(name) } });
      results.addCallable.push((await callableAt(streamable.client, `${name}__echo`, { text: 'x' }, t0)) - t0);
    }
    writeAtomically(gw.configPath, { mcproxy: GATEWAY, mcpServers: base });
    for (let i = 0; i < Math.min(rounds, 5); ++i) {
      const t0 = nowMs();
      await streamable.client.callTool({ name: 'a__crash', arguments: {} }).catch(() => {});
      results.crashRecovery.push((await callableAt(streamable.client, 'a__echo', { text: 'x' }, t0)) - t0);
      await withDeadline(
        (async () => {
          for (;;) {
            const st = await gw.status();
            if (st.servers.find((s) => s.name === 'a')?.state === 'ready') return;
          }
        })(),
        'a ready',
      );
    }
    await streamable.client.close();
    await sse.client.close();
  } finally {
    await gw.stop();
  }
  const row = (label, samples, unit) => {
    const s = summarize(samples);
    const f = (x) => (unit === 'us' ? `${Math.round(x)} µs` : `${x.toFixed(1)} ms`);
    return [label, String(samples.length), f(s.p50), f(s.p90), f(s.max)];
  };
  console.log(`MCProxy operations benchmark ${new Date().toISOString()} (${rounds} rounds)`);
  console.log(
    table([
      ['measure', 'n', 'p50', 'p90', 'max'],
      row('retune edit -> list_changed (Streamable HTTP)', results.listChangedStreamable, 'us'),
      row('retune edit -> list_changed (SSE)', results.listChangedSse, 'us'),
      row('retune edit -> re-allowed tool callable', results.retuneCallable, 'ms'),
      row('add-server edit -> new tool callable', results.addCallable, 'ms'),
      row('crash -> tool callable again', results.crashRecovery, 'ms'),
    ]),
  );
  fs.mkdirSync(path.join(HERE, 'results'), { recursive: true });
  fs.writeFileSync(path.join(HERE, 'results', 'ops-latest.json'), JSON.stringify(results, null, 2));
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(2);
});
