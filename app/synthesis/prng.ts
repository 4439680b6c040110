/**
 * Seeded pseudo-random numbers (sfc32, seeded through splitmix32). Synthesis draws every random choice from one of
 * these, so a seed reproduces the same bytes on every run and machine.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Integer uniform in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** Picks an index with probability proportional to weights[i]. */
  weighted(weights: readonly number[]): number;
  /** A 32-bit seed for a child generator, so sub-tasks don't shift each other's sequences. */
  fork(): number;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Mixes several integers (seed, epoch, index, ...) into one 32-bit seed. */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    const sm = splitmix32((h ^ (Math.floor(p) >>> 0)) >>> 0);
    h = (sm() ^ Math.imul(h, 0x01000193)) >>> 0;
  }
  return h >>> 0;
}

export function createRng(seed: number): Rng {
  const init = splitmix32(Math.floor(seed) >>> 0);
  let a = init(), b = init(), c = init(), d = init();
  const next = (): number => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    normal: () => {
      const u = Math.max(next(), 1e-12);
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
    weighted: (weights) => {
      let total = 0;
      for (const w of weights) total += w;
      let r = next() * total;
      for (let i = 0; i < weights.length; i++) {
        r -= weights[i];
        if (r < 0) return i;
      }
      return weights.length - 1;
    },
    fork: () => (next() * 4294967296) >>> 0,
  };
}

/** Samples a [lo, hi] range log-uniformly when both ends are positive and far apart (sizes), else uniformly. */
export function sampleRange(rng: Rng, range: readonly [number, number], log = false): number {
  const [lo, hi] = range;
  if (lo === hi) return lo;
  if (log && lo > 0) return Math.exp(rng.uniform(Math.log(lo), Math.log(hi)));
  return rng.uniform(lo, hi);
}
