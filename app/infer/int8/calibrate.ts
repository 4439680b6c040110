/**
 * Calibration for int8 export: the float model, extended to output every tensor that will be quantized, runs on
 * clean images exactly as scoring does (resized, or cut into tiles with their boxes), and each tensor's smallest
 * and largest value is kept.
 */
import type onnxProto from 'onnx-proto';
import type { ModelMetadata } from '../../model/metadata.js';
import { type Range, withTensorOutputs } from '../../model/int8/qdq.js';
import type { TileBox } from '../../model/tiling.js';
import { createSession, type SessionConfig } from '../../runtime/index.js';
import { chwBatch, loadModelImage, modelFeeds } from '../model-runner.js';
import { scoreTiled } from '../tiled-scoring.js';

/** Images per calibration run: every quantized tensor comes back, so batches stay small. */
const CALIBRATION_BATCH = 4;

export async function calibrateRanges(
  model: onnxProto.onnx.ModelProto,
  metadata: ModelMetadata,
  tensors: readonly string[],
  files: readonly string[],
  o: { session?: SessionConfig; signal?: AbortSignal; progress?: (done: number, total: number) => void } = {},
): Promise<Map<string, Range>> {
  const probe = withTensorOutputs(model, tensors);
  const session = await createSession(encode(probe), { provider: 'cpu', ...o.session });
  const ranges = new Map<string, { min: number; max: number }>();
  const run = async (batch: Float32Array, n: number, boxes?: readonly TileBox[]) => {
    const out = await session.run(modelFeeds(metadata, batch, n, boxes), [...tensors, metadata.outputs.score, metadata.outputs.map]);
    for (const t of tensors) widen(ranges, t, out[t]!.data as Float32Array);
    const { height: h, width: w } = metadata.input;
    const m = out[metadata.outputs.map]!.data as Float32Array;
    return { scores: out[metadata.outputs.score]!.data as Float32Array, maps: Array.from({ length: n }, (_, i) => m.subarray(i * h * w, (i + 1) * h * w)) };
  };
  // Tiled models decode parts at native resolution (up to 192 MB each): one at a time, as ModelRunner does.
  const step = metadata.tiling ? 1 : CALIBRATION_BATCH;
  try {
    for (let start = 0; start < files.length; start += step) {
      o.signal?.throwIfAborted();
      const images = await Promise.all(files.slice(start, start + step).map((f) => loadModelImage(metadata, f)));
      if (metadata.tiling) await scoreTiled({ run }, metadata.tiling, images);
      else await run(chwBatch(metadata, images), images.length);
      o.progress?.(Math.min(files.length, start + step), files.length);
    }
  } finally {
    await session.release();
  }
  for (const t of tensors) if (!ranges.has(t)) throw new Error(`calibration produced no values for tensor ${t}`);
  return ranges;
}

function encode(model: onnxProto.onnx.ModelProto): Uint8Array {
  return (model.constructor as typeof onnxProto.onnx.ModelProto).encode(model).finish();
}

function widen(ranges: Map<string, { min: number; max: number }>, t: string, data: Float32Array): void {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new Error(`calibration: tensor ${t} has values that are not finite`);
  const r = ranges.get(t);
  ranges.set(t, r ? { min: Math.min(r.min, min), max: Math.max(r.max, max) } : { min, max });
}
