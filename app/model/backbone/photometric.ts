/**
 * Photometric normalisation of each image before the backbone (training setting `photometricNorm`): every channel is
 * brought to a fixed mean ('mean': a gain per channel), or to a fixed mean and spread ('mean-std'), computed over the
 * image itself. A part photographed a little brighter, with another white balance or a softer contrast then looks
 * like the training parts, while a local stain or smear still differs from the rest of its own image. The cost: a
 * change of the WHOLE part's brightness or colour is no longer seen (leave it 'none' when that is a defect).
 *
 * Added like the statistics taps (colour-tap.ts): the backbone's ONNX file with these nodes in front, written next
 * to it and hashed like any backbone, so training features, the feature cache and the exported model all see the
 * same normalised image with no special case.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { readBoundedFileSync } from '../../core/bounded-read.js';
import type { BackboneInfo } from '../../core/backbone.js';
import { Add, Div, Graph, Mul, ReduceMean, Sqrt, Sub, type Tensor, toModelProto } from '../../graph/index.js';
import { readBackboneBytes } from './model-file.js';
import { onnx } from './onnx-file.js';

export type PhotometricNorm = 'none' | 'mean' | 'mean-std';
const VERSION = 1;
/** The level every channel is brought to (mid-grey of the backbone's [0, 255] input) and the spread for 'mean-std'. */
const TARGET_MEAN = 118;
const TARGET_STD = 48;

/** (N, 3, H, W) in [0, 255] → the same with each image's channels at the target mean (and spread). */
export function normalisePhotometry(image: Tensor, mode: Exclude<PhotometricNorm, 'none'>): Tensor {
  const mean = ReduceMean(image, [2, 3], true);
  if (mode === 'mean') return Mul(image, Div(TARGET_MEAN, Add(mean, 1)));
  const centred = Sub(image, mean);
  const std = Sqrt(Add(ReduceMean(Mul(centred, centred), [2, 3], true), 1));
  return Add(Mul(centred, Div(TARGET_STD, std)), TARGET_MEAN);
}

/** The backbone with the normalisation in front of every node that reads the image (and so of the statistics taps). */
export function withPhotometricNorm(info: BackboneInfo, mode: PhotometricNorm, outDir: string): BackboneInfo {
  if (mode === 'none') return info;
  const file = path.join(outDir, `${info.name.replace(/[^\w.-]+/g, '_')}.photometric-${mode}${VERSION}.${info.sha256.slice(0, 16)}.onnx`);
  let bytes: Uint8Array | null;
  try {
    bytes = readBoundedFileSync(file, 'backbone');
  } catch {
    bytes = null;
  }
  if (!bytes) {
    bytes = deriveBytes(info, mode);
    writeFileAtomic(file, bytes);
  }
  return { ...info, name: `${info.name}+photometric-${mode}`, sha256: createHash('sha256').update(bytes).digest('hex'), path: path.resolve(file), source: `${info.source} + photometric ${mode} v${VERSION}` };
}

function deriveBytes(info: BackboneInfo, mode: Exclude<PhotometricNorm, 'none'>): Uint8Array {
  const model = onnx.ModelProto.decode(readBackboneBytes(info));
  const graph = model.graph!;
  const input = info.input.name;
  const normalised = 'photometric/image';
  for (const node of graph.node ?? []) node.input = (node.input ?? []).map((n) => (n === input ? normalised : n));
  const g = new Graph({ name: 'photometric' });
  g.output(normalised, normalisePhotometry(g.input(input, [1, 3, 16, 16]), mode));
  const part = toModelProto(g).graph!;
  const rename = (n: string) => (n === input || n === normalised ? n : `photometric/${n}`);
  graph.initializer!.push(...(part.initializer ?? []).map((init) => ({ ...init, name: rename(init.name!) })));
  graph.node!.unshift(...(part.node ?? []).map((node) => ({ ...node, name: rename(node.name ?? ''), input: (node.input ?? []).map(rename), output: (node.output ?? []).map(rename) })));
  return onnx.ModelProto.encode(model).finish();
}
