/**
 * What an exported model carries in ONNX `metadata_props` (never in the graph): input convention and size,
 * thresholds, score normalisation, backbone and training facts. `flowspect infer` needs nothing else.
 */
import { z } from 'zod';
import onnxProto from 'onnx-proto';
import { Objective, Precision } from '../core/domain.js';
import { AppError } from '../core/errors.js';
import { TilingSettings, tilingDescription } from './tiling.js';

export const METADATA_FORMAT = '1';
/**
 * Tiled models carry format '2': a reader that does not know tiling (an older Flowspect) refuses the file instead
 * of scoring a whole part squeezed into one tile, which would miss small defects — a false accept.
 */
export const TILED_METADATA_FORMAT = '2';
/**
 * Tiled models conditioned on tile position (`tiling.position`) carry format '3': they take a second input,
 * `tile_box`, which a reader that knows tiling but not position would not feed.
 */
export const POSITION_METADATA_FORMAT = '3';

/** The format a model's tiling needs (the one rule both the writer and the reader check). */
export function metadataFormatFor(tiling: TilingSettings | undefined): typeof METADATA_FORMAT | typeof TILED_METADATA_FORMAT | typeof POSITION_METADATA_FORMAT {
  if (!tiling) return METADATA_FORMAT;
  return tiling.position ? POSITION_METADATA_FORMAT : TILED_METADATA_FORMAT;
}

export const ModelMetadata = z.object({
  format: z.enum([METADATA_FORMAT, TILED_METADATA_FORMAT, POSITION_METADATA_FORMAT]),
  modelId: z.number().int().nullable(),
  name: z.string(),
  objective: Objective,
  input: z.object({
    name: z.string(),
    layout: z.literal('NCHW'),
    channels: z.literal('RGB'),
    range: z.tuple([z.number(), z.number()]),
    height: z.number().int().positive(),
    width: z.number().int().positive(),
    fit: z.enum(['stretch', 'letterbox']),
  }),
  /** Large parts (app/model/tiling.ts): the input is one tile; images are cut, scored per tile and stitched. */
  tiling: TilingSettings.optional(),
  outputs: z.object({ map: z.string(), score: z.string() }),
  thresholds: z.object({ review: z.number(), reject: z.number(), method: z.string(), detail: z.string() }).passthrough(),
  scoreNorm: z.object({ method: z.string(), offset: z.number(), scale: z.number() }),
  backbone: z.object({ name: z.string(), sha256: z.string(), taps: z.array(z.object({ name: z.string(), channels: z.number(), stride: z.number() })) }),
  training: z.record(z.string(), z.unknown()),
  /** Absent: float32. 'int8': the backbone runs in integer arithmetic (app/infer/int8/export.ts). */
  precision: Precision.optional(),
  /** int8 files: how they were calibrated and checked, and how far their thresholds were lowered for it. */
  quantization: z
    .object({
      kind: z.literal('int8'),
      scope: z.string(),
      calibrationImages: z.number().int(),
      checkImages: z.number().int(),
      worstScoreDrop: z.number(),
      thresholdShift: z.number(),
      checkAuroc: z.object({ fp32: z.number(), int8: z.number() }).nullable(),
      /** Backbone convolutions (node names) left in float because they moved scores most (besides the stem). */
      floatLayers: z.array(z.string()).default([]),
    })
    .optional(),
}).refine((m) => m.format === metadataFormatFor(m.tiling), {
  message: "format '1' is for whole-image models, '2' for tiled ones, '3' for tiled ones with tile position",
  path: ['format'],
});
export type ModelMetadata = z.infer<typeof ModelMetadata>;

const KEY = 'flowspect';

/** metadata_props entries: one JSON document under `flowspect`, plus readable flat keys for other tools. */
export function metadataProps(m: ModelMetadata): Record<string, string> {
  return {
    [KEY]: JSON.stringify(m),
    'flowspect.threshold.review': String(m.thresholds.review),
    'flowspect.threshold.reject': String(m.thresholds.reject),
    'flowspect.threshold.method': m.thresholds.method,
    'flowspect.input_size': `${m.input.height}x${m.input.width}`,
    ...(m.precision ? { 'flowspect.precision': m.precision } : {}),
    ...(m.tiling ? { 'flowspect.tiling': tilingDescription(m.tiling) } : {}),
  };
}

export function readMetadata(model: onnxProto.onnx.IModelProto, label: string): ModelMetadata {
  const entry = (model.metadataProps ?? []).find((p) => p.key === KEY);
  if (!entry?.value) throw new AppError('invalid_file', `${label}: not a Flowspect model (no "${KEY}" metadata_props entry)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(entry.value);
  } catch (err) {
    throw new AppError('invalid_file', `${label}: metadata "${KEY}" is not valid JSON (${(err as Error).message})`);
  }
  const r = ModelMetadata.safeParse(parsed);
  if (!r.success) throw new AppError('invalid_file', `${label}: metadata "${KEY}" is invalid: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

/** Re-encodes model bytes with new metadata (e.g. after the thresholds were changed). */
export function withMetadata(bytes: Uint8Array, m: ModelMetadata): Uint8Array {
  const model = onnxProto.onnx.ModelProto.decode(bytes);
  const props = metadataProps(m);
  model.metadataProps = [
    ...(model.metadataProps ?? []).filter((p) => !(p.key ?? '').startsWith(KEY)),
    ...Object.entries(props).map(([key, value]) => onnxProto.onnx.StringStringEntryProto.create({ key, value })),
  ];
  return onnxProto.onnx.ModelProto.encode(model).finish();
}
