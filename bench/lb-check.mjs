#!/usr/bin/env node
// Checks the HAProxy example of docs/scaling.md for real: two MCProxy instances on loopback
// behind HAProxy configured with the snippet taken verbatim from the doc (only the listen and
// server addresses are rewritten), then SDK clients over both transports through it. Every
// client lists the tools and makes --calls echo calls; all must succeed. Needs haproxy
// (Debian: apt-get install haproxy). Not in CI.
//
//   node bench/lb-check.mjs [--clients 20] [--calls 20]

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { waitFor } from './lib/gateway.mjs';
import { connectSdk, freePort, launch, testServerBackend } from './lib/targets.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..');
const BUILD_DIR = path.resolve(process.env.MCPROXY_BUILD_DIR || path.join(REPO_ROOT, 'build'));
const TEST_SERVER_BIN = path.join(BUILD_DIR, 'tests', 'testserver', 'mcp-test-server');
const { values: argv } = parseArgs({ options: { clients: { type: 'string', default: '20' }, calls: { type: 'string', default: '20' } } });

async function main() {
  const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'scaling.md'), 'utf8');
  const snippet = /```haproxy\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!snippet) throw new Error('no ```haproxy block in docs/scaling.md');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcproxy-lb-'));
  const backends = ['t0', 't1'].map((n) => testServerBackend(TEST_SERVER_BIN, n));
  const a = await launch('mcproxy', backends, { dir, buildDir: BUILD_DIR });
  const b = await launch('mcproxy', backends, { dir, buildDir: BUILD_DIR });
  let hap;
  try {
    for (const h of [a, b]) {
      await waitFor(async () => (await h.status()).servers.every((s) => s.state === 'ready'), { timeoutMs: 20000, what: 'ready' });
    }
    const portOf = (h) => new URL(h.endpoints[0].target).port;
    const lbPort = await freePort();
    const cfg =
      'global\n    maxconn 4096\ndefaults\n    mode http\n    timeout connect 5s\n\n' +
      snippet
        .replace(/bind :12009/, `bind 127.0.0.1:${lbPort}`)
        .replace(/10\.0\.0\.11:12009/g, `127.0.0.1:${portOf(a)}`)
        .replace(/10\.0\.0\.12:12009/g, `127.0.0.1:${portOf(b)}`);
    const cfgPath = path.join(dir, 'haproxy.cfg');
    fs.writeFileSync(cfgPath, cfg);
    hap = spawn('haproxy', ['-db', '-f', cfgPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    let hapErr = '';
    hap.stderr.on('data', (d) => (hapErr += d));
    const base = `http://127.0.0.1:${lbPort}`;
    await waitFor(async () => (await fetch(`${base}/health`)).status === 200, { timeoutMs: 10000, what: `haproxy on ${lbPort}: ${hapErr}` });

    const n = Number(argv.clients);
    const calls = Number(argv.calls);
    const failures = [];
    let ok = 0;
    const one = async (transport, i) => {
      const c = await connectSdk(transport, transport === 'sse' ? `${base}/sse` : `${base}/mcp`);
      try {
        const tools = await c.listTools();
        if (tools.length !== 28) throw new Error(`listed ${tools.length} tools, expected 28`);
        for (let k = 0; k < calls; k++) {
          const text = `${transport}-${i}-${k}`;
          const r = await c.call(`t${k % 2}__echo`, { text });
          if (r.content?.[0]?.text !== text) throw new Error(`wrong answer ${JSON.stringify(r).slice(0, 120)}`);
          ok++;
        }
      } finally {
        await c.close();
      }
    };
    // Clients stay open together, so sessions are spread while they work.
    const sessionsSeen = { a: 0, b: 0 };
    const watch = setInterval(async () => {
      try {
        sessionsSeen.a = Math.max(sessionsSeen.a, (await a.status()).sessions.total);
        sessionsSeen.b = Math.max(sessionsSeen.b, (await b.status()).sessions.total);
      } catch {}
    }, 20);
    await Promise.all(
      ['streamable', 'sse'].flatMap((t) => Array.from({ length: n }, (_, i) => one(t, i).catch((e) => failures.push(`${t} ${i}: ${e.message}`)))),
    );
    clearInterval(watch);
    console.log(`HAProxy ${cfgPath} (snippet from docs/scaling.md) in front of two MCProxy instances`);
    console.log(`${2 * n} clients (${n} Streamable HTTP, ${n} legacy SSE), ${ok} of ${2 * n * calls} calls answered, ${failures.length} clients failed`);
    console.log(`most sessions open at once: instance a ${sessionsSeen.a}, instance b ${sessionsSeen.b}`);
    if (failures.length) console.log(failures.slice(0, 5).join('\n'));
    return failures.length ? 1 : 0;
  } finally {
    if (hap) hap.kill('SIGTERM');
    await a.stop();
    await b.stop();
  }
}

main().then(
  (c) => process.exit(c),
  (e) => {
    console.error(e.stack || String(e));
    process.exit(2);
  },
);
