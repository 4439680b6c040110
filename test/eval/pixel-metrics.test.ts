import { describe, expect, it } from 'vitest';
import { aupro, imageAuroc, labelRegions, MetricInputError, PixelMetricAccumulator, pixelAuroc, type PixelSample } from '../../app/eval/index.js';
import { mulberry32 } from '../../app/core/mulberry32.js';

/** Region labelling by union-find over 8-neighbours, an independent implementation of the definition. */
function bruteRegions(mask: number[], w: number, h: number): number[][] {
  const parent = mask.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (const [dx, dy] of [[1, 0], [0, 1], [1, 1], [-1, 1]]) {
        const xx = x + dx;
        const yy = y + dy;
        if (xx < 0 || xx >= w || yy >= h) continue;
        if (mask[y * w + x] && mask[yy * w + xx]) parent[find(y * w + x)] = find(yy * w + xx);
      }
  const groups = new Map<number, number[]>();
  mask.forEach((m, i) => {
    if (!m) return;
    const r = find(i);
    groups.set(r, [...(groups.get(r) ?? []), i]);
  });
  return [...groups.values()];
}

/** AUPRO from its definition: PRO and FPR at every distinct threshold, trapezoids, interpolated at the limit. */
function bruteAupro(samples: { map: number[]; mask: number[]; w: number; h: number }[], limit: number): number {
  const regions = samples.flatMap((s) => bruteRegions(s.mask, s.w, s.h).map((px) => px.map((i) => s.map[i])));
  const negs = samples.flatMap((s) => s.map.filter((_, i) => !s.mask[i]));
  const thresholds = [...new Set(samples.flatMap((s) => s.map))].sort((a, b) => b - a);
  const xs = [0];
  const ys = [0];
  for (const t of thresholds) {
    xs.push(negs.filter((v) => v >= t).length / negs.length);
    ys.push(regions.reduce((acc, r) => acc + r.filter((v) => v >= t).length / r.length, 0) / regions.length);
  }
  let area = 0;
  for (let i = 1; i < xs.length && xs[i - 1] < limit; i++) {
    const x1 = Math.min(xs[i], limit);
    const y1 = xs[i] <= limit ? ys[i] : ys[i - 1] + ((ys[i] - ys[i - 1]) * (limit - xs[i - 1])) / (xs[i] - xs[i - 1]);
    area += ((x1 - xs[i - 1]) * (ys[i - 1] + y1)) / 2;
  }
  return area / limit;
}

const row = (map: number[], mask: number[]): PixelSample => ({ map, mask, width: map.length, height: 1 });

describe('connected defect regions', () => {
  it('joins diagonal neighbours (8-connectivity) and keeps separate blobs apart', () => {
    // 4x4: a diagonal pair, and an L-shaped blob in the other corner.
    const mask = [1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 1, 1];
    const r = labelRegions(mask, 4, 4);
    expect(r.sizes.slice().sort()).toEqual([2, 5]);
    expect(r.labels[0]).toBe(r.labels[5]);
    expect(r.labels[3]).not.toBe(r.labels[0]);
    const ignored = labelRegions(mask, 4, 4, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(ignored.sizes.slice().sort()).toEqual([2, 2, 2]);
  });
});

describe('pixel-level metrics', () => {
  it('matches hand-computed AUPRO values', () => {
    // Region fully above every good pixel: PRO reaches 1 at FPR 0.
    expect(aupro([row([0.9, 0.8, 0.3, 0.1], [1, 1, 0, 0])])).toBeCloseTo(1, 12);
    // PRO is 0.5 from FPR 0 to 0.5, so the normalised area up to 0.3 is 0.5.
    expect(aupro([row([0.9, 0.2, 0.5, 0.1], [1, 1, 0, 0])])).toBeCloseTo(0.5, 12);
    // Two regions of sizes 3 and 1: the big one found at FPR 0, the small one only at FPR 1.
    // Good pixels score 0.0 and 0.5, the small region 0.1: PRO = 0.5 on [0, 0.5], so the area up to 0.3 normalised
    // is 0.5 although 3 of 4 defect pixels are found (each region counts equally).
    expect(aupro([row([0.9, 0.9, 0.9, 0.0, 0.1, 0.5], [1, 1, 1, 0, 1, 0])])).toBeCloseTo(0.5, 12);
    // With limit 1: 0.5 x 0.5 for FPR [0, 0.5], then PRO 1 on [0.5, 1] -> 0.75.
    expect(aupro([row([0.9, 0.9, 0.9, 0.0, 0.1, 0.5], [1, 1, 1, 0, 1, 0])], 1)).toBeCloseTo(0.75, 12);
  });

  it('computes pixel AUROC over all pixels of all images, equal to image AUROC on the flattened pixels', () => {
    const r = mulberry32(3);
    const samples: PixelSample[] = [];
    const flatScores: number[] = [];
    const flatLabels: number[] = [];
    for (let k = 0; k < 6; k++) {
      const map = Array.from({ length: 12 * 9 }, () => Math.round(r() * 20) / 20);
      const mask = map.map((v) => (k % 2 === 0 && r() < 0.3 + v / 3 ? 1 : 0));
      samples.push({ map: Float32Array.from(map), mask: Uint8Array.from(mask), width: 12, height: 9 });
      map.forEach((v, i) => {
        flatScores.push(Math.fround(v));
        flatLabels.push(mask[i]);
      });
    }
    expect(pixelAuroc(samples)).toBeCloseTo(imageAuroc(flatScores, flatLabels), 12);
  });

  it('agrees with the brute-force AUPRO definition on random maps, for several FPR limits', () => {
    const r = mulberry32(11);
    for (let trial = 0; trial < 12; trial++) {
      const w = 5 + Math.floor(r() * 6);
      const h = 4 + Math.floor(r() * 6);
      const samples = Array.from({ length: 1 + Math.floor(r() * 4) }, (_, k) => {
        const mask = Array.from({ length: w * h }, () => (k > 0 && r() < 0.25 ? 1 : 0));
        const map = mask.map((m) => Math.round((r() + m * r()) * 16) / 16);
        return { map, mask, w, h };
      });
      samples[0].mask[0] = 1;
      const acc = new PixelMetricAccumulator();
      for (const s of samples) acc.add({ map: s.map, mask: s.mask, width: s.w, height: s.h });
      for (const limit of [0.05, 0.3, 1]) expect(acc.aupro(limit)).toBeCloseTo(bruteAupro(samples, limit), 10);
    }
  });

  it('streams: many images added one by one give the same result as one big image', () => {
    const r = mulberry32(5);
    const many = new PixelMetricAccumulator();
    const bigMap: number[] = [];
    const bigMask: number[] = [];
    for (let k = 0; k < 200; k++) {
      // Each image is a 4x4 block with one region at most, laid side by side in a separate column band of the big
      // image (separated by a good column so regions do not merge).
      const map = Array.from({ length: 16 }, () => r());
      const mask = map.map((_, i) => (k % 3 === 0 && (i === 5 || i === 6) ? 1 : 0));
      many.add({ map, mask, width: 4, height: 4 });
      bigMap.push(...map);
      bigMask.push(...mask);
    }
    const one = new PixelMetricAccumulator();
    // Stacked vertically as a (800, 4) image: regions sit in rows 1 of each block, never touching the next block's.
    one.add({ map: bigMap, mask: bigMask, width: 4, height: 800 });
    expect(many.regionCount).toBe(one.regionCount);
    expect(many.pixelAuroc()).toBeCloseTo(one.pixelAuroc(), 12);
    expect(many.aupro()).toBeCloseTo(one.aupro(), 12);
    expect(many.f1Max().f1).toBeCloseTo(one.f1Max().f1, 12);
  });

  it('excludes ignore-region pixels from both classes', () => {
    const acc = new PixelMetricAccumulator();
    // The good pixel scoring 0.95 would beat the defect; ignoring it makes the separation perfect.
    acc.add({ map: [0.9, 0.95, 0.1, 0.2], mask: [1, 0, 0, 0], ignore: [0, 1, 0, 0], width: 4, height: 1 });
    expect(acc.pixelCount).toBe(3);
    expect(acc.pixelAuroc()).toBe(1);
    expect(acc.aupro()).toBe(1);
  });

  it('approximates the exact metrics when binning is requested', () => {
    const r = mulberry32(9);
    const exact = new PixelMetricAccumulator();
    const binned = new PixelMetricAccumulator({ binning: { count: 4096, min: 0, max: 2 } });
    for (let k = 0; k < 20; k++) {
      const mask = Array.from({ length: 32 * 32 }, (_, i) => (k % 2 === 0 && i % 32 > 10 && i % 32 < 16 && i > 300 && i < 600 ? 1 : 0));
      const map = Float32Array.from(mask, (m) => r() + m * 0.6 * r());
      const s = { map, mask, width: 32, height: 32 };
      exact.add(s);
      binned.add(s);
    }
    expect(Math.abs(exact.pixelAuroc() - binned.pixelAuroc())).toBeLessThan(2e-3);
    expect(Math.abs(exact.aupro() - binned.aupro())).toBeLessThan(5e-3);
  });

  it('gives pixel F1-max, threshold statistics and curves', () => {
    const acc = new PixelMetricAccumulator();
    acc.add(row([0.9, 0.8, 0.3, 0.1], [1, 1, 0, 0]));
    expect(acc.f1Max()).toMatchObject({ f1: 1, threshold: 0.8 });
    expect(acc.statsAt(0.3)).toMatchObject({ tp: 2, fp: 1, tn: 1, fn: 0 });
    expect(acc.roc().at(-1)).toMatchObject({ fpr: 1, tpr: 1 });
    expect(acc.pro()[2]).toMatchObject({ fpr: 0, pro: 1 });
    expect(acc.pr()[0]).toMatchObject({ precision: 1, recall: 0.5 });
  });

  it('refuses undefined cases and malformed input with a clear reason', () => {
    const allGood = [row([0.1, 0.2], [0, 0]), { map: [0.3, 0.4], width: 2, height: 1 }];
    expect(() => pixelAuroc(allGood)).toThrow(/both good and defective pixels \(got 4 good, 0 defective\)/);
    expect(() => aupro(allGood)).toThrow(/at least one defect region/);
    expect(() => aupro([row([0.1, 0.2], [1, 1])])).toThrow(/good \(mask = 0\) pixels/);
    expect(() => aupro([row([0.1, 0.2], [1, 0])], 0)).toThrow(/fprLimit/);
    expect(() => pixelAuroc([{ map: [1, 2, 3], width: 2, height: 2 }])).toThrow(/image #0 map has 3 values, expected 2x2/);
    expect(() => pixelAuroc([{ map: [1, 2], mask: [1], width: 2, height: 1 }])).toThrow(/mask has 1 values/);
    expect(() => pixelAuroc([{ map: [1, Number.NaN], width: 2, height: 1 }])).toThrow(MetricInputError);
    expect(() => new PixelMetricAccumulator({ binning: { count: 10, min: 1, max: 1 } })).toThrow(/binning range/);
  });
});
