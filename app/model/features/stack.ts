import type { TapFeatures } from './cache.js';

/** Stacks per-image features of tap `t` into one (N, C, h, w) buffer, padding missing rows with zeros. */
export function stackTap(images: readonly TapFeatures[][], t: number, batch: number): Float32Array {
  const size = images[0][t].data.length;
  const out = new Float32Array(batch * size);
  images.forEach((f, i) => out.set(f[t].data, i * size));
  return out;
}
