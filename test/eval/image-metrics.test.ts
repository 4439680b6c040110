import { describe, expect, it } from 'vitest';
import {
  averagePrecision,
  f1Max,
  imageAuroc,
  MetricInputError,
  prCurve,
  rocCurve,
  statsAtThreshold,
} from '../../app/eval/index.js';
import { mulberry32 } from '../../app/core/mulberry32.js';

/** AUROC by its definition: P(score of a defect > score of a good) + half the ties, over all pairs. */
function bruteAuroc(scores: number[], labels: number[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      if (scores[i] > scores[j]) wins++;
      else if (scores[i] === scores[j]) wins += 0.5;
    }
  }
  return wins / pairs;
}

function bruteF1Max(scores: number[], labels: number[]): number {
  let best = 0;
  for (const t of new Set(scores)) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    scores.forEach((s, i) => {
      if (s >= t && labels[i] === 1) tp++;
      else if (s >= t) fp++;
      else if (labels[i] === 1) fn++;
    });
    best = Math.max(best, (2 * tp) / (2 * tp + fp + fn));
  }
  return best;
}

describe('image-level metrics', () => {
  it('matches hand-computed values', () => {
    const scores = [0.1, 0.4, 0.35, 0.8];
    const labels = [0, 0, 1, 1];
    expect(imageAuroc(scores, labels)).toBeCloseTo(0.75, 12);
    const f = f1Max(scores, labels);
    expect(f.f1).toBeCloseTo(0.8, 12);
    expect(f.threshold).toBe(0.35);
    expect(f.precision).toBeCloseTo(2 / 3, 12);
    expect(f.recall).toBe(1);
    // AP: thresholds .8 (R .5, P 1), .4 (R .5, P .5), .35 (R 1, P 2/3), .1 (R 1, P .5) -> .5*1 + .5*2/3.
    expect(averagePrecision(scores, labels)).toBeCloseTo(0.5 + 1 / 3, 12);
  });

  it('handles ties as half credit and moves tied samples together', () => {
    expect(imageAuroc([1, 1], [0, 1])).toBe(0.5);
    expect(imageAuroc([0.5, 0.5, 0.5, 0.9], [0, 1, 1, 1])).toBeCloseTo((0.5 + 0.5 + 1) / 3, 12);
    const roc = rocCurve([0.2, 0.2, 0.2, 0.7], [0, 0, 1, 1]);
    expect(roc.map((p) => [p.fpr, p.tpr])).toEqual([
      [0, 0],
      [0, 0.5],
      [1, 1],
    ]);
    expect(roc[0].threshold).toBe(Infinity);
  });

  it('reports confusion counts and rates at a threshold (score >= threshold is flagged)', () => {
    const s = statsAtThreshold([0.1, 0.4, 0.35, 0.8, 0.9], [0, 0, 1, 1, 0], 0.4);
    expect(s).toMatchObject({ tp: 1, fp: 2, tn: 1, fn: 1 });
    expect(s.precision).toBeCloseTo(1 / 3, 12);
    expect(s.recall).toBe(0.5);
    expect(s.fpr).toBeCloseTo(2 / 3, 12);
    expect(s.f1).toBeCloseTo(0.4, 12);
    expect(s.accuracy).toBeCloseTo(0.4, 12);
    const none = statsAtThreshold([0.1, 0.2], [0, 1], 5);
    expect(none).toMatchObject({ tp: 0, fp: 0, precision: 0, recall: 0 });
  });

  it('agrees with brute-force definitions on random data with many ties', () => {
    const r = mulberry32(7);
    for (let trial = 0; trial < 40; trial++) {
      const n = 2 + Math.floor(r() * 60);
      const scores = Array.from({ length: n }, () => Math.round(r() * 8) / 8);
      const labels = Array.from({ length: n }, () => (r() < 0.4 ? 1 : 0));
      labels[0] = 0;
      labels[1] = 1;
      expect(imageAuroc(scores, labels)).toBeCloseTo(bruteAuroc(scores, labels), 12);
      expect(f1Max(scores, labels).f1).toBeCloseTo(bruteF1Max(scores, labels), 12);
      const roc = rocCurve(scores, labels);
      let area = 0;
      for (let i = 1; i < roc.length; i++) area += ((roc[i].fpr - roc[i - 1].fpr) * (roc[i].tpr + roc[i - 1].tpr)) / 2;
      expect(area).toBeCloseTo(imageAuroc(scores, labels), 12);
      const pr = prCurve(scores, labels);
      expect(pr.at(-1)!.recall).toBe(1);
      expect(pr.length).toBe(new Set(scores).size);
    }
  });

  it('thins curve points for display only', () => {
    const scores = Array.from({ length: 500 }, (_, i) => i);
    const labels = scores.map((i) => (i % 3 === 0 ? 1 : 0));
    const roc = rocCurve(scores, labels, 50);
    expect(roc).toHaveLength(50);
    expect(roc[0]).toMatchObject({ fpr: 0, tpr: 0 });
    expect(roc.at(-1)).toMatchObject({ fpr: 1, tpr: 1 });
  });

  it('refuses input where the metric is undefined, naming the reason', () => {
    expect(() => imageAuroc([0.1, 0.2], [0, 0])).toThrow(MetricInputError);
    expect(() => imageAuroc([0.1, 0.2], [0, 0])).toThrow(/both good and defective images \(got 2 good, 0 defective\)/);
    expect(() => f1Max([0.3], [1])).toThrow(/got 0 good, 1 defective/);
    expect(() => imageAuroc([0.1, 0.2], [0])).toThrow(/2 scores but 1 labels/);
    expect(() => imageAuroc([0.1, Number.NaN], [0, 1])).toThrow(/score #1 is NaN/);
    expect(() => imageAuroc([0.1, 0.2], [0, 2])).toThrow(/label #1/);
  });
});
