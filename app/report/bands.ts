/**
 * The bands a report judges by (the report's own, the model's, or computed from the results), and a sentence saying
 * where they came from. Verdicts themselves come from the one rule in core/bands.ts.
 */
import { type Bands, bandsProblem } from '../core/bands.js';
import type { ModelThresholds } from '../core/model-record.js';
import { f1Max } from '../eval/index.js';
import { ReportError } from './errors.js';

export interface ResolvedBands {
  readonly bands: Bands;
  readonly source: 'report' | 'model' | 'computed';
  readonly method: string;
}

export function validateBands(bands: Bands, what: string): Bands {
  const problem = bandsProblem(bands);
  if (problem) throw new ReportError('invalid_request', `${what}: ${problem}`);
  return { review: bands.review, reject: bands.reject };
}

/** Parses `--bands a,b` (review from a, reject from b). */
export function parseBandsFlag(value: string): Bands {
  const parts = value.split(',').map((s) => s.trim());
  const nums = parts.map(Number);
  if (parts.length !== 2 || parts.some((p) => p === '') || nums.some((n) => !Number.isFinite(n))) {
    throw new ReportError('invalid_request', `--bands must be two numbers "review,reject" such as 0.4,0.7 (got "${value}")`);
  }
  return validateBands({ review: nums[0]!, reject: nums[1]! }, '--bands');
}

/** The model's stored thresholds (read in today's shape by the store, older shapes converted there). */
export function bandsFromModel(thresholds: ModelThresholds | null): ResolvedBands | undefined {
  if (!thresholds || bandsProblem(thresholds)) return undefined;
  const how = thresholds.method && thresholds.method !== 'unknown' ? `: ${thresholds.method}` : '';
  const detail = thresholds.detail ? ` (${thresholds.detail})` : '';
  return { bands: { review: thresholds.review, reject: thresholds.reject }, source: 'model', method: `stored with the model${how}${detail}` };
}

/**
 * Bands the person generating the report passed. When they are the model's own (the Reports form starts from them),
 * the report says they came from the model — "set for this report" is only true of bands that differ from it.
 */
export function bandsForReport(requested: Bands, thresholds: ModelThresholds | null): ResolvedBands {
  const bands = validateBands(requested, 'bands');
  const model = bandsFromModel(thresholds);
  if (model && model.bands.review === bands.review && model.bands.reject === bands.reject) return model;
  return { bands, source: 'report', method: 'set for this report by the person who generated it' };
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * Bands when neither the report nor the model sets them. With labelled defects: reject at the F1-max threshold,
 * review from the lowest defect score (so every labelled defect is at least reviewed). Without: the 99.5% quantile
 * of the good images' scores for both (an F1 threshold on defect-free data would flag everything).
 */
export function computeBands(allScores: readonly (number | null)[], allLabels: readonly boolean[]): ResolvedBands {
  // Results without a finite score (verdict 'error') cannot place a threshold.
  const keep = allScores.map((s) => typeof s === 'number' && Number.isFinite(s));
  const scores = allScores.filter((_, i) => keep[i]) as number[];
  const labels = allLabels.filter((_, i) => keep[i]);
  const defects = scores.filter((_, i) => labels[i]);
  const goods = scores.filter((_, i) => !labels[i]).sort((a, b) => a - b);
  if (defects.length > 0 && goods.length > 0) {
    const best = f1Max(scores, labels);
    const review = Math.min(best.threshold, Math.min(...defects));
    return {
      bands: { review, reject: best.threshold },
      source: 'computed',
      method: `computed for this report: reject at the F1-max threshold (F1 ${best.f1.toFixed(3)}), review from the lowest-scoring labelled defect`,
    };
  }
  const pool = goods.length > 0 ? goods : [...scores].sort((a, b) => a - b);
  if (pool.length === 0) throw new ReportError('invalid_request', 'no finite scores to choose bands from: run inference first or pass --bands');
  const t = quantile(pool, 0.995);
  return {
    bands: { review: t, reject: t },
    source: 'computed',
    method: `computed for this report: 99.5% quantile of ${goods.length > 0 ? 'good images’' : 'all'} scores (no labelled defects to fit F1 on)`,
  };
}
