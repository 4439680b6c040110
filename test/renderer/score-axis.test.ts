import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import ScoreHistogram from '../../renderer/src/components/ScoreHistogram.svelte';
import { ScoreIndex } from '../../renderer/src/lib/bands';
import { scoreAxis } from '../../renderer/src/lib/score-axis';

/** The demo's scores: good parts near 1.1, defects up to 1.6, and one far-off score of 369. */
const scores = [...Array.from({ length: 30 }, (_, i) => 1.08 + i * 0.002), 1.3, 1.45, 1.6, 369];
const index = new ScoreIndex(scores.map((score, i) => ({ score, defect: i >= 30 })));
const bands = { review: 1.1451, reject: 1.1507 };

describe('a score axis robust to far-off scores', () => {
  it('ends near the bulk and the thresholds, and counts the far-off score instead of drawing it', () => {
    const axis = scoreAxis(index, bands);
    expect(axis.hi).toBeLessThan(2);
    expect(axis.hi).toBeGreaterThanOrEqual(1.6);
    expect(axis).toMatchObject({ above: 1, top: 369 });
    const hist = index.histogram(40, axis);
    // The 30 good scores spread over several bins instead of all sitting in the first one, as on the min–max axis.
    expect(index.histogram(40).good.filter((n) => n > 0)).toEqual([30]);
    expect(hist.good.filter((n) => n > 0).length).toBeGreaterThanOrEqual(4);
    expect(hist.counts.reduce((a, b) => a + b, 0)).toBe(scores.length - 1);
  });

  it('keeps the thresholds on the axis unless they are far off themselves, and is the plain min–max without outliers', () => {
    expect(scoreAxis(index, { review: 1.1, reject: 2.5 }).hi).toBeGreaterThanOrEqual(2.5);
    // Dragged onto the far-off score: the axis stays clipped (the handle sits on the edge).
    expect(scoreAxis(index, { review: 1.1, reject: 369 })).toMatchObject({ above: 1, top: 369 });
    expect(scoreAxis(index, { review: 1.1, reject: 369 }).hi).toBeLessThan(2);
    const plain = new ScoreIndex([0, 0.2, 0.4, 0.6].map((score) => ({ score, defect: null })));
    expect(scoreAxis(plain, { review: 0.3, reject: 0.5 })).toEqual({ lo: 0, hi: 0.6, above: 0, top: 0.6 });
  });

  it('the histogram marks the scores above the axis, and End moves the reject threshold onto the top score', async () => {
    const onchange = vi.fn();
    render(ScoreHistogram, { index, thresholds: bands, onchange });
    expect(screen.getByTestId('outliers').textContent).toMatch(/1 above\s*max 369/);
    await fireEvent.keyDown(screen.getByRole('slider', { name: /Reject threshold/ }), { key: 'End' });
    expect(onchange).toHaveBeenLastCalledWith({ review: 1.1451, reject: 369 });
    // Arrow steps are a hundredth of the robust axis, not of 369.
    await fireEvent.keyDown(screen.getByRole('slider', { name: /Review threshold/ }), { key: 'ArrowRight' });
    const step = onchange.mock.lastCall![0].review - 1.1451;
    expect(step).toBeGreaterThan(0);
    expect(step).toBeLessThan(0.02);
  });
});
