// Runs mcp-raw-latency (bench/raw_client/), the C++ client with no MCP library, for bench.mjs
// and peers.mjs.

import { spawn } from 'node:child_process';

/**
 * Runs `bin args...` for at most limitMs; resolves to the JSON report of its last stdout line,
 * rejects with why (exit status or signal, and the last lines of its stderr).
 */
export function runCClient(bin, args, limitMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('error', (e) => (stderr += e.message));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        const why = signal ? `killed (${signal}) after ${Math.round(limitMs / 1000)} s` : `exit ${code}`;
        reject(new Error(`${why}: ${stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 300)}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop()));
      } catch (e) {
        reject(new Error(`unreadable output ${JSON.stringify(stdout.slice(0, 200))}: ${e.message}`));
      }
    });
  });
}

/** The latency figures of a sequential (--calls) report, named as the benchmarks' JSON names them. */
export function latencyOf(r) {
  return { n: r.calls, p50: r.p50_us, p90: r.p90_us, p99: r.p99_us, mean: r.mean_us, min: r.min_us, max: r.max_us, warmup: r.warmup };
}
