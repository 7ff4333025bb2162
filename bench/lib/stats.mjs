// Small statistics and formatting helpers for the benchmark.

/** Summary of a list of latencies in microseconds: nearest-rank percentiles and mean. */
export function summarize(samplesUs) {
  const n = samplesUs.length;
  if (n === 0) return { n: 0, p50: null, p90: null, p99: null, mean: null, min: null, max: null };
  const s = Float64Array.from(samplesUs).sort();
  const pct = (p) => s[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))];
  let sum = 0;
  for (const v of s) sum += v;
  return {
    n,
    p50: round1(pct(50)),
    p90: round1(pct(90)),
    p99: round1(pct(99)),
    mean: round1(sum / n),
    min: round1(s[0]),
    max: round1(s[n - 1]),
  };
}

export function round1(x) {
  return x == null ? null : Math.round(x * 10) / 10;
}

export function round2(x) {
  return x == null ? null : Math.round(x * 100) / 100;
}

/** Nanoseconds (bigint) elapsed between two process.hrtime.bigint() readings, as microseconds. */
export function usBetween(t0, t1) {
  return Number(t1 - t0) / 1000;
}

/** Renders rows (arrays of cells) as a fixed-width text table; the first row is the header. */
export function table(rows, { alignLeft = [0] } = {}) {
  const cells = rows.map((r) => r.map((c) => (c == null ? '-' : String(c))));
  const widths = [];
  for (const r of cells) r.forEach((c, i) => (widths[i] = Math.max(widths[i] || 0, c.length)));
  const line = (r) =>
    r.map((c, i) => (alignLeft.includes(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of cells.slice(1)) out.push(line(r));
  return out.join('\n');
}

export function fmtUs(x) {
  return x == null ? '-' : x.toFixed(1);
}

export function fmtKb(kb) {
  return kb == null ? '-' : (kb / 1024).toFixed(2);
}
