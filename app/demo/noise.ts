import { makeRng } from './random.js';

/**
 * Smooth value noise (quintic interpolation of a random lattice), in [0, 1). Deliberately not the Perlin noise of
 * the synthesis engine, so the demo's look and defects share no code with the anomalies the model trains on.
 *
 * One fixed 256 x 256 lattice serves every seed: a seed picks an offset into it. That turns four integer hashes per
 * lookup into four array reads, which is what keeps the whole dataset's generation under a minute.
 */
const N = 256;
const lattice = (() => {
  const rng = makeRng(0x5eed);
  const t = new Float32Array(N * N);
  for (let i = 0; i < t.length; i++) t[i] = rng.next();
  return t;
})();

export function valueNoise(x: number, y: number, seed: number): number {
  const sx0 = x + (seed & 0xff) * 0.9973;
  const sy0 = y + ((seed >>> 8) & 0xff) * 1.0031;
  const ix = Math.floor(sx0);
  const iy = Math.floor(sy0);
  const fx = sx0 - ix;
  const fy = sy0 - iy;
  const sx = fx * fx * fx * (fx * (fx * 6 - 15) + 10);
  const sy = fy * fy * fy * (fy * (fy * 6 - 15) + 10);
  const x0 = ix & (N - 1);
  const x1 = (ix + 1) & (N - 1);
  const r0 = (iy & (N - 1)) * N;
  const r1 = ((iy + 1) & (N - 1)) * N;
  const a = lattice[r0 + x0];
  const b = lattice[r0 + x1];
  const c = lattice[r1 + x0];
  const d = lattice[r1 + x1];
  return a + (b - a) * sx + (c - a) * sy + (a - b - c + d) * sx * sy;
}

/** Fractal sum of `octaves` value-noise layers, centred on 0 with amplitude about 1. */
export function fbm(x: number, y: number, seed: number, octaves = 4): number {
  let sum = 0;
  let amp = 1;
  let norm = 0;
  let f = 1;
  for (let o = 0; o < octaves; o++) {
    sum += amp * (valueNoise(x * f, y * f, seed + o * 40503) - 0.5);
    norm += amp;
    amp *= 0.5;
    f *= 2.03;
  }
  return (2 * sum) / norm;
}
