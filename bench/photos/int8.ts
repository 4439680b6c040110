/**
 * The photo suite's int8 measurement (issue #21's rule: int8 is offered only while its image AUROC on this suite stays
 * within 0.005 of fp32's). Per trained CL-Flow model: the file `flowspect export --precision int8` writes (or, when
 * the export refuses, the fully quantized candidate) scores the same test images as the float model; the row records
 * both AUROCs, the model-only time per image of each (batch 8, decoded images, alternated), and the export's verdict.
 */
import { AppError } from '../../app/core/errors.js';
import { imageAuroc } from '../../app/eval/index.js';
import { modelOnnxBytes } from '../../app/infer/export.js';
import { int8Images, int8ModelBytes, quantizedCandidate } from '../../app/infer/int8/export.js';
import { ModelRunner } from '../../app/infer/model-runner.js';
import { aurocByDefectType } from '../../app/infer/run.js';
import type { Rgb8 } from '../../app/model/features/preprocess.js';
import { selectModelImages } from '../../app/store/models.js';
import type { Project } from '../../app/store/project.js';
import { imageFile } from '../../app/train/data.js';

export interface Int8Row {
  /** Which int8 model scored: the file the export wrote, or (when it refused) the fully quantized candidate. */
  readonly scored: 'exported' | 'candidate';
  readonly fp32ImageAuroc: number | null;
  readonly imageAuroc: number | null;
  /** int8 − fp32 image AUROC on the test split. */
  readonly delta: number | null;
  readonly byDefect: Record<string, number | null>;
  /** Model-only milliseconds per image, batch 8, best of 3 alternated passes. */
  readonly msPerImage: { readonly fp32: number; readonly int8: number };
  readonly speedup: number;
  /** What `flowspect export --precision int8` does with this model: 'accepted', or why it refuses. */
  readonly exportGate: string;
  readonly thresholdShift: number | null;
  /** Convolutions the export left in float to pass its checks. */
  readonly floatLayers: readonly string[];
}

async function scoreAll(runner: ModelRunner, images: readonly Rgb8[]): Promise<{ scores: number[]; ms: number }> {
  const scores: number[] = [];
  const t0 = performance.now();
  for (let s = 0; s < images.length; s += 8) scores.push(...(await runner.score(images.slice(s, s + 8))).scores);
  return { scores, ms: (performance.now() - t0) / images.length };
}

/** The suite's int8 summary: mean AUROCs and their largest gap, the mean speed-up, and how many exports passed. */
export function int8Summary(rows: readonly (Int8Row | undefined)[]): object | null {
  const r = rows.filter((x): x is Int8Row => x !== undefined && x.delta !== null);
  if (r.length === 0) return null;
  const mean = (f: (x: Int8Row) => number) => r.reduce((s, x) => s + f(x), 0) / r.length;
  return {
    categories: r.length,
    fp32ImageAuroc: mean((x) => x.fp32ImageAuroc!),
    imageAuroc: mean((x) => x.imageAuroc!),
    meanDelta: mean((x) => x.delta!),
    worstDelta: Math.min(...r.map((x) => x.delta!)),
    // AUROC differences are whole numbers of pairs: a delta of exactly −0.005 comes out a few ulps below it.
    withinTolerance: r.every((x) => x.delta! >= -0.005 - 1e-9),
    speedup: mean((x) => x.speedup),
    exportsAccepted: r.filter((x) => x.exportGate === 'accepted').length,
  };
}

export async function int8Row(project: Project, modelId: number, category: string): Promise<Int8Row> {
  const fp32 = await modelOnnxBytes(project, modelId);
  let exportGate = 'accepted';
  let exported: Awaited<ReturnType<typeof int8ModelBytes>> | null = null;
  try {
    exported = await int8ModelBytes(project, fp32.model, fp32.bytes, fp32.metadata);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    exportGate = `refused: ${err.message}`;
  }
  const calibration = int8Images(project, fp32.model).calibration.map((i) => imageFile(project, i.path));
  const candidate = exported?.bytes ?? (await quantizedCandidate(modelId, fp32.bytes, fp32.metadata, calibration));
  const test = selectModelImages(project.db, { category, split: 'test' });
  const float = await ModelRunner.open(fp32.bytes, { provider: 'cpu' });
  const int8 = await ModelRunner.open(candidate, { provider: 'cpu' }).catch(async (err: unknown) => {
    await float.release();
    throw err;
  });
  const a: { scores: number[]; ms: number }[] = [];
  const b: { scores: number[]; ms: number }[] = [];
  try {
    const images = await float.loadImages(test.map((i) => imageFile(project, i.path)));
    for (let rep = 0; rep < 3; rep++) {
      a.push(await scoreAll(float, images));
      b.push(await scoreAll(int8, images));
    }
  } finally {
    await Promise.all([float.release(), int8.release()]);
  }
  const labels = test.map((i) => (i.label === 'defect' ? 1 : 0));
  const types = test.map((i) => (i.label === 'defect' ? (i.defectType ?? 'unspecified') : null));
  const both = labels.includes(0) && labels.includes(1);
  const fp32Auroc = both ? imageAuroc(a[0]!.scores, labels) : null;
  const auroc = both ? imageAuroc(b[0]!.scores, labels) : null;
  const ms = { fp32: Math.min(...a.map((r) => r.ms)), int8: Math.min(...b.map((r) => r.ms)) };
  return {
    scored: exported ? 'exported' : 'candidate',
    fp32ImageAuroc: fp32Auroc,
    imageAuroc: auroc,
    delta: auroc !== null && fp32Auroc !== null ? auroc - fp32Auroc : null,
    byDefect: Object.fromEntries(Object.entries(aurocByDefectType(b[0]!.scores, types)).map(([t, m]) => [t, m.imageAuroc])),
    msPerImage: ms,
    speedup: ms.fp32 / ms.int8,
    exportGate,
    thresholdShift: exported?.metadata.quantization?.thresholdShift ?? null,
    floatLayers: exported?.metadata.quantization?.floatLayers ?? [],
  };
}
