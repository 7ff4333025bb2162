// Run settings from the environment, and the seeded random numbers every choice is drawn from.
//
//   CHAOS_SECONDS=60          how long load and faults run
//   CHAOS_FAULT_RATE=4        faults per second (ignored when CHAOS_FAULTS is set)
//   CHAOS_FAULTS=N            total faults, spread over CHAOS_SECONDS
//   CHAOS_SEED=N              replay a run: same fault schedule (kinds, targets, times, sizes)
//   CHAOS_KINDS=a,b           only these fault kinds (names as in FAULT_WEIGHTS)
//   CHAOS_SESSIONS=16         client sessions, half legacy SSE, half Streamable HTTP
//   CHAOS_BACKENDS=10         stable backends (mcp-test-server) under load
//   CHAOS_CALLS_PER_SESSION=2 calls each session keeps in flight
//   CHAOS_REPORT=PATH         where the JSON figures go (default: a file in the temp directory)

/** Relative weights of the fault kinds in the schedule (tests/chaos/README.md describes each). */
export const FAULT_WEIGHTS = {
  'kill-backend': 16,
  'kill-worker': 12,
  'backend-exit': 5,
  hang: 7,
  garbage: 9,
  flood: 4,
  alloc: 7,
  'stop-worker': 2,
  'big-reply': 3,
  reload: 15,
  'vanish-streamable': 10,
  'vanish-sse': 10,
};

function intEnv(name, fallback, { min = 0 } = {}) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min) throw new Error(`${name}=${raw}: expected a number >= ${min}`);
  return v;
}

export function readSettings() {
  const seconds = intEnv('CHAOS_SECONDS', 60, { min: 1 });
  const rate = intEnv('CHAOS_FAULT_RATE', 4, { min: 0 });
  const faults = Math.round(intEnv('CHAOS_FAULTS', rate * seconds, { min: 0 }));
  const seed = process.env.CHAOS_SEED ? intEnv('CHAOS_SEED', 0) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
  let kinds = Object.keys(FAULT_WEIGHTS);
  if (process.env.CHAOS_KINDS) {
    kinds = process.env.CHAOS_KINDS.split(',').map((k) => k.trim()).filter(Boolean);
    for (const k of kinds) if (!(k in FAULT_WEIGHTS)) throw new Error(`CHAOS_KINDS: unknown kind '${k}'`);
  }
  const sessions = intEnv('CHAOS_SESSIONS', 16, { min: 2 });
  return {
    seconds,
    faults,
    seed,
    kinds,
    sessions,
    sseSessions: Math.floor(sessions / 2),
    backends: intEnv('CHAOS_BACKENDS', 10, { min: 1 }),
    callsPerSession: intEnv('CHAOS_CALLS_PER_SESSION', 2, { min: 1 }),
    report: process.env.CHAOS_REPORT || '',
  };
}

/** mulberry32: a small, fast 32-bit PRNG; good enough to pick faults, and replayable. */
export class Rng {
  constructor(seed) {
    this.state = seed >>> 0;
  }
  next() {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi]. */
  int(lo, hi) {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick(items) {
    return items[Math.floor(this.next() * items.length)];
  }
  chance(p) {
    return this.next() < p;
  }
  /** A key of `weights` ({key: weight}), chosen in proportion to its weight. */
  weighted(weights) {
    const entries = Object.entries(weights);
    let r = this.next() * entries.reduce((n, [, w]) => n + w, 0);
    for (const [k, w] of entries) {
      r -= w;
      if (r < 0) return k;
    }
    return entries[entries.length - 1][0];
  }
  /** A new generator whose sequence depends on this seed and `salt` only. */
  fork(salt) {
    return new Rng((this.state ^ Math.imul(salt + 1, 0x9e3779b1)) >>> 0);
  }
}
