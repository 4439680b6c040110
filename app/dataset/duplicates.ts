/**
 * Near-duplicate groups by perceptual (difference) hash: images whose 64-bit hashes differ in at most
 * `maxDistance` bits. Candidate pairs come from splitting the hash into maxDistance + 1 bands (two hashes that
 * close must agree exactly on at least one band, by pigeonhole), so this stays fast at 100k images.
 */
import { AppError } from '../core/errors.js';

export interface DuplicateGroup {
  readonly ids: number[];
  /** Largest Hamming distance between a member and the group's first member. */
  readonly maxDistance: number;
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

const halves = (hex: string): [number, number] => [parseInt(hex.slice(0, 8), 16) >>> 0, parseInt(hex.slice(8, 16), 16) >>> 0];

export function hammingDistance(a: string, b: string): number {
  const [a0, a1] = halves(a);
  const [b0, b1] = halves(b);
  return popcount32(a0 ^ b0) + popcount32(a1 ^ b1);
}

export function nearDuplicateGroups(items: readonly { id: number; phash: string }[], maxDistance = 4): DuplicateGroup[] {
  if (!Number.isInteger(maxDistance) || maxDistance < 0 || maxDistance > 16) throw new AppError('invalid_request', `maxDistance must be an integer in 0..16 (got ${maxDistance})`);
  const valid = items.filter((it) => /^[0-9a-f]{16}$/.test(it.phash));
  const bits = valid.map((it) => BigInt(`0x${it.phash}`));
  const parent = valid.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  const bands = maxDistance + 1;
  const width = Math.floor(64 / bands);
  for (let b = 0; b < bands; b++) {
    const shift = BigInt(b * width);
    const mask = (1n << BigInt(b === bands - 1 ? 64 - b * width : width)) - 1n;
    const buckets = new Map<bigint, number[]>();
    bits.forEach((h, i) => {
      const key = (h >> shift) & mask;
      const list = buckets.get(key);
      if (list) list.push(i);
      else buckets.set(key, [i]);
    });
    for (const list of buckets.values()) {
      for (let x = 0; x < list.length; x++)
        for (let y = x + 1; y < list.length; y++) {
          const i = list[x];
          const j = list[y];
          if (find(i) !== find(j) && hammingDistance(valid[i].phash, valid[j].phash) <= maxDistance) parent[find(i)] = find(j);
        }
    }
  }
  const groups = new Map<number, number[]>();
  valid.forEach((_, i) => {
    const r = find(i);
    const g = groups.get(r);
    if (g) g.push(i);
    else groups.set(r, [i]);
  });
  return [...groups.values()]
    .filter((g) => g.length > 1)
    .map((g) => ({
      ids: g.map((i) => valid[i].id).sort((a, b) => a - b),
      maxDistance: Math.max(...g.map((i) => hammingDistance(valid[g[0]].phash, valid[i].phash))),
    }))
    .sort((a, b) => a.ids[0] - b.ids[0]);
}
