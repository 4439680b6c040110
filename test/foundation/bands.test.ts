import { describe, expect, it } from 'vitest';
import { BandsSchema, bandsFromStored, emptyVerdictCounts, isPassed, VERDICTS, verdictOf } from '../../app/core/bands.js';

const b = { review: 0.5, reject: 0.8 };

describe('verdictOf: two thresholds make three bands, and what cannot be judged is an error', () => {
  it('puts a score in accept / review / reject with both edges belonging to the higher band', () => {
    expect(verdictOf(-1e9, b)).toBe('accept');
    expect(verdictOf(0.4999999, b)).toBe('accept');
    expect(verdictOf(0.5, b)).toBe('review');
    expect(verdictOf(0.7999999, b)).toBe('review');
    expect(verdictOf(0.8, b)).toBe('reject');
    expect(verdictOf(1e9, b)).toBe('reject');
    // Equal thresholds: no review band.
    expect(verdictOf(0.6, { review: 0.6, reject: 0.6 })).toBe('reject');
    expect(verdictOf(0.59, { review: 0.6, reject: 0.6 })).toBe('accept');
  });

  it('never accepts a score that is not a finite number', () => {
    for (const s of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, null, undefined]) expect(verdictOf(s, b)).toBe('error');
    expect(verdictOf('0.1' as unknown as number, b)).toBe('error');
  });

  it('never accepts with bands that cannot judge: missing, non-finite, or review above reject', () => {
    expect(verdictOf(0.1, null)).toBe('error');
    expect(verdictOf(0.1, { review: Number.NaN, reject: 0.8 })).toBe('error');
    expect(verdictOf(0.1, { review: 0.5, reject: Number.POSITIVE_INFINITY })).toBe('error');
    expect(verdictOf(0.1, { review: Number.NEGATIVE_INFINITY, reject: 0.8 })).toBe('error');
    expect(verdictOf(0.1, { review: 0.9, reject: 0.8 })).toBe('error');
    expect(verdictOf(0.1, {} as never)).toBe('error');
  });

  it('passes only accept, and counts every verdict', () => {
    expect(VERDICTS.filter(isPassed)).toEqual(['accept']);
    expect(isPassed(null)).toBe(false);
    expect(emptyVerdictCounts()).toEqual({ accept: 0, review: 0, reject: 0, error: 0 });
  });
});

describe('the Bands schema and older stored shapes', () => {
  it('takes two finite numbers with review ≤ reject, and nothing else', () => {
    expect(BandsSchema.parse(b)).toEqual(b);
    const bad = [{ review: 0.9, reject: 0.8 }, { review: Number.NaN, reject: 1 }, { review: 0, reject: Number.POSITIVE_INFINITY }, { accept: 0.5, reject: 0.8 }, { review: 0.5 }];
    for (const v of bad) expect(BandsSchema.safeParse(v).success, JSON.stringify(v)).toBe(false);
    expect(BandsSchema.safeParse({ review: 0.9, reject: 0.8 }).error!.issues[0]!.message).toMatch(/review threshold \(0.9\) must not exceed the reject threshold \(0.8\)/);
  });

  it('reads every vocabulary Flowspect has stored, and gives nothing for unusable ones', () => {
    expect(bandsFromStored({ review: 1, reject: 2, method: 'x' })).toEqual({ review: 1, reject: 2 });
    expect(bandsFromStored({ accept: 1, reject: 2 })).toEqual({ review: 1, reject: 2 });
    expect(bandsFromStored({ low: 1, high: 2 })).toEqual({ review: 1, reject: 2 });
    expect(bandsFromStored({ bands: { low: 1, high: 2 } })).toEqual({ review: 1, reject: 2 });
    expect(bandsFromStored({ threshold: 3 })).toEqual({ review: 3, reject: 3 });
    for (const v of [{}, null, 'x', { review: 2, reject: 1 }, { review: null, reject: 1 }, { low: 1 }]) expect(bandsFromStored(v)).toBeUndefined();
  });
});
