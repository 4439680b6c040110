import fs from 'node:fs';
import onnxProto from 'onnx-proto';
import sharp from 'sharp';
import { Graph, ReduceMax, ReduceMean, Sqrt, Sub, toModelProto } from '../../app/graph/index.js';
import { sealModel } from '../../app/model/integrity.js';
import { metadataProps, type ModelMetadata } from '../../app/model/metadata.js';

/**
 * A real, sealed Flowspect model file whose score is not a finite number for some images: map = sqrt(mean over
 * channels − 25), score = max of the map. A part with any pixel darker than 25 (a black image) scores NaN; the
 * integrity check's known input (no pixel below 30) and ordinary grey parts score finite: √(grey − 25).
 */
export const NAN_MODEL_SIZE = { height: 24, width: 32 } as const;

export function nanModelMetadata(bands: { review: number; reject: number }): ModelMetadata {
  return {
    format: '1',
    modelId: null,
    name: 'nan on dark parts',
    objective: 'fastflow',
    input: { name: 'image', layout: 'NCHW', channels: 'RGB', range: [0, 255], ...NAN_MODEL_SIZE, fit: 'stretch' },
    outputs: { map: 'anomaly_map', score: 'score' },
    thresholds: { ...bands, method: 'manual', detail: 'test thresholds' },
    scoreNorm: { method: 'clean-median-to-reject', offset: 0, scale: 1 },
    backbone: { name: 'none', sha256: '0'.repeat(64), taps: [] },
    training: {},
  };
}

export async function writeNanModel(file: string, bands: { review: number; reject: number }): Promise<void> {
  const meta = nanModelMetadata(bands);
  const g = new Graph();
  const x = g.input('image', [1, 3, NAN_MODEL_SIZE.height, NAN_MODEL_SIZE.width]);
  const map = Sqrt(Sub(ReduceMean(x, [1], true), 25));
  g.output('anomaly_map', map);
  g.output('score', ReduceMax(map, [1, 2, 3], false));
  const proto = toModelProto(g, { metadata: metadataProps(meta) });
  for (const v of [...proto.graph!.input!, ...proto.graph!.output!]) v.type!.tensorType!.shape!.dim![0] = { dimParam: 'N' };
  const bytes = onnxProto.onnx.ModelProto.encode(proto).finish();
  fs.writeFileSync(file, await sealModel(bytes, meta, file));
}

/** A uniform grey RGB image in the format its extension names. */
export async function greyImage(file: string, value: number, width = 40, height = 30): Promise<void> {
  await sharp(Buffer.alloc(width * height * 3, value), { raw: { width, height, channels: 3 } }).toFile(file);
}

/** The model's score for a uniform grey part. */
export const greyScore = (value: number): number => Math.sqrt(value - 25);
