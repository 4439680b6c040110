/**
 * "Unusual" good images without a model: the ones that look least like the others, by perceptual hash — the mean
 * Hamming distance of an image's 64-bit difference hash to its k nearest other good images (a k-nearest-neighbour
 * outlier score). A stray part of another type, a lens cap, a mislabelled defect stands out; with a model, its
 * scores rank better (the Curation view uses them when there are any).
 */

/** Neighbours each image is compared with. */
const K = 5;
/** Above this many images each one is compared with an evenly spaced sample of this many (bounds the cost). */
const MAX_REFERENCE = 4000;

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export interface UnusualImage {
  readonly id: number;
  /** Mean Hamming distance (bits of 64) to the k nearest other images. */
  readonly distance: number;
}

/** Images ranked from the most unusual down (ties by id), the first `limit`. Hashes that are not 16 hex digits are left out. */
export function unusualByAppearance(items: readonly { id: number; phash: string }[], limit: number): UnusualImage[] {
  const valid = items.filter((it) => /^[0-9a-f]{16}$/.test(it.phash));
  const n = valid.length;
  if (n < 2) return [];
  const hi = Uint32Array.from(valid, (it) => parseInt(it.phash.slice(0, 8), 16) >>> 0);
  const lo = Uint32Array.from(valid, (it) => parseInt(it.phash.slice(8, 16), 16) >>> 0);
  const step = Math.max(1, Math.ceil(n / MAX_REFERENCE));
  const refs: number[] = [];
  for (let j = 0; j < n; j += step) refs.push(j);
  const k = Math.min(K, refs.length - 1);
  const out: UnusualImage[] = [];
  const nearest = new Array<number>(k);
  for (let i = 0; i < n; i++) {
    nearest.fill(65);
    for (const j of refs) {
      if (j === i) continue;
      const d = popcount32(hi[i]! ^ hi[j]!) + popcount32(lo[i]! ^ lo[j]!);
      if (d >= nearest[k - 1]!) continue;
      // Insert into the sorted k smallest.
      let p = k - 1;
      while (p > 0 && nearest[p - 1]! > d) (nearest[p] = nearest[p - 1]!), p--;
      nearest[p] = d;
    }
    const used = nearest.filter((d) => d <= 64);
    out.push({ id: valid[i]!.id, distance: used.length ? used.reduce((a, b) => a + b, 0) / used.length : 0 });
  }
  return out.sort((a, b) => b.distance - a.distance || a.id - b.id).slice(0, limit);
}
