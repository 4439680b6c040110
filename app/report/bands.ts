import { f1Max } from '../eval/index.js';
import type { ReportBands } from '../store/reports.js';
import { ReportError } from './errors.js';

export type Verdict = 'accept' | 'review' | 'reject';

/** The accept / review / reject bands a report uses, and a sentence saying where they came from. */
export interface ResolvedBands {
  readonly bands: ReportBands;
  readonly source: 'report' | 'model' | 'computed';
  readonly method: string;
}

/** Scores below `accept` pass; at or above `reject` fail; in between a human decides. */
export function verdictAt(score: number, bands: ReportBands): Verdict {
  if (score >= bands.reject) return 'reject';
  if (score >= bands.accept) return 'review';
  return 'accept';
}

export function validateBands(bands: ReportBands, what: string): ReportBands {
  if (!Number.isFinite(bands.accept) || !Number.isFinite(bands.reject)) {
    throw new ReportError('invalid_request', `${what}: both band thresholds must be finite numbers (got ${bands.accept}, ${bands.reject})`);
  }
  if (bands.accept > bands.reject) {
    throw new ReportError('invalid_request', `${what}: the accept threshold (${bands.accept}) must not exceed the reject threshold (${bands.reject})`);
  }
  return bands;
}

/** Parses `--bands a,b` (accept below a, reject at or above b). */
export function parseBandsFlag(value: string): ReportBands {
  const parts = value.split(',').map((s) => s.trim());
  const nums = parts.map(Number);
  if (parts.length !== 2 || parts.some((p) => p === '') || nums.some((n) => !Number.isFinite(n))) {
    throw new ReportError('invalid_request', `--bands must be two numbers "accept,reject" such as 0.4,0.7 (got "${value}")`);
  }
  return validateBands({ accept: nums[0]!, reject: nums[1]! }, '--bands');
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * Reads the model's stored thresholds (models.thresholds_json, also written to the ONNX metadata). Accepts the
 * shapes the training side may write: {accept, reject}, {low, high}, {review, reject}, or a single {threshold}.
 */
export function bandsFromModel(thresholds: Record<string, unknown>): ResolvedBands | undefined {
  const bandsObj = (thresholds.bands ?? thresholds) as Record<string, unknown>;
  const accept = num(bandsObj.accept) ?? num(bandsObj.low) ?? num(bandsObj.review);
  const reject = num(bandsObj.reject) ?? num(bandsObj.high);
  const single = num(thresholds.threshold) ?? num(thresholds.image);
  const how = [thresholds.method, thresholds.source, thresholds.how].find((v) => typeof v === 'string') as string | undefined;
  const detail = [thresholds.detail, thresholds.description].find((v) => typeof v === 'string' && v) as string | undefined;
  const method = ['stored with the model', how && `: ${how}`, detail && ` (${detail})`].filter(Boolean).join('');
  if (accept !== undefined && reject !== undefined && accept <= reject) return { bands: { accept, reject }, source: 'model', method };
  if (single !== undefined) return { bands: { accept: single, reject: single }, source: 'model', method: `${method} (one threshold, no review band)` };
  return undefined;
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
 * accept below the lowest defect score (so every labelled defect is at least reviewed). Without: the 99.5% quantile
 * of the good images' scores for both (an F1 threshold on defect-free data would flag everything).
 */
export function computeBands(scores: readonly number[], labels: readonly boolean[]): ResolvedBands {
  const defects = scores.filter((_, i) => labels[i]);
  const goods = scores.filter((_, i) => !labels[i]).sort((a, b) => a - b);
  if (defects.length > 0 && goods.length > 0) {
    const best = f1Max(scores, labels);
    const accept = Math.min(best.threshold, Math.min(...defects));
    return {
      bands: { accept, reject: best.threshold },
      source: 'computed',
      method: `computed for this report: reject at the F1-max threshold (F1 ${best.f1.toFixed(3)}), review from the lowest-scoring labelled defect`,
    };
  }
  const pool = goods.length > 0 ? goods : [...scores].sort((a, b) => a - b);
  if (pool.length === 0) throw new ReportError('invalid_request', 'no scores to choose bands from: run inference first or pass --bands');
  const t = quantile(pool, 0.995);
  return {
    bands: { accept: t, reject: t },
    source: 'computed',
    method: `computed for this report: 99.5% quantile of ${goods.length > 0 ? 'good images’' : 'all'} scores (no labelled defects to fit F1 on)`,
  };
}
