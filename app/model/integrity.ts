/**
 * Model integrity: a Flowspect ONNX file carries, in its `flowspect.integrity` metadata entry, the sha256 of its
 * own content (every byte but that entry, see integrity-record.ts) and a reference output: the scores and mean map
 * values it gives on a small deterministic known input (two generated images at its input size), with the
 * tolerance allowed. Every load checks the hash first (damage anywhere — weights, graph, thresholds — is refused
 * before ONNX Runtime sees the file) and then runs the known input through the very session that will score parts
 * (a runtime that computes something else is refused too). Sealing is the last step of writing a model file.
 */
import { z } from 'zod';
import { AppError } from '../core/errors.js';
import { mulberry32 } from '../core/mulberry32.js';
import { createSession, float32Tensor, type SessionConfig } from '../runtime/index.js';
import { appendIntegrity, BrokenProtobufError, rangesSha256, splitIntegrity, withoutIntegrity } from './integrity-record.js';
import type ort from 'onnxruntime-node';
import type { ModelMetadata } from './metadata.js';
import type { TileBox } from './tiling.js';
import { tileBoxFeed } from './flow/position.js';

export const INTEGRITY_FORMAT = 1;
/** Name of the generated known input; bump it if `referenceBatch` ever changes. */
export const REFERENCE_INPUT = 'flowspect-reference-v1';
/** Two runs of the same model agree to this (CPU thread counts, CPU vs CUDA: see bench/cuda.ts). */
export const REFERENCE_TOLERANCE = { rel: 1e-3, absOfLargest: 1e-3 } as const;

const Reference = z.object({
  input: z.literal(REFERENCE_INPUT),
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  scores: z.array(z.number()).length(2),
  mapMeans: z.array(z.number()).length(2),
  /** Allowed |got − expected| is abs + rel × |expected|. */
  tolerance: z.object({ rel: z.number().positive(), abs: z.number().nonnegative() }),
});
export type ReferenceOutput = z.infer<typeof Reference>;

const IntegrityRecord = z.object({
  format: z.literal(INTEGRITY_FORMAT),
  contentSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Missing only in a project's freshly trained file, which gets it on first use (app/infer/project-model.ts). */
  reference: Reference.optional(),
});
export type IntegrityRecord = z.infer<typeof IntegrityRecord>;

/** A model file refused by the integrity check; the message names the file and what did not match. */
export class ModelIntegrityError extends AppError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super('invalid_file', `${file}: ${reason}`, { file, reason });
    this.name = 'ModelIntegrityError';
  }
}

/**
 * Checks the content hash. Returns the record (null when the file has none — callers decide whether that is
 * refused); throws ModelIntegrityError when the structure is broken, the record unreadable or the hash differs.
 */
export function checkContentHash(bytes: Uint8Array, label: string): IntegrityRecord | null {
  let split;
  try {
    split = splitIntegrity(bytes);
  } catch (err) {
    if (err instanceof BrokenProtobufError) throw new ModelIntegrityError(label, `not a valid ONNX file (${err.message}); it is damaged or not a model`);
    throw new ModelIntegrityError(label, `not a valid ONNX file (${(err as Error).message})`);
  }
  if (split.record === null) return null;
  let parsed;
  try {
    parsed = IntegrityRecord.safeParse(JSON.parse(split.record));
  } catch (err) {
    throw new ModelIntegrityError(label, `its integrity record is not valid JSON (${(err as Error).message}); the file is damaged`);
  }
  if (!parsed.success) throw new ModelIntegrityError(label, `its integrity record is invalid (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`);
  const found = rangesSha256(bytes, split.ranges);
  if (found !== parsed.data.contentSha256) {
    throw new ModelIntegrityError(
      label,
      `content does not match its integrity hash (recorded sha256 ${parsed.data.contentSha256.slice(0, 16)}…, found ${found.slice(0, 16)}…): the file was damaged or changed after it was written; export the model again`,
    );
  }
  return parsed.data;
}

/** The known input: two images (smooth shading; the same with a dark spot and mild noise), integers in [0, 255]. */
export function referenceBatch(height: number, width: number): Float32Array {
  const plane = height * width;
  const out = new Float32Array(2 * 3 * plane);
  const rand = mulberry32(0x5eed17);
  const r = 0.12 * Math.min(height, width);
  for (let n = 0; n < 2; n++)
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const base = 128 + 40 * Math.sin((3 * Math.PI * x) / width) * Math.cos((2 * Math.PI * y) / height);
        const spot = n === 1 && (x - 0.6 * width) ** 2 + (y - 0.4 * height) ** 2 <= r * r;
        for (let c = 0; c < 3; c++) {
          const v = spot ? 30 + 10 * c : base + 12 * c + (n === 1 ? 16 * (rand() - 0.5) : 0);
          out[(n * 3 + c) * plane + y * width + x] = Math.max(0, Math.min(255, Math.round(v)));
        }
      }
  return out;
}

/**
 * Where the known input's two images lie in a part, for position-conditioned tiled models (the `tile_box` input):
 * the top-left quarter and the bottom-right one, so the record also pins the position path.
 */
export const REFERENCE_TILE_BOXES: readonly TileBox[] = [
  [0, 0, 0.5, 0.5],
  [0.5, 0.5, 1, 1],
];

/** Every input the known input feeds a model with this metadata: the image batch and, where it takes one, tile_box. */
export function referenceFeeds(metadata: ModelMetadata): Record<string, ort.Tensor> {
  const { height, width, name } = metadata.input;
  const image = { [name]: float32Tensor(referenceBatch(height, width), [2, 3, height, width]) };
  return metadata.tiling?.position ? { ...image, ...tileBoxFeed(REFERENCE_TILE_BOXES) } : image;
}

/** What the known input produced: one score and one mean map value per image. */
export interface ReferenceValues {
  readonly scores: readonly number[];
  readonly mapMeans: readonly number[];
}

/** Scores and per-image map means from a run's outputs (map: N images of equal size, contiguous). */
export function referenceValues(scores: ArrayLike<number>, map: ArrayLike<number>): ReferenceValues {
  const n = scores.length;
  const per = map.length / n;
  const mapMeans = Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let k = i * per; k < (i + 1) * per; k++) s += map[k]!;
    return s / per;
  });
  return { scores: Array.from(scores), mapMeans };
}

/** Throws unless `got` matches the reference within its tolerance. */
export function compareReference(got: ReferenceValues, ref: ReferenceOutput, label: string, provider: string): void {
  const { rel, abs } = ref.tolerance;
  const check = (what: string, g: readonly number[], e: readonly number[]) =>
    e.forEach((expected, i) => {
      const v = g[i]!;
      if (!(Math.abs(v - expected) <= abs + rel * Math.abs(expected))) {
        throw new ModelIntegrityError(
          label,
          `does not reproduce its reference output on the known input (${what} of image ${i + 1}: recorded ${expected}, got ${v} on ${provider}, tolerance ${abs + rel * Math.abs(expected)}): the model or the runtime is not the one it was exported with`,
        );
      }
    });
  check('score', got.scores, ref.scores);
  check('mean map value', got.mapMeans, ref.mapMeans);
}

/** Runs the known input through `content` on the CPU and records the outputs with their tolerance. */
async function computeReference(content: Uint8Array, metadata: ModelMetadata, label: string, config: SessionConfig): Promise<ReferenceOutput> {
  const { height, width } = metadata.input;
  const session = await createSession(content, { provider: 'cpu', intraOpThreads: config.intraOpThreads ?? 1 });
  try {
    const out = await session.run(referenceFeeds(metadata), [metadata.outputs.score, metadata.outputs.map]);
    const values = referenceValues(out[metadata.outputs.score]!.data as Float32Array, out[metadata.outputs.map]!.data as Float32Array);
    const all = [...values.scores, ...values.mapMeans];
    if (!all.every(Number.isFinite)) throw new ModelIntegrityError(label, `gives non-finite outputs on the known input (${all.join(', ')}); it cannot be sealed`);
    const largest = Math.max(...all.map(Math.abs));
    return {
      input: REFERENCE_INPUT,
      height,
      width,
      scores: [...values.scores],
      mapMeans: [...values.mapMeans],
      tolerance: { rel: REFERENCE_TOLERANCE.rel, abs: REFERENCE_TOLERANCE.absOfLargest * largest },
    };
  } finally {
    await session.release();
  }
}

/** The file with a hash-only record (the trainer's output; synchronous, no session needed). */
export function sealContentHash(bytes: Uint8Array): Uint8Array {
  const content = withoutIntegrity(bytes);
  const record: IntegrityRecord = { format: INTEGRITY_FORMAT, contentSha256: rangesSha256(content, [[0, content.length]]) };
  return appendIntegrity(content, JSON.stringify(record));
}

/**
 * The file fully sealed: content hash and reference output (any old record replaced). `metadata` is the file's
 * own (read by the caller, who needs it anyway).
 */
export async function sealModel(bytes: Uint8Array, metadata: ModelMetadata, label: string, config: SessionConfig = {}): Promise<Uint8Array> {
  const content = withoutIntegrity(bytes);
  const reference = await computeReference(content, metadata, label, config);
  const record: IntegrityRecord = { format: INTEGRITY_FORMAT, contentSha256: rangesSha256(content, [[0, content.length]]), reference };
  return appendIntegrity(content, JSON.stringify(record));
}
