/**
 * Decision thresholds from validation scores: the two thresholds of the bands (the rule itself, and the verdict
 * 'error' for what cannot be judged, lives in app/core/bands.ts).
 * - With labelled real defects in validation: reject = the F1-max threshold (clean vs real defects).
 * - Without: reject = the `quantile` (default 99.5 %) of clean validation scores — "adaptive F1" on a set with no
 *   anomalies would flag everything.
 * review = the `reviewQuantile` (default 95 %) of clean validation scores, never above reject.
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
  const review = Math.min(quantile(clean, reviewQ), reject);
  return { review, reject, method, detail, validation: { clean: clean.length, defects: realDefects.length } };
}

export function scoreNorm(clean: ArrayLike<number>, t: Thresholds): ScoreNorm {
  const offset = quantile(clean, 0.5);
  const scale = t.reject - offset > 1e-12 ? t.reject - offset : 1;
  return { method: 'clean-median-to-reject', offset, scale };
}
