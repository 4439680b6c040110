import {
  aurocFromTable,
  averagePrecisionFromTable,
  f1MaxFromTable,
  prFromTable,
  rocFromTable,
  statsFromTable,
  thinPoints,
  type F1Max,
  type PrPoint,
  type RocPoint,
  type ThresholdStats,
} from './curves.js';
import { tableFromLabelled } from './score-table.js';

/**
 * Image-level metrics. `scores[i]` is image i's anomaly score (higher = more anomalous); `labels[i]` is 1 / true for
 * a defective image and 0 / false for a good one. All of them throw a MetricInputError when only one class is
 * present, when lengths differ, or when a score is not finite.
 */

type Labels = ArrayLike<boolean | number>;

export function imageAuroc(scores: ArrayLike<number>, labels: Labels): number {
  return aurocFromTable('image AUROC', tableFromLabelled('image AUROC', scores, labels), 'images');
}

export function f1Max(scores: ArrayLike<number>, labels: Labels): F1Max {
  return f1MaxFromTable('F1-max', tableFromLabelled('F1-max', scores, labels), 'images');
}

export function averagePrecision(scores: ArrayLike<number>, labels: Labels): number {
  return averagePrecisionFromTable('average precision', tableFromLabelled('average precision', scores, labels), 'images');
}

/** Precision, recall, FPR, F1 and confusion counts when images scoring >= threshold are flagged. */
export function statsAtThreshold(scores: ArrayLike<number>, labels: Labels, threshold: number): ThresholdStats {
  return statsFromTable('threshold statistics', tableFromLabelled('threshold statistics', scores, labels), threshold);
}

export function rocCurve(scores: ArrayLike<number>, labels: Labels, maxPoints?: number): RocPoint[] {
  return thinPoints(rocFromTable('ROC curve', tableFromLabelled('ROC curve', scores, labels), 'images'), maxPoints);
}

export function prCurve(scores: ArrayLike<number>, labels: Labels, maxPoints?: number): PrPoint[] {
  return thinPoints(prFromTable('PR curve', tableFromLabelled('PR curve', scores, labels), 'images'), maxPoints);
}
