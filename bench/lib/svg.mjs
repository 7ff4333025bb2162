// Hand-written SVG for the peer benchmark: latency distributions side by side.
// Top panel: one horizontal box per series on a log time axis (whiskers p1..p99, box
// p25..p75, a bar at the median, a dot at p99.9). Bottom panel: the empirical CDF of each
// series on the same axis. No dependencies.

const PALETTE = ['#222222', '#d62728', '#ff7f0e', '#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function quantile(sorted, q) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function fmtTick(us) {
  if (us >= 1e6) return `${us / 1e6} s`;
  if (us >= 1000) return `${us / 1000} ms`;
  return `${us} µs`;
}

/**
 * series: [{ label, samplesUs: number[] | Float64Array }]; returns an SVG document (string).
 */
export function latencyPlot(series, { title = 'Latency', subtitle = '' } = {}) {
  const data = series
    .filter((s) => s.samplesUs && s.samplesUs.length)
    .map((s, i) => ({ ...s, color: s.color ?? PALETTE[i % PALETTE.length], sorted: Float64Array.from(s.samplesUs).sort() }));
  const W = 1000;
  const left = 300;
  const right = 30;
  const top = 60;
  const rowH = 28;
  const boxH = top + rowH * data.length + 40;
  const cdfTop = boxH + 30;
  const cdfH = 320;
  const legendRows = Math.ceil(data.length / 2);
  const H = cdfTop + cdfH + 60 + legendRows * 18;
  const plotW = W - left - right;

  let lo = Infinity;
  let hi = 0;
  for (const d of data) {
    lo = Math.min(lo, d.sorted[0]);
    hi = Math.max(hi, quantile(d.sorted, 0.999));
  }
  lo = Math.max(1, lo);
  const lx0 = Math.floor(Math.log10(lo));
  const lx1 = Math.ceil(Math.log10(hi));
  const x = (us) => left + ((Math.log10(Math.max(us, 10 ** lx0)) - lx0) / (lx1 - lx0)) * plotW;
  const ticks = [];
  for (let e = lx0; e <= lx1; e++) for (const m of [1, 2, 5]) if (e + Math.log10(m) <= lx1 + 1e-9) ticks.push(m * 10 ** e);

  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}</text>`);
  if (subtitle) out.push(`<text x="${W / 2}" y="42" text-anchor="middle" fill="#555">${esc(subtitle)}</text>`);

  const grid = (y0, y1) => {
    for (const t of ticks) {
      const major = Math.abs(Math.log10(t) - Math.round(Math.log10(t))) < 1e-9;
      out.push(`<line x1="${x(t).toFixed(1)}" y1="${y0}" x2="${x(t).toFixed(1)}" y2="${y1}" stroke="${major ? '#bbb' : '#e6e6e6'}"/>`);
      // label every tick on narrow ranges, only powers of ten on wide ones (labels would overlap)
      if (major || lx1 - lx0 <= 3) out.push(`<text x="${x(t).toFixed(1)}" y="${y1 + 15}" text-anchor="middle" fill="#333">${fmtTick(t)}</text>`);
    }
  };

  // Box panel
  grid(top - 5, top + rowH * data.length);
  data.forEach((d, i) => {
    const cy = top + rowH * i + rowH / 2;
    const q = (p) => x(quantile(d.sorted, p));
    const [p1, p25, p50, p75, p99, p999] = [0.01, 0.25, 0.5, 0.75, 0.99, 0.999].map(q);
    out.push(`<text x="${left - 10}" y="${cy + 4}" text-anchor="end" fill="${d.color}">${esc(d.label)}</text>`);
    out.push(`<line x1="${p1.toFixed(1)}" y1="${cy}" x2="${p99.toFixed(1)}" y2="${cy}" stroke="${d.color}" stroke-width="1.5"/>`);
    for (const px of [p1, p99]) out.push(`<line x1="${px.toFixed(1)}" y1="${cy - 6}" x2="${px.toFixed(1)}" y2="${cy + 6}" stroke="${d.color}" stroke-width="1.5"/>`);
    out.push(`<rect x="${p25.toFixed(1)}" y="${cy - 9}" width="${Math.max(1, p75 - p25).toFixed(1)}" height="18" fill="${d.color}" fill-opacity="0.25" stroke="${d.color}"/>`);
    out.push(`<line x1="${p50.toFixed(1)}" y1="${cy - 10}" x2="${p50.toFixed(1)}" y2="${cy + 10}" stroke="${d.color}" stroke-width="3"/>`);
    out.push(`<circle cx="${p999.toFixed(1)}" cy="${cy}" r="3" fill="none" stroke="${d.color}"/>`);
  });
  out.push(
    `<text x="${left}" y="${top + rowH * data.length + 34}" fill="#555">box p25–p75, thick bar median, whiskers p1–p99, circle p99.9; log scale</text>`,
  );

  // CDF panel
  const y = (f) => cdfTop + cdfH - f * cdfH;
  grid(cdfTop, cdfTop + cdfH);
  for (const f of [0, 0.25, 0.5, 0.75, 0.9, 1]) {
    out.push(`<line x1="${left}" y1="${y(f).toFixed(1)}" x2="${W - right}" y2="${y(f).toFixed(1)}" stroke="#eee"/>`);
    out.push(`<text x="${left - 6}" y="${(y(f) + 4).toFixed(1)}" text-anchor="end" fill="#333">${f}</text>`);
  }
  out.push(`<text x="${left - 40}" y="${cdfTop + cdfH / 2}" text-anchor="middle" transform="rotate(-90 ${left - 40} ${cdfTop + cdfH / 2})">fraction of calls ≤ x</text>`);
  data.forEach((d) => {
    const n = d.sorted.length;
    const step = Math.max(1, Math.floor(n / 400));
    const pts = [];
    for (let k = 0; k < n; k += step) pts.push(`${x(d.sorted[k]).toFixed(1)},${y((k + 1) / n).toFixed(1)}`);
    pts.push(`${x(d.sorted[n - 1]).toFixed(1)},${y(1).toFixed(1)}`);
    out.push(`<polyline fill="none" stroke="${d.color}" stroke-width="1.8" points="${pts.join(' ')}"/>`);
  });
  // legend
  data.forEach((d, i) => {
    const lx = left + 10 + (i % 2) * 330;
    const ly = cdfTop + cdfH + 60 + Math.floor(i / 2) * 18;
    out.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 20}" y2="${ly - 4}" stroke="${d.color}" stroke-width="2.5"/>`);
    out.push(`<text x="${lx + 26}" y="${ly}" fill="#222">${esc(d.label)}</text>`);
  });
  out.push(`<text x="${left + plotW / 2}" y="${cdfTop + cdfH + 36}" text-anchor="middle">tools/call round trip, one session, sequential calls</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
