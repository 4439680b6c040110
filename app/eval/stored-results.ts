import sharp from 'sharp';
import type { Split } from '../core/domain.js';
import { readMapF16 } from '../model/maps.js';
import { readAnomalyMap } from '../model/map-files.js';

import { getMask } from '../store/masks.js';
import { getModel } from '../store/models.js';
import type { Project } from '../store/project.js';
import { listResults, type ResultRow } from '../store/results.js';
import type { F1Max, ThresholdStats } from './curves.js';
import { MetricInputError } from './errors.js';
import { averagePrecision, f1Max, imageAuroc, statsAtThreshold } from './image-metrics.js';
import { statsFromCounts } from './curves.js';
import { PixelMetricAccumulator } from './pixel-accumulator.js';

export interface StoredEvaluation {
  readonly modelId: number;
  readonly split: Split | 'all';
  readonly images: { readonly total: number; readonly good: number; readonly defect: number; readonly ignored: number };
  readonly imageAuroc: number;
  readonly averagePrecision: number;
  readonly f1Max: F1Max;
  /** Statistics at the model's stored reject threshold, when it has one. */
  readonly atRejectThreshold: ThresholdStats | null;
  /** Pixel metrics over images whose maps are stored (good images and defects with masks); null without maps. */
  readonly pixel: {
    readonly images: number;
    readonly auroc: number;
    readonly aupro: number;
    readonly fprLimit: number;
    readonly f1Max: F1Max;
    /** 'exact' from .f16 maps; 'display' from 8-bit PNG maps (values quantised to 256 levels, so ties). */
    readonly mapPrecision: 'exact' | 'display';
  } | null;
  readonly notes: string[];
}

/** Reads a stored anomaly map, exact (.f16) or display PNG. */
async function loadMap(file: string): Promise<{ data: ArrayLike<number>; width: number; height: number; exact: boolean }> {
  if (file.endsWith('.f16')) {
    const m = readMapF16(file);
    return { data: m.map, width: m.width, height: m.height, exact: true };
  }
  const m = await readAnomalyMap(file);
  return { data: m.data, width: m.width, height: m.height, exact: false };
}

/** A defect mask resampled (nearest) to the map's size, 1 = defect. */
async function loadMaskAt(file: string, width: number, height: number): Promise<Uint8Array> {
  const px = await sharp(file).extractChannel(0).resize(width, height, { fit: 'fill', kernel: 'nearest' }).raw().toBuffer();
  return Uint8Array.from(px, (v) => (v > 127 ? 1 : 0));
}

/**
 * Metrics of a model from the results stored in the project (no inference is run): image AUROC, AP, F1-max with
 * its threshold, statistics at the stored reject threshold, and streaming pixel AUROC / AUPRO from stored maps.
 * Images labelled `ignore` are left out.
 */
export async function evaluateStoredResults(
  project: Project,
  modelId: number,
  options: { split?: Split | 'all'; datasetId?: number; fprLimit?: number; signal?: AbortSignal } = {},
): Promise<StoredEvaluation> {
  const model = getModel(project.db, modelId);
  if (!model) throw new MetricInputError(`model ${modelId} does not exist`);
  const split = options.split ?? 'test';
  const fprLimit = options.fprLimit ?? 0.3;
  const rows: ResultRow[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = listResults(project.db, { modelId, datasetId: options.datasetId, split: split === 'all' ? undefined : split, sort: 'image', offset, limit: 1000 });
    rows.push(...page.items);
    if (rows.length >= page.total || page.items.length === 0) break;
  }
  const labelled = rows.filter((r) => r.label === 'good' || r.label === 'defect');
  if (labelled.length === 0) throw new MetricInputError(`model ${modelId} has no stored results on the ${split} split; run inference first`);
  // Results without a finite score (verdict 'error') cannot be ranked; they count as flagged, never as passed.
  const used = labelled.filter((r): r is ResultRow & { score: number } => r.score !== null);
  const unscored = { defect: labelled.filter((r) => r.score === null && r.label === 'defect').length, good: labelled.filter((r) => r.score === null && r.label === 'good').length };
  if (used.length === 0) throw new MetricInputError(`model ${modelId}: none of its ${labelled.length} results on the ${split} split has a finite score`);
  const scores = used.map((r) => r.score);
  const labels = used.map((r) => (r.label === 'defect' ? 1 : 0));
  const reject = model.thresholds?.reject ?? null;
  const notes: string[] = [];
  if (unscored.defect + unscored.good > 0) {
    notes.push(`${unscored.defect + unscored.good} results have no finite score (verdict error): left out of AUROC, AP and F1, counted as flagged at the reject threshold`);
  }

  const pixels = new PixelMetricAccumulator();
  let exact = true;
  let skippedNoMask = 0;
  for (const r of used) {
    if (!r.mapPath) continue;
    options.signal?.throwIfAborted();
    const map = await loadMap(project.path(r.mapPath));
    exact &&= map.exact;
    let mask: Uint8Array | null = null;
    if (r.label === 'defect') {
      const m = getMask(project.db, r.imageId, 'defect');
      if (!m?.path) {
        skippedNoMask++;
        continue;
      }
      mask = await loadMaskAt(project.path(m.path), map.width, map.height);
    }
    pixels.add({ map: map.data, width: map.width, height: map.height, mask });
  }
  if (skippedNoMask > 0) notes.push(`${skippedNoMask} defect images without a PNG mask are left out of the pixel metrics`);
  let pixel: StoredEvaluation['pixel'] = null;
  if (pixels.imageCount > 0 && pixels.regionCount > 0) {
    pixel = { images: pixels.imageCount, auroc: pixels.pixelAuroc(), aupro: pixels.aupro(fprLimit), fprLimit, f1Max: pixels.f1Max(), mapPrecision: exact ? 'exact' : 'display' };
    if (!exact) notes.push('pixel metrics come from 8-bit display maps; store .f16 maps for exact values');
  } else notes.push('no stored maps with defect masks: pixel metrics skipped');

  return {
    modelId,
    split,
    images: { total: rows.length, good: labelled.filter((r) => r.label === 'good').length, defect: labelled.filter((r) => r.label === 'defect').length, ignored: rows.length - labelled.length },
    imageAuroc: imageAuroc(scores, labels),
    averagePrecision: averagePrecision(scores, labels),
    f1Max: f1Max(scores, labels),
    atRejectThreshold: reject === null ? null : flaggingUnscored(statsAtThreshold(scores, labels, reject), unscored),
    pixel,
    notes,
  };
}

/** Stats with the unscored results added as flagged (an error verdict never passes). */
function flaggingUnscored(s: ThresholdStats, unscored: { defect: number; good: number }): ThresholdStats {
  return statsFromCounts(s.threshold, { tp: s.tp + unscored.defect, fp: s.fp + unscored.good, tn: s.tn, fn: s.fn });
}
