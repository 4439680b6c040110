/**
 * In-app inference over a project's images with a trained model's ONNX file: results rows (score, verdict, map
 * file, execution provider) written per batch in one transaction, optional evaluation against labels and masks.
 * A score that is not a finite number (or a model without usable thresholds) gives the verdict 'error', never
 * 'accept'; such images are stored, counted and left out of the ranking metrics.
 */
import path from 'node:path';
import sharp from 'sharp';
import { emptyVerdictCounts, type Verdict, verdictOf } from '../core/bands.js';
import { AppError } from '../core/errors.js';
import type { Split } from '../core/domain.js';
import { imageAuroc, PixelMetricAccumulator } from '../eval/index.js';
import { getModel, type ModelImage, selectModelImages } from '../store/models.js';
import type { Project } from '../store/project.js';
import { upsertResults } from '../store/results.js';
import type { SessionConfig } from '../runtime/index.js';
import { imageFile } from '../train/data.js';
import { writeMapF16, writeMapPng } from '../model/maps.js';
import { openProjectModel } from './project-model.js';

export interface InferOptions {
  readonly modelId: number;
  readonly datasetId?: number;
  /** Category of the images (dataset's or image's); default: the model's dataset. */
  readonly category?: string;
  readonly split?: Split;
  readonly batchSize?: number;
  /** Map files under maps/model-<id>/: 'png' (display, default), 'f16' (exact float16) or 'none'. */
  readonly maps?: 'png' | 'f16' | 'none';
  /** Also compute image AUROC, pixel AUROC and AUPRO from labels and defect masks. */
  readonly evaluate?: boolean;
  readonly session?: SessionConfig;
  readonly signal?: AbortSignal;
  readonly progress?: (fraction: number, message: string, data?: { done: number; total: number; executionProvider: string; imagesPerSecond: number }) => void;
}

export interface InferSummary {
  readonly modelId: number;
  readonly images: number;
  readonly seconds: number;
  readonly imagesPerSecond: number;
  readonly executionProvider: string;
  readonly providerReason: string;
  /** 'error': images the model gave no finite score (or that no usable thresholds could judge); never passed. */
  readonly verdicts: Record<Verdict, number>;
  /** Ids of the images judged 'error' (first 100), so they can be found. */
  readonly unjudgedImageIds: number[];
  readonly metrics?: {
    imageAuroc: number | null;
    pixelAuroc: number | null;
    aupro: number | null;
    good: number;
    defect: number;
    /** Image AUROC of each defect type against all good images (which kinds of defect the model misses). */
    byDefectType: Record<string, { imageAuroc: number | null; images: number }>;
  };
}

async function loadMask(file: string, width: number, height: number): Promise<Uint8Array> {
  const { data } = await sharp(file).greyscale().resize(width, height, { fit: 'fill', kernel: 'nearest' }).raw().toBuffer({ resolveWithObject: true });
  return Uint8Array.from(data, (v) => (v >= 128 ? 1 : 0));
}

export async function runInference(project: Project, o: InferOptions): Promise<InferSummary> {
  const model = getModel(project.db, o.modelId);
  if (!model) throw new AppError('not_found', `model ${o.modelId} does not exist`);
  if (model.status !== 'ready' || !model.onnxPath) throw new AppError('conflict', `model ${model.id} is ${model.status}; only a ready model can run inference`);
  const batchSize = o.batchSize ?? 8;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 256) throw new AppError('invalid_request', `batchSize must be an integer from 1 to 256, got ${batchSize}`);
  const datasetId = o.datasetId ?? (o.category === undefined ? (model.datasetId ?? undefined) : undefined);
  const images: ModelImage[] = selectModelImages(project.db, { datasetId, category: o.category, split: o.split });
  if (images.length === 0) throw new AppError('invalid_request', `no images to score (dataset ${datasetId ?? 'any'}, split ${o.split ?? 'any'})`);

  const runner = await openProjectModel(project, model, o.session ?? {});
  const thresholds = model.thresholds;
  const mapsKind = o.maps ?? 'png';
  const pixels = o.evaluate ? new PixelMetricAccumulator() : null;
  const scores: number[] = [];
  const labels: number[] = [];
  const defectTypes: (string | null)[] = [];
  const verdicts = emptyVerdictCounts();
  const unjudgedImageIds: number[] = [];
  const started = performance.now();
  try {
    for (let start = 0; start < images.length; start += batchSize) {
      o.signal?.throwIfAborted();
      const chunk = images.slice(start, start + batchSize);
      const r = await runner.runFiles(chunk.map((i) => imageFile(project, i.path)));
      const rows = [];
      for (let i = 0; i < chunk.length; i++) {
        const img = chunk[i];
        const score = r.scores[i];
        const { width, height } = r.sizes[i];
        const verdict = verdictOf(score, thresholds);
        verdicts[verdict]++;
        if (verdict === 'error' && unjudgedImageIds.length < 100) unjudgedImageIds.push(img.id);
        const mapPath = mapsKind === 'none' ? null : await writeResultMap(project, model.id, img.id, mapsKind, r.maps[i], width, height, thresholds?.reject ?? 0);
        rows.push({ imageId: img.id, score, mapPath, verdict, executionProvider: runner.provider });
        // Metrics rank finite scores; an unjudged image is already counted (and stored) as 'error'.
        if (o.evaluate && Number.isFinite(score)) {
          scores.push(score);
          labels.push(img.label === 'defect' ? 1 : 0);
          defectTypes.push(img.label === 'defect' ? (img.defectType ?? 'unspecified') : null);
          const mask = img.label === 'defect' && img.maskPath ? await loadMask(imageFile(project, img.maskPath), width, height) : null;
          if (img.label === 'good' || mask) pixels!.add({ map: r.maps[i], width, height, mask });
        }
      }
      upsertResults(project.db, model.id, rows);
      const done = start + chunk.length;
      const secs = (performance.now() - started) / 1000;
      o.progress?.(done / images.length, `${done}/${images.length} images on ${runner.provider}`, {
        done,
        total: images.length,
        executionProvider: runner.provider,
        imagesPerSecond: done / Math.max(secs, 1e-6),
      });
    }
  } finally {
    await runner.release();
  }
  const seconds = (performance.now() - started) / 1000;
  const metrics = o.evaluate ? evaluationMetrics(scores, labels, defectTypes, pixels!) : undefined;
  return {
    modelId: model.id,
    images: images.length,
    seconds,
    imagesPerSecond: images.length / Math.max(seconds, 1e-6),
    executionProvider: runner.provider,
    providerReason: runner.providerReason,
    verdicts,
    unjudgedImageIds,
    ...(metrics ? { metrics } : {}),
  };
}

/** Writes one result's anomaly map under maps/model-<id>/ and returns its project-relative path. */
async function writeResultMap(project: Project, modelId: number, imageId: number, kind: 'png' | 'f16', map: Float32Array, width: number, height: number, reject: number): Promise<string> {
  const mapPath = path.join('maps', `model-${modelId}`, `${imageId}.${kind}`);
  if (kind === 'png') await writeMapPng(project.path(mapPath), map, width, height, reject);
  else writeMapF16(project.path(mapPath), map, width, height);
  return mapPath;
}

/** Image AUROC needs both classes, pixel metrics at least one image and one defect region; null otherwise. */
function evaluationMetrics(scores: number[], labels: number[], defectTypes: (string | null)[], pixels: PixelMetricAccumulator): NonNullable<InferSummary['metrics']> {
  const nDef = labels.filter((l) => l === 1).length;
  const mixed = nDef > 0 && nDef < labels.length;
  const pixelOk = pixels.imageCount > 0 && pixels.regionCount > 0;
  return {
    imageAuroc: mixed ? imageAuroc(scores, labels) : null,
    pixelAuroc: pixelOk ? pixels.pixelAuroc() : null,
    aupro: pixelOk ? pixels.aupro(0.3) : null,
    good: labels.length - nDef,
    defect: nDef,
    byDefectType: aurocByDefectType(scores, defectTypes),
  };
}

/** `types[i]` is null for a good image, else the defect type; each type is ranked against every good image. */
export function aurocByDefectType(scores: readonly number[], types: readonly (string | null)[]): Record<string, { imageAuroc: number | null; images: number }> {
  const good = scores.filter((_, i) => types[i] === null);
  const out: Record<string, { imageAuroc: number | null; images: number }> = {};
  for (const type of [...new Set(types.filter((t): t is string => t !== null))].sort()) {
    const defects = scores.filter((_, i) => types[i] === type);
    const auroc = good.length > 0 ? imageAuroc([...good, ...defects], [...good.map(() => 0), ...defects.map(() => 1)]) : null;
    out[type] = { imageAuroc: auroc, images: defects.length };
  }
  return out;
}
