/**
 * A colour-statistics tap next to the backbone's: per 8 × 8 cell, log brightness and two log chroma ratios of the
 * image (log mean, log r/g, log b/g). ImageNet features are built to ignore exactly this — a stain is "the same
 * weave, darker and browner" to them — while a per-position density on these three numbers finds such stains at
 * once (README, "Architecture").
 *
 * It is added as a derived backbone: the backbone's ONNX file plus these few nodes and one more output, written
 * next to the backbone and hashed like any backbone. Feature cache, extraction, tap selection and splicing into the
 * exported model then treat it as one more tap, with no special case anywhere.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { Add, Concat, Conv, Graph, Log, type Tensor, toModelProto } from '../../graph/index.js';
import { readBackboneBytes } from './model-file.js';
import { onnx } from './onnx-file.js';
import type { BackboneInfo, BackboneTap } from '../../core/backbone.js';
import { readBoundedFileSync } from '../../core/bounded-read.js';

export const COLOUR_TAP: BackboneTap = { name: 'colour_s8', channels: 3, stride: 8 };
/** Bumped when the statistics change (the derived file's hash changes with it, so caches do too). */
const COLOUR_VERSION = 1;
/** Added to cell means in [0, 1] before the log: black cells stay finite and noise in dark cells stays small. */
const EPS = 0.02;

/** (N, 3, H, W) RGB in [0, 255] → (N, 3, H / 8, W / 8): log mean, log r/g, log b/g of each cell. */
export function colourStatistics(image: Tensor): Tensor {
  const g = image.graph;
  const s = COLOUR_TAP.stride;
  const cellMean = g.constant(new Array<number>(3 * s * s).fill(1 / (255 * s * s)), [3, 1, s, s]);
  const rgb = Add(Conv(image, cellMean, null, { stride: s, group: 3 }), EPS);
  const grey = Conv(rgb, g.constant([1 / 3, 1 / 3, 1 / 3], [1, 3, 1, 1]));
  const chroma = Conv(Log(rgb), g.constant([1, -1, 0, 0, -1, 1], [2, 3, 1, 1]));
  return Concat([Log(grey), chroma], 1);
}

/** The backbone plus the colour tap, as a file in `outDir` (built once per backbone and version). */
export function withColourTap(info: BackboneInfo, outDir: string): BackboneInfo {
  if (info.taps.some((t) => t.name === COLOUR_TAP.name)) return info;
  const file = path.join(outDir, `${info.name.replace(/[^\w.-]+/g, '_')}.colour${COLOUR_VERSION}.${info.sha256.slice(0, 16)}.onnx`);
  let bytes: Uint8Array | null = null;
  try {
    bytes = readBoundedFileSync(file, 'backbone');
  } catch {
    bytes = null; // missing or unusable: derived again below
  }
  if (!bytes) {
    bytes = deriveBytes(info);
    writeFileAtomic(file, bytes);
  }
  return {
    ...info,
    name: `${info.name}+colour`,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    path: path.resolve(file),
    taps: [...info.taps, { ...COLOUR_TAP }],
    source: `${info.source} + colour statistics v${COLOUR_VERSION}`,
  };
}

function deriveBytes(info: BackboneInfo): Uint8Array {
  const model = onnx.ModelProto.decode(readBackboneBytes(info));
  const graph = model.graph!;
  // The statistics are built at a nominal size; every op in them is size-agnostic, and the output is declared
  // with the backbone's symbolic dims below.
  const g = new Graph({ name: 'colour' });
  g.output(COLOUR_TAP.name, colourStatistics(g.input(info.input.name, [1, 3, 16, 16])));
  const part = toModelProto(g).graph!;
  const rename = (n: string) => (n === info.input.name || n === COLOUR_TAP.name ? n : `colour/${n}`);
  for (const init of part.initializer ?? []) graph.initializer!.push({ ...init, name: rename(init.name!) });
  for (const node of part.node ?? []) {
    graph.node!.push({ ...node, name: rename(node.name ?? ''), input: (node.input ?? []).map(rename), output: (node.output ?? []).map(rename) });
  }
  const input = graph.input!.find((v) => v.name === info.input.name);
  const dims = input?.type?.tensorType?.shape?.dim ?? [];
  const sym = (i: number) => (dims[i]?.dimParam ? `${dims[i].dimParam}` : dims[i]?.dimValue ? String(dims[i].dimValue) : ['N', '', 'H', 'W'][i]);
  graph.output!.push({
    name: COLOUR_TAP.name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: [{ dimParam: sym(0) }, { dimValue: 3 }, { dimParam: `${sym(2)}/${COLOUR_TAP.stride}` }, { dimParam: `${sym(3)}/${COLOUR_TAP.stride}` }] },
      },
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Applies `colourTap` of the training settings to the backbone a model is built on. */
export function modelBackbone(base: BackboneInfo, colourTap: boolean, outDir: string): BackboneInfo {
  return colourTap ? withColourTap(base, outDir) : base;
}
