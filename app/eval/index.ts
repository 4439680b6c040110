/** Anomaly-detection metrics: image-level (AUROC, F1-max, AP, threshold stats, curves) and streaming pixel-level. */
export { MetricInputError } from './errors.js';
export type { F1Max, PrPoint, ProPoint, RocPoint, ThresholdStats } from './curves.js';
export { statsFromCounts } from './curves.js';
export { averagePrecision, f1Max, imageAuroc, prCurve, rocCurve, statsAtThreshold } from './image-metrics.js';
export { aupro, pixelAuroc, PixelMetricAccumulator, type Binning, type PixelSample } from './pixel-accumulator.js';
export { labelRegions } from './regions.js';
