/**
 * The int8 export of a trained model (`flowspect export --precision int8`, the Export view): the backbone is
 * quantized (app/model/int8/qdq.ts) with ranges calibrated on the model's own clean training images, then the int8
 * model is checked against the float model on other images of the same data before anything is written.
 *
 * A false accept must not come from rounding: on a check image, the int8 model's score may fall below the float
 * model's. Both thresholds (and the score normalisation) of the int8 file are lowered by the largest such drop near
 * the thresholds (see checkAgreement), so no check image that the float model rejects or sends to review is judged
 * more leniently by the int8 model. The export is refused when that shift is more than a quarter of the span from a
 * typical good part to reject,
 * when an int8 score is not finite where the float score is, or when the int8 model separates labelled defects
 * from good parts worse than the float model (image AUROC more than 0.005 lower).
 */
import onnxProto from 'onnx-proto';
import { AppError } from '../../core/errors.js';
import { imageAuroc } from '../../eval/index.js';
import { sealModel } from '../../model/integrity.js';
import { INT8_SCOPE, planInt8, quantizeInt8 } from '../../model/int8/qdq.js';
import { type ModelMetadata, withMetadata } from '../../model/metadata.js';
import { type ModelImage, type ModelRecord, selectModelImages } from '../../store/models.js';
import type { Project } from '../../store/project.js';
import { imageFile } from '../../train/data.js';
import type { SessionConfig } from '../../runtime/index.js';
import { decodeModelFile, ModelRunner } from '../model-runner.js';
import { calibrateRanges } from './calibrate.js';

export const CALIBRATION_IMAGES = 32;
export const CHECK_IMAGES = { good: 64, defect: 64 } as const;
/** The largest score drop the threshold shift may absorb, as a fraction of reject − the clean median. */
export const MAX_DROP_OF_SPAN = 0.25;
/** How much lower the int8 model's image AUROC on the labelled check images may be. */
export const AUROC_TOLERANCE = 0.005;

export type Quantization = NonNullable<ModelMetadata['quantization']>;

export interface Int8Options {
  readonly session?: SessionConfig;
  readonly signal?: AbortSignal;
  readonly progress?: (fraction: number, message: string) => void;
}

/** Every `n`-th of `items` so that at most `n` are taken, spread over the whole list (deterministic). */
function spread<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return [...items];
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]!);
}

/** Calibration: clean training images. Check: other clean images and every labelled defect, of the model's data. */
export function int8Images(project: Project, model: ModelRecord): { calibration: ModelImage[]; check: ModelImage[] } {
  const sel = model.config.selection ?? {};
  const all = selectModelImages(project.db, sel.category !== undefined || sel.datasetId !== undefined ? sel : { datasetId: model.datasetId ?? undefined });
  const trainGood = all.filter((i) => i.label === 'good' && i.split === 'train');
  const calibration = spread(trainGood, CALIBRATION_IMAGES);
  if (calibration.length === 0) throw new AppError('invalid_request', `model ${model.id}: no clean training images left in the project to calibrate the int8 model on; export it in fp32`);
  const used = new Set(calibration.map((i) => i.id));
  const good = spread(all.filter((i) => i.label === 'good' && !used.has(i.id)), CHECK_IMAGES.good);
  const defects = spread(all.filter((i) => i.label === 'defect'), CHECK_IMAGES.defect);
  if (good.length < 8) throw new AppError('invalid_request', `model ${model.id}: int8 export checks the int8 model against the float model on clean images it was not calibrated on; only ${good.length} are in the project (8 needed); export it in fp32`);
  return { calibration, check: [...good, ...defects] };
}

async function scoreFiles(runner: ModelRunner, files: readonly string[], signal?: AbortSignal): Promise<Float32Array> {
  const out = new Float32Array(files.length);
  for (let start = 0; start < files.length; start += 8) {
    signal?.throwIfAborted();
    out.set((await runner.runFiles(files.slice(start, start + 8))).scores, start);
  }
  return out;
}

/**
 * The quantized model before any check, sealed with the float model's metadata: what the checks below judge (and
 * what the photo-suite benchmark scores). `calibration`: clean images of the model's data, as files.
 */
export async function quantizedCandidate(modelId: number, fp32: Uint8Array, metadata: ModelMetadata, calibration: readonly string[], o: Int8Options = {}): Promise<Uint8Array> {
  const label = `model ${modelId} (int8)`;
  const { model: proto } = decodeModelFile(fp32, label);
  let plan;
  try {
    plan = planInt8(proto);
  } catch (err) {
    throw new AppError('invalid_request', `model ${modelId} cannot be exported in int8: ${(err as Error).message}`);
  }
  o.progress?.(0.1, `calibrating on ${calibration.length} clean training images`);
  const ranges = await calibrateRanges(proto, metadata, plan.tensors, calibration, { session: o.session, signal: o.signal });
  const quantized = onnxProto.onnx.ModelProto.encode(quantizeInt8(proto, plan, ranges)).finish();
  return sealModel(withMetadata(quantized, metadata), metadata, label, o.session);
}

/** The int8 file of `metadata`'s model: sealed bytes and the metadata it carries (thresholds lowered, see above). */
export async function int8ModelBytes(project: Project, model: ModelRecord, fp32: Uint8Array, metadata: ModelMetadata, o: Int8Options = {}): Promise<{ bytes: Uint8Array; metadata: ModelMetadata }> {
  const label = `model ${model.id} (int8)`;
  const images = int8Images(project, model);
  const files = (list: readonly ModelImage[]) => list.map((i) => imageFile(project, i.path));
  const candidate = await quantizedCandidate(model.id, fp32, metadata, files(images.calibration), o);
  o.progress?.(0.4, `checking the int8 model against the float model on ${images.check.length} images`);
  const [float, int8] = await Promise.all([ModelRunner.open(fp32, o.session, `model ${model.id}`), ModelRunner.open(candidate, o.session, label)]);
  let s32: Float32Array;
  let s8: Float32Array;
  try {
    s32 = await scoreFiles(float, files(images.check), o.signal);
    s8 = await scoreFiles(int8, files(images.check), o.signal);
  } finally {
    await Promise.all([float.release(), int8.release()]);
  }
  const q = checkAgreement(model.id, images.check, s32, s8, metadata, images.calibration.length);
  const shifted = int8Metadata(metadata, q);
  o.progress?.(0.9, 'sealing the int8 model');
  return { bytes: await sealModel(withMetadata(candidate, shifted), shifted, label, o.session), metadata: shifted };
}

/**
 * The gates above; returns what the int8 file records about its quantization. The shift is the larger of
 * - the largest drop among images whose float score lies where a drop can matter: from a typical good part (the clean
 *   median) to one span above reject (a defect scoring 20 × reject that drops 3 % changes no verdict), and
 * - what it takes for every check image to keep at least its float verdict.
 */
export function checkAgreement(modelId: number, check: readonly Pick<ModelImage, 'id' | 'label'>[], s32: Float32Array, s8: Float32Array, metadata: ModelMetadata, calibrationImages: number): Quantization {
  const { review, reject } = metadata.thresholds;
  const span = metadata.scoreNorm.scale;
  const band = { lo: metadata.scoreNorm.offset, hi: reject + span };
  let drop = 0;
  let shift = 0;
  let worst = -1;
  for (let i = 0; i < check.length; i++) {
    const [f, q] = [s32[i]!, s8[i]!];
    if (!Number.isFinite(f)) continue;
    if (!Number.isFinite(q)) throw new AppError('conflict', `model ${modelId}: the int8 model gives image ${check[i]!.id} a score that is not a number (float score ${f}); export it in fp32`);
    const inBand = f >= band.lo && f <= band.hi;
    const keep = Math.max(f >= reject ? reject - q : 0, f >= review ? review - q : 0, inBand ? f - q : 0);
    if (inBand) drop = Math.max(drop, f - q);
    if (keep > shift) [shift, worst] = [keep, i];
  }
  if (shift > MAX_DROP_OF_SPAN * span) {
    const w = check[worst]!;
    throw new AppError(
      'conflict',
      `model ${modelId}: int8 would need its thresholds lowered by ${shift.toPrecision(3)} to judge image ${w.id} (score ${s32[worst]!.toPrecision(4)} in fp32, ${s8[worst]!.toPrecision(4)} in int8) no more leniently, more than ${MAX_DROP_OF_SPAN * 100} % of the span from a typical good part to reject (${span.toPrecision(3)}); export it in fp32`,
    );
  }
  const labels = check.map((i) => (i.label === 'defect' ? 1 : 0));
  const both = labels.includes(0) && labels.includes(1);
  const auroc = both ? { fp32: imageAuroc(Array.from(s32), labels), int8: imageAuroc(Array.from(s8), labels) } : null;
  if (auroc && auroc.int8 < auroc.fp32 - AUROC_TOLERANCE) {
    throw new AppError('conflict', `model ${modelId}: int8 separates the project's labelled defects worse than the float model (image AUROC ${auroc.int8.toFixed(4)} vs ${auroc.fp32.toFixed(4)}, tolerance ${AUROC_TOLERANCE}); export it in fp32`);
  }
  return { kind: 'int8', scope: INT8_SCOPE.prefix, calibrationImages, checkImages: check.length, worstScoreDrop: drop, thresholdShift: shift, checkAuroc: auroc };
}

/** The float model's metadata with both thresholds and the normalisation offset lowered by the shift. */
export function int8Metadata(m: ModelMetadata, q: Quantization): ModelMetadata {
  const d = q.thresholdShift;
  const note = `int8: lowered by ${d.toPrecision(3)}, the largest score drop from the float model near the thresholds on ${q.checkImages} check images`;
  return {
    ...m,
    precision: 'int8',
    quantization: q,
    thresholds: { ...m.thresholds, review: m.thresholds.review - d, reject: m.thresholds.reject - d, detail: `${m.thresholds.detail}; ${note}` },
    scoreNorm: { ...m.scoreNorm, offset: m.scoreNorm.offset - d },
  };
}
