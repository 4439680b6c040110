import { MetricInputError } from './errors.js';
import { requireBothClasses, tableTotals, type ScoreTable } from './score-table.js';

/**
 * Curves and threshold statistics over a {@link ScoreTable}. Convention everywhere: a sample is predicted defective
 * when its score is >= the threshold. Curves are walked from the highest distinct score down, so tied samples
 * cross a threshold together (a tie contributes a diagonal ROC segment, i.e. half credit, as in Mann-Whitney).
 */

export interface RocPoint {
  readonly threshold: number;
  readonly fpr: number;
  readonly tpr: number;
}

export interface PrPoint {
  readonly threshold: number;
  readonly recall: number;
  readonly precision: number;
}

export interface ThresholdStats {
  readonly threshold: number;
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
  readonly precision: number;
  readonly recall: number;
  readonly fpr: number;
  readonly f1: number;
  readonly accuracy: number;
}

export interface F1Max {
  readonly f1: number;
  readonly threshold: number;
  readonly precision: number;
  readonly recall: number;
}

/** Keeps at most `maxPoints` evenly spaced points (always the first and last); for display, never for metrics. */
export function thinPoints<T>(points: readonly T[], maxPoints?: number): T[] {
  if (maxPoints === undefined || points.length <= maxPoints) return points.slice();
  if (maxPoints < 2) throw new MetricInputError(`maxPoints must be at least 2 (got ${maxPoints})`);
  const out: T[] = [];
  const step = (points.length - 1) / (maxPoints - 1);
  for (let i = 0; i < maxPoints; i++) out.push(points[Math.round(i * step)]);
  return out;
}

/** ROC points from (0, 0) at threshold +Infinity to (1, 1) at the lowest score. */
export function rocFromTable(metric: string, t: ScoreTable, what: string): RocPoint[] {
  const { pos, neg } = requireBothClasses(metric, t, what);
  const points: RocPoint[] = [{ threshold: Infinity, fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  for (let k = t.values.length - 1; k >= 0; k--) {
    tp += t.pos[k];
    fp += t.neg[k];
    points.push({ threshold: t.values[k], fpr: fp / neg, tpr: tp / pos });
  }
  return points;
}

/** Area under the ROC curve (trapezoids between distinct thresholds; exact Mann-Whitney statistic with ties). */
export function aurocFromTable(metric: string, t: ScoreTable, what: string): number {
  const { pos, neg } = requireBothClasses(metric, t, what);
  // Sum over distinct values of neg_k * (pos strictly above + pos_k / 2): pairs ranked right plus half the ties.
  let posAbove = 0;
  let area = 0;
  for (let k = t.values.length - 1; k >= 0; k--) {
    area += t.neg[k] * (posAbove + t.pos[k] / 2);
    posAbove += t.pos[k];
  }
  return area / (pos * neg);
}

/** Precision-recall points, one per distinct threshold from the highest score down. */
export function prFromTable(metric: string, t: ScoreTable, what: string): PrPoint[] {
  const { pos } = requireBothClasses(metric, t, what);
  const points: PrPoint[] = [];
  let tp = 0;
  let fp = 0;
  for (let k = t.values.length - 1; k >= 0; k--) {
    tp += t.pos[k];
    fp += t.neg[k];
    points.push({ threshold: t.values[k], recall: tp / pos, precision: tp / (tp + fp) });
  }
  return points;
}

/** Average precision: sum over thresholds of (recall gain) x precision (the step-wise, non-interpolated AP). */
export function averagePrecisionFromTable(metric: string, t: ScoreTable, what: string): number {
  let prevRecall = 0;
  let ap = 0;
  for (const p of prFromTable(metric, t, what)) {
    ap += (p.recall - prevRecall) * p.precision;
    prevRecall = p.recall;
  }
  return ap;
}

/** The threshold with the highest F1; among equal F1 the highest threshold (fewest alarms) wins. */
export function f1MaxFromTable(metric: string, t: ScoreTable, what: string): F1Max {
  const { pos } = requireBothClasses(metric, t, what);
  let best: F1Max = { f1: -1, threshold: Infinity, precision: 0, recall: 0 };
  let tp = 0;
  let fp = 0;
  for (let k = t.values.length - 1; k >= 0; k--) {
    tp += t.pos[k];
    fp += t.neg[k];
    const f1 = (2 * tp) / (tp + fp + pos);
    if (f1 > best.f1) best = { f1, threshold: t.values[k], precision: tp / (tp + fp), recall: tp / pos };
  }
  return best;
}

/** Confusion counts and rates at one threshold. Undefined rates (0 / 0) are reported as 0. */
export function statsFromTable(metric: string, t: ScoreTable, threshold: number): ThresholdStats {
  if (Number.isNaN(threshold)) throw new MetricInputError(`${metric}: threshold is NaN`);
  const totals = tableTotals(t);
  if (totals.pos + totals.neg === 0) throw new MetricInputError(`${metric}: no samples`);
  let tp = 0;
  let fp = 0;
  for (let k = t.values.length - 1; k >= 0 && t.values[k] >= threshold; k--) {
    tp += t.pos[k];
    fp += t.neg[k];
  }
  return statsFromCounts(threshold, { tp, fp, tn: totals.neg - fp, fn: totals.pos - tp });
}

/**
 * Statistics from the four counts (flagged = predicted defective). Also for counts that are not one threshold over
 * scores: parts that could not be scored (verdict 'error') are flagged, never passed.
 */
export function statsFromCounts(threshold: number, c: { tp: number; fp: number; tn: number; fn: number }): ThresholdStats {
  const { tp, fp, tn, fn } = c;
  const div = (a: number, b: number) => (b === 0 ? 0 : a / b);
  return {
    threshold,
    tp,
    fp,
    tn,
    fn,
    precision: div(tp, tp + fp),
    recall: div(tp, tp + fn),
    fpr: div(fp, fp + tn),
    f1: div(2 * tp, 2 * tp + fp + fn),
    accuracy: div(tp + tn, tp + fp + tn + fn),
  };
}

/**
 * Area under y(x) from x[0] to xMax by trapezoids, interpolating y linearly at xMax when it falls between two
 * points (as the MVTec AD evaluation code does). `x` must be non-decreasing.
 */
export function trapezoidUpTo(x: ArrayLike<number>, y: ArrayLike<number>, xMax: number): number {
  let area = 0;
  for (let i = 1; i < x.length; i++) {
    const x0 = x[i - 1];
    const x1 = x[i];
    if (x0 >= xMax) break;
    if (x1 <= xMax) {
      area += ((x1 - x0) * (y[i - 1] + y[i])) / 2;
    } else {
      const yAt = y[i - 1] + ((y[i] - y[i - 1]) * (xMax - x0)) / (x1 - x0);
      area += ((xMax - x0) * (y[i - 1] + yAt)) / 2;
      break;
    }
  }
  return area;
}

export interface ProPoint {
  readonly threshold: number;
  readonly fpr: number;
  readonly pro: number;
}

/**
 * The per-region-overlap curve: at each threshold, FPR over all good pixels and the mean, over all defect regions,
 * of the fraction of the region's pixels at or above the threshold. Starts at (0, 0).
 */
export function proFromTable(metric: string, t: ScoreTable, regionCount: number): ProPoint[] {
  const { neg } = tableTotals(t);
  if (regionCount === 0) throw new MetricInputError(`${metric} needs at least one defect region in the masks (got none)`);
  if (neg === 0) throw new MetricInputError(`${metric} needs good (mask = 0) pixels to measure the false-positive rate`);
  const points: ProPoint[] = [{ threshold: Infinity, fpr: 0, pro: 0 }];
  let fp = 0;
  let overlap = 0;
  for (let k = t.values.length - 1; k >= 0; k--) {
    fp += t.neg[k];
    overlap += t.regionWeight[k];
    points.push({ threshold: t.values[k], fpr: fp / neg, pro: overlap / regionCount });
  }
  return points;
}

/** Normalised area under the PRO curve up to `fprLimit` (MVTec AD protocol; 0.3 by default), in [0, 1]. */
export function auproFromTable(metric: string, t: ScoreTable, regionCount: number, fprLimit = 0.3): number {
  if (!(fprLimit > 0 && fprLimit <= 1)) throw new MetricInputError(`${metric}: fprLimit must be in (0, 1] (got ${fprLimit})`);
  const curve = proFromTable(metric, t, regionCount);
  const x = curve.map((p) => p.fpr);
  const y = curve.map((p) => p.pro);
  return trapezoidUpTo(x, y, fprLimit) / fprLimit;
}
