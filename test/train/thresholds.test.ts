import { describe, expect, it } from 'vitest';
import { verdictOf } from '../../app/core/bands.js';
import { chooseThresholds, quantile, robustSpread } from '../../app/train/thresholds.js';
import { mulberry32 } from '../../app/core/mulberry32.js';

/** The review band chosen at training means something: it does not collapse on a small validation set. */
describe('the default review threshold', () => {
  it('on two dozen clean scores (the demo) leaves a real band instead of two quantiles side by side', () => {
    const rand = mulberry32(3);
    // 22 clean validation scores near 1.12 with a spread of about 0.01, as the demo's were.
    const clean = Array.from({ length: 22 }, () => 1.12 + 0.01 * (rand() + rand() + rand() - 1.5) * 2);
    const t = chooseThresholds(clean, [], 0.995, 0.95);
    const quantileBand = t.reject - quantile(clean, 0.95);
    const spread = robustSpread(clean);
    expect(t.reject - t.review).toBeCloseTo(Math.max(quantileBand, spread), 12);
    expect(t.reject - t.review).toBeGreaterThan(quantileBand);
    expect(t.detail).toContain('one robust spread');
    // A good part scoring unusually high is reviewed, not accepted.
    expect(verdictOf(t.reject - spread / 2, t)).toBe('review');
    expect(verdictOf(quantile(clean, 0.5), t)).toBe('accept');
  });

  it('keeps the 95 % quantile where the clean scores are spread wide enough, and stays at or below reject', () => {
    const clean = Array.from({ length: 1001 }, (_, i) => (i / 1000) ** 4); // long right tail: the quantile is lower
    const t = chooseThresholds(clean, [], 0.995, 0.95);
    expect(t.review).toBeCloseTo(quantile(clean, 0.95), 12);
    expect(t.detail).toContain('95 % quantile');
    const tight = chooseThresholds([1, 1, 1, 1], [], 0.995, 0.95);
    expect(tight.review).toBe(1);
    expect(tight.reject).toBe(1);
    const f1 = chooseThresholds([0.1, 0.2, 0.3], [0.25, 5], 0.995, 0.95);
    expect(f1.review).toBeLessThanOrEqual(f1.reject);
  });
});
