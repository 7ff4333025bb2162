// The gateways that bench/peers.mjs compares, behind one interface, and the two backends.
//
// A target is launched with a list of backends and returns a handle:
//   { id, roots: [pid...],           the gateway processes we spawned (their subtrees minus the
//                                    backends are "the gateway's own processes")
//     endpoints: [{ transport, url, backends: [index...] }]   where each backend is served
//     connect(variant, i)  -> client for backend i (i mod n) over that variant's transport
//     urlFor(variant, i)   -> the URL that client uses (null for direct stdio)
//     toolName(i, tool)    -> the name under which backend i's tool is listed
//     expectedTools(nPerBackend) -> per endpoint, how many tools a full listing has
//     addServer(backend)   -> rewrites the config with one more backend (reload targets only)
//     stop() }
//
// Every client is the official SDK's Client with the SDK's own transports; see connectSdk.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';

import { descendants } from './gateway.mjs';

// bench/node_modules, as installed from bench/package-lock.json (not resolved through exports maps)
const pkgDir = (name) => path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', name);
export const pkgVersion = (name) => JSON.parse(fs.readFileSync(path.join(pkgDir(name), 'package.json'), 'utf8')).version;

export const SUPERGATEWAY_BIN = path.join(pkgDir('supergateway'), 'dist', 'index.js');
export const MCP_PROXY_BIN = path.join(pkgDir('mcp-proxy'), 'dist', 'bin', 'mcp-proxy.mjs');
export const MCP_HUB_BIN = path.join(pkgDir('mcp-hub'), 'dist', 'cli.js');
export const EVERYTHING_BIN = path.join(pkgDir('@modelcontextprotocol/server-everything'), 'dist', 'index.js');

export const CALL_TIMEOUT_MS = 10000;

// ---------------------------------------------------------------------------
// Backends
// ---------------------------------------------------------------------------

/** The project's C++ stdio test server: tool `echo {text}` answers `text`. */
export function testServerBackend(bin, name) {
  return {
    kind: 'testserver',
    name,
    command: bin,
    args: ['--name', name],
    marker: bin, // a process whose command line contains this is (part of) a backend
    echoArgs: (text) => ({ text }),
    echoText: (text) => text,
  };
}

/** @modelcontextprotocol/server-everything over stdio: tool `echo {message}` answers `Echo: message`. */
export function everythingBackend(name) {
  return {
    kind: 'everything',
    name,
    command: process.execPath,
    args: [EVERYTHING_BIN, 'stdio'],
    marker: EVERYTHING_BIN,
    echoArgs: (message) => ({ message }),
    echoText: (message) => `Echo: ${message}`,
  };
}

const shellQuote = (s) => (/^[A-Za-z0-9_./=:-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
const commandLine = (b) => [b.command, ...b.args].map(shellQuote).join(' ');

// ---------------------------------------------------------------------------
// Clients
// ---------------------------------------------------------------------------

export function withDeadline(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`deadline of ${ms} ms exceeded: ${what}`)), ms))),
  ]);
}

/**
 * An SDK client over `transport` ('stdio' | 'streamable' | 'sse'). For stdio, `target` is a
 * backend (spawned by the SDK); otherwise a URL. Returns
 * { client, transport, call(tool, args, timeoutMs), listTools(), close() }.
 */
export async function connectSdk(transport, target, { connectTimeoutMs = 15000 } = {}) {
  let t;
  if (transport === 'stdio') t = new StdioClientTransport({ command: target.command, args: target.args, stderr: 'ignore' });
  else if (transport === 'streamable') t = new StreamableHTTPClientTransport(new URL(target));
  else if (transport === 'sse') t = new SSEClientTransport(new URL(target));
  else throw new Error(`unknown transport ${transport}`);
  const client = new Client({ name: 'mcproxy-peers-bench', version: '1.0.0' }, { capabilities: {} });
  try {
    await withDeadline(client.connect(t), connectTimeoutMs, `${transport} connect ${target.command ?? target}`);
  } catch (e) {
    await client.close().catch(() => {});
    throw e;
  }
  return {
    client,
    transport: t,
    pid: t.pid ?? null,
    call: (name, args, timeoutMs = CALL_TIMEOUT_MS) =>
      client.callTool({ name, arguments: args }, undefined, { timeout: timeoutMs }),
    listTools: async () => {
      const all = [];
      let cursor;
      do {
        const r = await client.listTools(cursor ? { cursor } : undefined, { timeout: CALL_TIMEOUT_MS });
        all.push(...r.tools);
        cursor = r.nextCursor;
      } while (cursor);
      return all;
    },
    close: async () => {
      if (transport === 'streamable') await withDeadline(t.terminateSession(), 3000, 'terminate').catch(() => {});
      await withDeadline(client.close(), 5000, 'close').catch(() => {});
    },
  };
}

// ---------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function cmdline(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return null;
  }
}

function exe(pid) {
  try {
    return fs.readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return null;
  }
}

/**
 * Splits the process trees under `roots` into the gateway's own processes and backends. The
 * roots are the gateway; below them, a process whose command line contains a backend's marker
 * (the backend itself, or a `sh -c` that wraps it) starts a backend subtree.
 */
export function classifyTree(roots, markers) {
  const gateway = [];
  const backend = [];
  for (const root of roots) {
    if (!cmdline(root)) continue;
    gateway.push(root);
    for (const pid of descendants(root)) {
      const cl = cmdline(pid);
      if (!cl) continue;
      const joined = cl.join(' ');
      let ppid = null;
      try {
        const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        ppid = Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
      } catch {}
      if (backend.includes(ppid) || markers.some((m) => joined.includes(m))) backend.push(pid);
      else gateway.push(pid);
    }
  }
  return { gateway, backend };
}

/** Pids of the live backend process(es) for backend `b` (its own executable, args matched). */
export function backendPids(roots, b) {
  const out = [];
  for (const root of roots) {
    for (const pid of descendants(root)) {
      const cl = cmdline(pid);
      if (!cl) continue;
      const joined = cl.join(' ');
      const isSelf = b.kind === 'testserver' ? exe(pid) === fs.realpathSync(b.command) : cl[0] === b.command || exe(pid) === fs.realpathSync(b.command);
      if (isSelf && joined.includes(b.marker) && (b.kind !== 'testserver' || joined.endsWith(`--name ${b.name}`))) out.push(pid);
    }
  }
  return out;
}

function spawnLogged(cmd, args, { dir, label, env }) {
  const logPath = path.join(dir, `${label}.log`);
  const fd = fs.openSync(logPath, 'w');
  const child = spawn(cmd, args, { cwd: dir, stdio: ['ignore', fd, fd], env: env ?? process.env });
  fs.closeSync(fd);
  child.exitInfo = null;
  child.exited = new Promise((r) =>
    child.on('exit', (code, signal) => {
      child.exitInfo = { code, signal };
      r(child.exitInfo);
    }),
  );
  child.logPath = logPath;
  return child;
}

async function stopAll(children, timeoutMs = 5000) {
  const trees = children.map((c) => [c, descendants(c.pid)]);
  for (const [c] of trees) if (!c.exitInfo) c.kill('SIGTERM');
  let timer;
  await Promise.race([
    Promise.all(children.map((c) => c.exited)),
    new Promise((r) => (timer = setTimeout(r, timeoutMs))),
  ]);
  clearTimeout(timer);
  for (const [c, tree] of trees) {
    for (const p of [c.pid, ...tree]) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {}
    }
  }
}

// ---------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------

/**
 * Target descriptions. `variants`: the client transports measured; `multiBackend`: one
 * process serves every backend (else one instance per backend); `reload`: how a config edit
 * reaches it, or null with the reason.
 */
export const TARGETS = {
  direct: {
    label: 'direct stdio (floor)',
    variants: ['stdio'],
    multiBackend: false,
    reload: null,
    reloadNa: 'no gateway',
  },
  mcproxy: {
    label: 'MCProxy',
    variants: ['streamable', 'sse'],
    multiBackend: true,
    reload: 'config file watch (inotify) / SIGHUP',
  },
  supergateway: {
    label: 'supergateway (Streamable HTTP, --stateful)',
    variants: ['streamable'],
    multiBackend: false,
    reload: null,
    reloadNa: 'one server per process, given on the command line; no config to reload',
  },
  'supergateway-sse': {
    label: 'supergateway (SSE, default mode)',
    variants: ['sse'],
    multiBackend: false,
    reload: null,
    reloadNa: 'one server per process, given on the command line; no config to reload',
  },
  'mcp-proxy': {
    label: 'mcp-proxy',
    variants: ['streamable', 'sse'],
    multiBackend: false,
    reload: null,
    reloadNa: 'one server per process, given on the command line; no config to reload',
  },
  'mcp-hub': {
    label: 'mcp-hub (--watch)',
    variants: ['sse'],
    multiBackend: true,
    reload: 'config file watch (--watch)',
  },
};

/**
 * Spawns target `id` for `backends` and returns at once (readiness is the caller's business:
 * cold start is measured from here). `ctx`: { dir, buildDir }.
 */
export async function launch(id, backends, ctx) {
  const dir = fs.mkdtempSync(path.join(ctx.dir, `${id}-`));
  const children = [];
  const h = {
    id,
    dir,
    backends: [...backends],
    children,
    get roots() {
      return children.filter((c) => !c.exitInfo).map((c) => c.pid);
    },
    markers: [...new Set(backends.map((b) => b.marker))],
    stop: () => stopAll(children),
    alive: () => children.every((c) => !c.exitInfo),
    logs: () => children.map((c) => `--- ${path.basename(c.logPath)}\n${tail(c.logPath)}`).join('\n'),
  };
  const n = backends.length;
  const perInstance = (urlOf) => (variant, i) => urlOf(variant, i % n);

  switch (id) {
    case 'direct': {
      h.endpoints = backends.map((b, j) => ({ transport: 'stdio', target: b, backends: [j] }));
      h.connect = (variant, i) => connectSdk('stdio', backends[i % n]);
      h.urlFor = () => null;
      h.toolName = (i, tool) => tool;
      h.stop = async () => {};
      break;
    }
    case 'mcproxy': {
      const port = await freePort();
      const configPath = path.join(dir, 'config.json');
      const servers = (list) => Object.fromEntries(list.map((b) => [b.name, { command: b.command, args: b.args }]));
      fs.writeFileSync(configPath, JSON.stringify({ mcpServers: servers(backends) }, null, 2));
      const bin = path.join(ctx.buildDir, 'supervisor', 'mcproxy');
      children.push(spawnLogged(bin, ['--config', configPath, '--listen', `127.0.0.1:${port}`, '--log'], { dir, label: 'mcproxy' }));
      const base = `http://127.0.0.1:${port}`;
      const urlOf = (variant) => (variant === 'sse' ? `${base}/sse` : `${base}/mcp`);
      h.endpoints = [{ transport: 'streamable', target: urlOf('streamable'), backends: backends.map((_, j) => j) }];
      h.connect = (variant, i) => connectSdk(variant, urlOf(variant));
      h.urlFor = (variant) => urlOf(variant);
      h.toolName = (i, tool) => `${h.backends[i % h.backends.length].name}__${tool}`;
      h.addServer = (b) => {
        h.backends.push(b);
        fs.writeFileSync(configPath, JSON.stringify({ mcpServers: servers(h.backends) }, null, 2));
      };
      h.status = async () => (await fetch(`${base}/status`)).json();
      break;
    }
    case 'supergateway':
    case 'supergateway-sse': {
      const sse = id === 'supergateway-sse';
      const ports = [];
      for (const b of backends) {
        const port = await freePort();
        ports.push(port);
        const args = [SUPERGATEWAY_BIN, '--stdio', commandLine(b), '--port', String(port), '--logLevel', 'none'];
        if (sse) args.push('--outputTransport', 'sse');
        else args.push('--outputTransport', 'streamableHttp', '--stateful');
        children.push(spawnLogged(process.execPath, args, { dir, label: `supergateway-${b.name}` }));
      }
      const urlOf = (variant, j) => `http://127.0.0.1:${ports[j]}${sse ? '/sse' : '/mcp'}`;
      h.endpoints = backends.map((_, j) => ({ transport: sse ? 'sse' : 'streamable', target: urlOf(null, j), backends: [j] }));
      h.connect = (variant, i) => connectSdk(variant, perInstance(urlOf)(variant, i));
      h.urlFor = perInstance(urlOf);
      h.toolName = (i, tool) => tool;
      break;
    }
    case 'mcp-proxy': {
      const ports = [];
      for (const b of backends) {
        const port = await freePort();
        ports.push(port);
        const args = [MCP_PROXY_BIN, '--port', String(port), '--host', '127.0.0.1', '--', b.command, ...b.args];
        children.push(spawnLogged(process.execPath, args, { dir, label: `mcp-proxy-${b.name}` }));
      }
      const urlOf = (variant, j) => `http://127.0.0.1:${ports[j]}${variant === 'sse' ? '/sse' : '/mcp'}`;
      h.endpoints = backends.map((_, j) => ({ transport: 'streamable', target: urlOf('streamable', j), backends: [j] }));
      h.connect = (variant, i) => connectSdk(variant, perInstance(urlOf)(variant, i));
      h.urlFor = perInstance(urlOf);
      h.toolName = (i, tool) => tool;
      break;
    }
    case 'mcp-hub': {
      const port = await freePort();
      const configPath = path.join(dir, 'mcp-hub.json');
      const servers = (list) => Object.fromEntries(list.map((b) => [b.name, { command: b.command, args: b.args }]));
      fs.writeFileSync(configPath, JSON.stringify({ mcpServers: servers(backends) }, null, 2));
      // mcp-hub keeps logs and a workspace cache under XDG dirs / HOME: keep them in the run dir.
      const env = { ...process.env, HOME: dir, XDG_STATE_HOME: path.join(dir, 'state'), XDG_CONFIG_HOME: path.join(dir, 'config'), XDG_DATA_HOME: path.join(dir, 'data'), XDG_CACHE_HOME: path.join(dir, 'cache') };
      children.push(spawnLogged(process.execPath, [MCP_HUB_BIN, '--port', String(port), '--config', configPath, '--watch'], { dir, label: 'mcp-hub', env }));
      const url = `http://127.0.0.1:${port}/mcp`;
      h.endpoints = [{ transport: 'sse', target: url, backends: backends.map((_, j) => j) }];
      h.connect = (variant, i) => connectSdk('sse', url);
      h.urlFor = () => url;
      h.toolName = (i, tool) => `${h.backends[i % h.backends.length].name.replace(/[^a-zA-Z0-9]/g, '_')}__${tool}`;
      h.addServer = (b) => {
        h.backends.push(b);
        fs.writeFileSync(configPath, JSON.stringify({ mcpServers: servers(h.backends) }, null, 2));
      };
      break;
    }
    default:
      throw new Error(`unknown target ${id}`);
  }
  return h;
}

function tail(p, lines = 15) {
  try {
    return fs.readFileSync(p, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
