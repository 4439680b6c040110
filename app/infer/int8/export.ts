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
import { INT8_SCOPE, type Int8Plan, planInt8, quantizeInt8, type Range, withFloatConvs } from '../../model/int8/qdq.js';
import type { Rgb8 } from '../../model/features/preprocess.js';
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
/**
 * How many of the most sensitive convolutions a failed check leaves in float, in turn. Not more: every float layer
 * between integer ones adds a dequantize and a quantize pass, and with 8 of them the photo suite's canvas model ran
 * slower than fp32 (0.91×).
 */
export const FALLBACK_FLOAT_LAYERS = [1, 2, 4] as const;
/** Added to every shift, as a fraction of the span to reject (see checkAgreement). */
export const SHIFT_MARGIN_OF_SPAN = 0.01;
/** How much lower the int8 model's image AUROC on the labelled check images may be. */
export const AUROC_TOLERANCE = 0.005;

export type Quantization = NonNullable<ModelMetadata['quantization']>;

export interface Int8Options {
  /** Threads and the like; the provider is always the CPU (see cpuSession). */
  readonly session?: SessionConfig;
  readonly signal?: AbortSignal;
  readonly progress?: (fraction: number, message: string) => void;
}

/**
 * int8 is a CPU format: the CPU provider runs it as integer kernels, while CUDA runs QDQ as float arithmetic with
 * rounding steps, which gives other numbers. The check must measure what a CPU deployment computes, so every session
 * of the export runs on the CPU, like calibration and the sealed reference.
 */
const cpuSession = (o: Int8Options): SessionConfig => ({ ...o.session, provider: 'cpu' });

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

/** The check images, decoded once (tiled models decode per batch: their parts can be large), scored by any runner. */
class CheckSet {
  private decoded: Rgb8[] | null = null;
  constructor(
    readonly images: readonly ModelImage[],
    private readonly files: readonly string[],
    private readonly signal?: AbortSignal,
  ) {}

  async scores(runner: ModelRunner): Promise<Float32Array> {
    if (!runner.tiling) this.decoded ??= await runner.loadImages(this.files);
    const out = new Float32Array(this.files.length);
    for (let start = 0; start < this.files.length; start += 8) {
      this.signal?.throwIfAborted();
      const r = this.decoded ? await runner.score(this.decoded.slice(start, start + 8)) : await runner.runFiles(this.files.slice(start, start + 8));
      out.set(r.scores, start);
    }
    return out;
  }
}

/** A calibrated model that can be quantized with any of its convolutions left in float. */
class Quantizer {
  private constructor(
    private readonly modelId: number,
    private readonly proto: onnxProto.onnx.ModelProto,
    readonly plan: Int8Plan,
    private readonly ranges: ReadonlyMap<string, Range>,
    private readonly metadata: ModelMetadata,
    private readonly o: Int8Options,
  ) {}

  static async calibrated(modelId: number, fp32: Uint8Array, metadata: ModelMetadata, calibration: readonly string[], o: Int8Options): Promise<Quantizer> {
    const { model: proto } = decodeModelFile(fp32, `model ${modelId}`);
    let plan: Int8Plan;
    try {
      plan = planInt8(proto);
    } catch (err) {
      throw new AppError('invalid_request', `model ${modelId} cannot be exported in int8: ${(err as Error).message}`);
    }
    o.progress?.(0.1, `calibrating on ${calibration.length} clean training images`);
    let ranges: Map<string, Range>;
    try {
      ranges = await calibrateRanges(proto, metadata, plan.tensors, calibration, {
        session: cpuSession(o),
        signal: o.signal,
        progress: (done, total) => o.progress?.(0.1 + (0.3 * done) / total, `calibrating on ${total} clean training images (${done}/${total})`),
      });
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError('conflict', `model ${modelId}: int8 calibration failed (${(err as Error).message}); export it in fp32`);
    }
    return new Quantizer(modelId, proto, plan, ranges, metadata, o);
  }

  /** The sealed int8 model (the float model's metadata) with the `float` convolutions (node names) left in float. */
  async candidate(float: ReadonlySet<string> = new Set()): Promise<Uint8Array> {
    const plan = float.size ? withFloatConvs(this.plan, float) : this.plan;
    const bytes = onnxProto.onnx.ModelProto.encode(quantizeInt8(this.proto, plan, this.ranges)).finish();
    return sealModel(withMetadata(bytes, this.metadata), this.metadata, `model ${this.modelId} (int8)`, cpuSession(this.o));
  }

  /** Scores `check` with a candidate; its session is released after. */
  async score(bytes: Uint8Array, check: CheckSet): Promise<Float32Array> {
    const runner = await ModelRunner.open(bytes, cpuSession(this.o), `model ${this.modelId} (int8)`);
    try {
      return await check.scores(runner);
    } finally {
      await runner.release();
    }
  }

  /**
   * Each convolution's own effect: the mean change of the clean check images' scores with only it quantized, in
   * units of the span to reject. Most sensitive first.
   */
  async sensitivities(check: CheckSet, s32: Float32Array): Promise<string[]> {
    const names = this.plan.convs.map((c) => c.node.name ?? '');
    const good = check.images.map((im, i) => (im.label === 'good' ? i : -1)).filter((i) => i >= 0);
    const effect = new Map<string, number>();
    for (const [k, name] of names.entries()) {
      this.o.signal?.throwIfAborted();
      this.o.progress?.(0.5 + (0.3 * k) / names.length, `measuring how much each layer moves scores in int8 (${k + 1}/${names.length})`);
      const s = await this.score(await this.candidate(new Set(names.filter((n) => n !== name))), check);
      effect.set(name, good.reduce((a, i) => a + Math.abs(s[i]! - s32[i]!), 0) / Math.max(1, good.length) / this.metadata.scoreNorm.scale);
    }
    return [...names].sort((a, b) => effect.get(b)! - effect.get(a)!);
  }
}

/**
 * The quantized model before any check, sealed with the float model's metadata: what the photo-suite benchmark
 * scores next to the exported file. `calibration`: clean images of the model's data, as files.
 */
export async function quantizedCandidate(modelId: number, fp32: Uint8Array, metadata: ModelMetadata, calibration: readonly string[], o: Int8Options = {}): Promise<Uint8Array> {
  return (await Quantizer.calibrated(modelId, fp32, metadata, calibration, o)).candidate();
}

const isConflict = (e: unknown): e is AppError => e instanceof AppError && e.code === 'conflict';

/**
 * The int8 file of `metadata`'s model: sealed bytes and the metadata it carries (thresholds lowered, see above).
 * When the fully quantized backbone fails a check, the convolutions that move scores most are left in float, 1, 2,
 * then 4 of them, until the checks pass; the file records which (`quantization.floatLayers`).
 */
export async function int8ModelBytes(project: Project, model: ModelRecord, fp32: Uint8Array, metadata: ModelMetadata, o: Int8Options = {}): Promise<{ bytes: Uint8Array; metadata: ModelMetadata }> {
  const images = int8Images(project, model);
  const files = (list: readonly ModelImage[]) => list.map((i) => imageFile(project, i.path));
  const quantizer = await Quantizer.calibrated(model.id, fp32, metadata, files(images.calibration), o);
  o.progress?.(0.4, `checking the int8 model against the float model on ${images.check.length} images`);
  const check = new CheckSet(images.check, files(images.check), o.signal);
  const float = await ModelRunner.open(fp32, cpuSession(o), `model ${model.id}`);
  let s32: Float32Array;
  try {
    s32 = await check.scores(float);
  } finally {
    await float.release();
  }
  const attempt = async (floatLayers: readonly string[]) => {
    const bytes = await quantizer.candidate(new Set(floatLayers));
    const s8 = await quantizer.score(bytes, check);
    return { bytes, q: { ...checkAgreement(model.id, images.check, s32, s8, metadata, images.calibration.length), floatLayers: [...floatLayers] } };
  };
  let result: { bytes: Uint8Array; q: Quantization } | undefined;
  try {
    result = await attempt([]);
  } catch (err) {
    if (!isConflict(err)) throw err;
    let last: AppError = err;
    const tried = FALLBACK_FLOAT_LAYERS.filter((n) => n < quantizer.plan.convs.length);
    // The layer search scores the check images once per layer: not worth it when no fallback can be tried.
    const ranked = tried.length ? await quantizer.sensitivities(check, s32) : [];
    for (const k of tried) {
      o.progress?.(0.8, `checking with the ${k} layer${k === 1 ? '' : 's'} that move scores most left in float`);
      result = await attempt(ranked.slice(0, k)).catch((e: unknown) => {
        if (!isConflict(e)) throw e;
        last = e;
        return undefined;
      });
      if (result) break;
    }
    if (!result) {
      const k = tried.at(-1);
      throw new AppError('conflict', k === undefined ? last.message : `${last.message.replace(/; export it in fp32$/, '')} (with the ${k} layer${k === 1 ? '' : 's'} that move scores most left in float); export it in fp32`);
    }
  }
  const shifted = int8Metadata(metadata, result.q);
  o.progress?.(0.9, 'sealing the int8 model');
  return { bytes: await sealModel(withMetadata(result.bytes, shifted), shifted, `model ${model.id} (int8)`, cpuSession(o)), metadata: shifted };
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
    // fp32 cannot judge this image ('error'): int8 must not either, or it would judge what fp32 refuses to.
    if (!Number.isFinite(f) && Number.isFinite(q)) throw new AppError('conflict', `model ${modelId}: the float model cannot score image ${check[i]!.id} (${f}) but the int8 model gives it ${q}; export it in fp32`);
    if (!Number.isFinite(f)) continue;
    if (!Number.isFinite(q)) throw new AppError('conflict', `model ${modelId}: the int8 model gives image ${check[i]!.id} a score that is not a number (float score ${f}); export it in fp32`);
    const inBand = f >= band.lo && f <= band.hi;
    const keep = Math.max(f >= reject ? reject - q : 0, f >= review ? review - q : 0, inBand ? f - q : 0);
    if (inBand) drop = Math.max(drop, f - q);
    if (keep > shift) [shift, worst] = [keep, i];
  }
  // A margin, so that the image that set the shift is not left exactly on the lowered threshold (float rounding, or
  // another thread count in the deployment, could put it a hair below).
  shift += SHIFT_MARGIN_OF_SPAN * span;
  if (shift > MAX_DROP_OF_SPAN * span) {
    const w = check[worst]!;
    throw new AppError(
      'conflict',
      `model ${modelId}: int8 would need its thresholds lowered by ${shift.toPrecision(3)} to judge image ${w.id} (score ${s32[worst]!.toPrecision(4)} in fp32, ${s8[worst]!.toPrecision(4)} in int8) no more leniently, more than ${MAX_DROP_OF_SPAN * 100} % of the span from a typical good part to reject (${span.toPrecision(3)}); export it in fp32`,
    );
  }
  // Ranked over the images both models can score (the others were dealt with above).
  const scored = check.map((_, i) => i).filter((i) => Number.isFinite(s32[i]!) && Number.isFinite(s8[i]!));
  const labels = scored.map((i) => (check[i]!.label === 'defect' ? 1 : 0));
  const both = labels.includes(0) && labels.includes(1);
  const auroc = both ? { fp32: imageAuroc(scored.map((i) => s32[i]!), labels), int8: imageAuroc(scored.map((i) => s8[i]!), labels) } : null;
  // The 1e-9: AUROC differences are whole numbers of pairs, and exactly the tolerance must not fail on rounding.
  if (auroc && auroc.int8 < auroc.fp32 - AUROC_TOLERANCE - 1e-9) {
    throw new AppError('conflict', `model ${modelId}: int8 separates the project's labelled defects worse than the float model (image AUROC ${auroc.int8.toFixed(4)} vs ${auroc.fp32.toFixed(4)}, tolerance ${AUROC_TOLERANCE}); export it in fp32`);
  }
  return { kind: 'int8', scope: INT8_SCOPE.prefix, calibrationImages, checkImages: check.length, worstScoreDrop: drop, thresholdShift: shift, checkAuroc: auroc, floatLayers: [] };
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
