import { describe, expect, it } from 'vitest';
import { bandOf, moveThreshold, ScoreIndex, type ScoredItem } from '../../renderer/src/lib/bands';

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

describe('threshold bands and confusion matrix', () => {
  it('assigns bands with low inclusive to review and high inclusive to reject', () => {
    const t = { low: 0.5, high: 0.8 };
    expect(bandOf(0.49, t)).toBe('accept');
    expect(bandOf(0.5, t)).toBe('review');
    expect(bandOf(0.8, t)).toBe('reject');
  });

  it('counts every scored item per band, labelled or not', () => {
    const idx = new ScoreIndex(items);
    expect(idx.counts({ low: 0.35, high: 0.85 })).toEqual({ accept: 3, review: 4, reject: 1 });
  });

  it('confusion matrix treats review + reject as flagged and agrees with brute force', () => {
    const idx = new ScoreIndex(items);
    for (const low of [0, 0.25, 0.5, 0.56, 1]) {
      for (const high of [low, 0.85, 1.1]) {
        const t = { low, high: Math.max(low, high) };
        const c = idx.confusion(t);
        const labelled = items.filter((i) => i.defect !== null);
        const flagged = (i: ScoredItem) => bandOf(i.score, t) !== 'accept';
        expect(c.tp).toBe(labelled.filter((i) => i.defect && flagged(i)).length);
        expect(c.fp).toBe(labelled.filter((i) => !i.defect && flagged(i)).length);
        expect(c.fn).toBe(labelled.filter((i) => i.defect && !flagged(i)).length);
        expect(c.tn).toBe(labelled.filter((i) => !i.defect && !flagged(i)).length);
        expect(c.defect.reject).toBe(labelled.filter((i) => i.defect && bandOf(i.score, t) === 'reject').length);
      }
    }
  });

  it('dragging one threshold past the other stops at it', () => {
    expect(moveThreshold({ low: 0.2, high: 0.6 }, 'low', 0.9)).toEqual({ low: 0.6, high: 0.6 });
    expect(moveThreshold({ low: 0.2, high: 0.6 }, 'high', 0.1)).toEqual({ low: 0.2, high: 0.2 });
    expect(moveThreshold({ low: 0.2, high: 0.6 }, 'high', Number.NaN)).toEqual({ low: 0.2, high: 0.6 });
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
