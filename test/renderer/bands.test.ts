import { describe, expect, it } from 'vitest';
import { verdictOf } from '../../app/core/bands';
import { moveThreshold, ScoreIndex, type ScoredItem } from '../../renderer/src/lib/bands';

const items: ScoredItem[] = [
  { score: 0.1, defect: false },
  { score: 0.2, defect: false },
  { score: 0.3, defect: false },
  { score: 0.55, defect: false },
  { score: 0.5, defect: true },
  { score: 0.8, defect: true },
  { score: 0.9, defect: true },
  { score: 0.4, defect: null },
];
/** Results the model gave no finite score: one defect, one good part, one unlabelled. */
const unscored: ScoredItem[] = [
  { score: null, defect: true },
  { score: Number.NaN, defect: false },
  { score: Number.POSITIVE_INFINITY, defect: null },
];

describe('threshold bands and confusion matrix', () => {
  it('counts every scored item per band, labelled or not', () => {
    const idx = new ScoreIndex(items);
    expect(idx.counts({ review: 0.35, reject: 0.85 })).toEqual({ accept: 3, review: 4, reject: 1, error: 0 });
  });

  it('counts a result without a finite score as an error, in every band position, never as accepted', () => {
    const idx = new ScoreIndex([...items, ...unscored]);
    for (const review of [-1e9, 0.35, 1e9]) {
      const c = idx.counts({ review, reject: Math.max(review, 0.85) });
      expect(c.error).toBe(3);
      expect(c.accept + c.review + c.reject + c.error).toBe(items.length + unscored.length);
    }
    // Even with the review threshold above every score, the unscored defect is not an escape.
    const c = idx.confusion({ review: 1e9, reject: 1e9 });
    expect(c).toMatchObject({ tp: 1, fn: 3, fp: 1, tn: 4, labelled: 9 });
    expect([c.defect.error, c.good.error]).toEqual([1, 1]);
    // Thresholds that cannot judge: nothing passes.
    expect(idx.counts({ review: Number.NaN, reject: 1 })).toEqual({ accept: 0, review: 0, reject: 0, error: 11 });
    // The histogram and ROC show the finite scores only.
    expect(idx.size).toBe(items.length);
    expect(idx.histogram(4).counts.reduce((a, b) => a + b, 0)).toBe(items.length);
    expect(idx.max).toBe(0.9);
  });

  it('confusion matrix treats not-accepted as flagged and agrees with the one verdict rule', () => {
    const all = [...items, ...unscored];
    const idx = new ScoreIndex(all);
    for (const review of [0, 0.25, 0.5, 0.56, 1]) {
      for (const reject of [review, 0.85, 1.1]) {
        const t = { review, reject: Math.max(review, reject) };
        const c = idx.confusion(t);
        const labelled = all.filter((i) => i.defect !== null);
        const flagged = (i: ScoredItem) => verdictOf(i.score, t) !== 'accept';
        expect(c.tp).toBe(labelled.filter((i) => i.defect && flagged(i)).length);
        expect(c.fp).toBe(labelled.filter((i) => !i.defect && flagged(i)).length);
        expect(c.fn).toBe(labelled.filter((i) => i.defect && !flagged(i)).length);
        expect(c.tn).toBe(labelled.filter((i) => !i.defect && !flagged(i)).length);
        for (const v of ['accept', 'review', 'reject', 'error'] as const) {
          expect(c.defect[v]).toBe(labelled.filter((i) => i.defect && verdictOf(i.score, t) === v).length);
          expect(c.good[v]).toBe(labelled.filter((i) => !i.defect && verdictOf(i.score, t) === v).length);
        }
      }
    }
  });

  it('dragging one threshold past the other stops at it', () => {
    expect(moveThreshold({ review: 0.2, reject: 0.6 }, 'review', 0.9)).toEqual({ review: 0.6, reject: 0.6 });
    expect(moveThreshold({ review: 0.2, reject: 0.6 }, 'reject', 0.1)).toEqual({ review: 0.2, reject: 0.2 });
    expect(moveThreshold({ review: 0.2, reject: 0.6 }, 'reject', Number.NaN)).toEqual({ review: 0.2, reject: 0.6 });
  });

  it('ROC runs from (0,0) to (1,1) and collapses tied scores into one step', () => {
    const idx = new ScoreIndex([
      { score: 1, defect: true },
      { score: 0.5, defect: true },
      { score: 0.5, defect: false },
      { score: 0, defect: false },
    ]);
    expect(idx.roc()).toEqual({ fpr: [0, 0, 0.5, 1], tpr: [0, 0.5, 1, 1] });
  });

  it('histogram puts every score in a bin, split by class', () => {
    const h = new ScoreIndex(items).histogram(4);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(items.length);
    expect(h.defect.reduce((a, b) => a + b, 0)).toBe(3);
    expect(h.counts[3]).toBeGreaterThanOrEqual(1); // the maximum lands in the last bin
  });
});

describe('training curves', () => {
  it('builds one column per loss term (total first), AUROC only at validation steps, no optimiser diagnostics', async () => {
    const { buildCurves } = await import('../../renderer/src/lib/training-curves');
    const c = buildCurves([
      { step: 2, losses: { total: 1.5, margin: 0.5, 'optim.grad_norm': 9 } },
      { step: 1, losses: { total: 2, margin: 0.7, 'optim.grad_norm': 8 } },
      { step: 2, valAuroc: 0.9 },
    ]);
    expect(c.terms).toEqual(['total', 'margin']);
    expect(c.data).toEqual([
      [1, 2, 2],
      [2, 1.5, null],
      [0.7, 0.5, null],
      [null, null, 0.9],
    ]);
  });
});
