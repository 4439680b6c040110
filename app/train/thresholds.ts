/**
 * Decision thresholds from validation scores: the two thresholds of the bands (the rule itself, and the verdict
 * 'error' for what cannot be judged, lives in app/core/bands.ts).
 * - With labelled real defects in validation: reject = the F1-max threshold (clean vs real defects).
 * - Without: reject = the `quantile` (default 99.5 %) of clean validation scores — "adaptive F1" on a set with no
 *   anomalies would flag everything.
 * review = the lower of the `reviewQuantile` (default 95 %) of clean validation scores and reject minus one robust
 *   standard deviation of them (1.4826 × their median absolute deviation), never above reject. A validation set of a
 *   few dozen clean parts puts the 95 % and 99.5 % quantiles next to each other (the demo's band was 1.1451–1.1507,
 *   so nothing was ever reviewed); one spread of a good part's score below reject is a band that catches parts
 *   scoring unusually high for a good one, and for normally distributed scores it is about the 95 % quantile anyway.
 * Score normalisation (for display): (score − p50) / (reject − p50), so 0 ≈ a typical good part and 1 = reject.
 */
import type { ModelThresholds } from '../core/model-record.js';
import { f1Max } from '../eval/index.js';

/** What training stores as the model's thresholds (the stored shape, with the trainer's own methods). */
export interface Thresholds extends ModelThresholds {
  readonly method: 'f1-max' | 'clean-quantile';
  readonly validation: { readonly clean: number; readonly defects: number };
}

export interface ScoreNorm {
  readonly method: 'clean-median-to-reject';
  readonly offset: number;
  readonly scale: number;
}

export function quantile(values: ArrayLike<number>, q: number): number {
  const s = Float64Array.from(values).sort();
  if (s.length === 0) throw new Error('quantile of an empty set');
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export function chooseThresholds(clean: ArrayLike<number>, realDefects: ArrayLike<number>, q: number, reviewQ: number): Thresholds {
  if (clean.length === 0) throw new Error('thresholds: no clean validation images');
  let reject: number;
  let method: Thresholds['method'];
  let detail: string;
  if (realDefects.length > 0) {
    const scores = [...Array.from(clean), ...Array.from(realDefects)];
    const labels = [...Array.from(clean, () => 0), ...Array.from(realDefects, () => 1)];
    const best = f1Max(scores, labels);
    reject = best.threshold;
    method = 'f1-max';
    detail = `F1-max ${best.f1.toFixed(4)} on ${clean.length} clean and ${realDefects.length} labelled defective validation images`;
  } else {
    reject = quantile(clean, q);
    method = 'clean-quantile';
    detail = `${(q * 100).toFixed(2)} % quantile of ${clean.length} clean validation scores (no labelled defects)`;
  }
  const spread = robustSpread(clean);
  const fromQuantile = quantile(clean, reviewQ);
  const review = Math.min(fromQuantile, reject - spread, reject);
  const reviewDetail =
    review < fromQuantile
      ? `review one robust spread (${spread.toPrecision(3)}) of clean validation scores below reject (their ${(reviewQ * 100).toFixed(0)} % quantile ${fromQuantile.toPrecision(5)} was closer)`
      : `review at the ${(reviewQ * 100).toFixed(0)} % quantile of clean validation scores`;
  return { review, reject, method, detail: `${detail}; ${reviewDetail}`, validation: { clean: clean.length, defects: realDefects.length } };
}

/** 1.4826 × the median absolute deviation: the standard deviation of normal data, untouched by a few outliers. */
export function robustSpread(values: ArrayLike<number>): number {
  const median = quantile(values, 0.5);
  return 1.4826 * quantile(Array.from(values, (v) => Math.abs(v - median)), 0.5);
}

export function scoreNorm(clean: ArrayLike<number>, t: Thresholds): ScoreNorm {
  const offset = quantile(clean, 0.5);
  const scale = t.reject - offset > 1e-12 ? t.reject - offset : 1;
  return { method: 'clean-median-to-reject', offset, scale };
}
