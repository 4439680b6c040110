/**
 * Feature noise (training setting `featureNoise`): Gaussian noise added to a step's backbone features, per channel
 * `featureNoise` × that channel's standard deviation over the batch. A flow trained on ~100 overlapping crops of one
 * surface otherwise learns the exact features of those crops, and flags good parts from an unseen region of the
 * same surface; noise widens what it learns around each training feature. Seeded by (seed, step, tap), so a
 * resumed run adds the same noise.
 */
import { gaussian, seededRandom, subSeed } from '../model/flow/random.js';

/** Adds the noise in place to an (N, C, h, w) buffer. */
export function addFeatureNoise(buf: Float32Array, n: number, channels: number, plane: number, strength: number, seed: number): void {
  if (strength <= 0) return;
  const noise = gaussian(seededRandom(seed), buf.length, 1);
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const base = (i * channels + c) * plane;
      for (let p = 0; p < plane; p++) {
        const v = buf[base + p]!;
        sum += v;
        sq += v * v;
      }
    }
    const count = n * plane;
    const mean = sum / count;
    const std = Math.sqrt(Math.max(0, sq / count - mean * mean));
    const k = strength * std;
    for (let i = 0; i < n; i++) {
      const base = (i * channels + c) * plane;
      for (let p = 0; p < plane; p++) buf[base + p] += k * noise[base + p]!;
    }
  }
}

/** The seed of one step's noise for one tap and branch. */
export function featureNoiseSeed(runSeed: number, step: number, tap: number, branch: 'clean' | 'synth'): number {
  return subSeed(runSeed, `feature-noise:${step}:${tap}:${branch}`);
}
