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
import { Add, Concat, Conv, Graph, Log, Mul, Relu, Sqrt, Sub, type Tensor, int, ints, toModelProto } from '../../graph/index.js';
import { readBackboneBytes } from './model-file.js';
import { type PhotometricNorm, withPhotometricNorm } from './photometric.js';
import { type ModelProto, onnx } from './onnx-file.js';
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

/**
 * Wide statistics, for what is faint but spread out: a stain of 3 % on gravel is invisible in one 8 × 8 cell, whose
 * mean varies by more than that from stone to stone, but averaging 5 × 5 cells (40 × 40 pixels) shrinks that
 * variation five-fold while the stain's shift stays. Channels: the colour statistics averaged over 5 × 5 cells, the
 * log local contrast (standard deviation of grey within each cell: a smear blurs, which lowers it while the mean
 * stays) and that contrast averaged over 5 × 5 cells. Same stride as the colour tap.
 */
export const WIDE_STATS_TAP: BackboneTap = { name: 'stats_wide_s8', channels: 5, stride: 8 };
const WIDE_VERSION = 1;
const WIDE_CELLS = 5;

function averageCells(x: Tensor, k: number): Tensor {
  const p = (k - 1) / 2;
  const attrs = { kernel_shape: ints([k, k]), strides: ints([1, 1]), pads: ints([p, p, p, p]), count_include_pad: int(0) };
  // Frozen statistics (no gradient is ever taken through the backbone), so a raw pooling node is enough.
  return x.graph.addNode('AveragePool', [x], [{ shape: x.shape, dtype: x.dtype }], attrs, { differentiable: false })[0]!;
}

/** (N, 3, H, W) RGB in [0, 255] → (N, 5, H / 8, W / 8), see WIDE_STATS_TAP. */
export function wideStatistics(image: Tensor): Tensor {
  const g = image.graph;
  const s = WIDE_STATS_TAP.stride;
  const grey = Conv(image, g.constant([1 / 765, 1 / 765, 1 / 765], [1, 3, 1, 1]));
  const cellMean = g.constant(new Array<number>(s * s).fill(1 / (s * s)), [1, 1, s, s]);
  const mean = Conv(grey, cellMean, null, { stride: s });
  const meanSquare = Conv(Mul(grey, grey), cellMean, null, { stride: s });
  const contrast = Log(Add(Sqrt(Add(Relu(Sub(meanSquare, Mul(mean, mean))), 1e-8)), EPS / 4));
  return Concat([averageCells(Concat([colourStatistics(image), contrast], 1), WIDE_CELLS), contrast], 1);
}

/** Which statistics taps a model adds to its backbone (training settings `colourTap` and `wideStats`). */
export interface StatisticsTaps {
  readonly colour: boolean;
  readonly wide: boolean;
}

const STATISTICS = [
  { key: 'colour', tap: COLOUR_TAP, version: COLOUR_VERSION, build: colourStatistics },
  { key: 'wide', tap: WIDE_STATS_TAP, version: WIDE_VERSION, build: wideStatistics },
] as const;

/** The backbone plus the colour tap, as a file in `outDir` (built once per backbone and version). */
export function withColourTap(info: BackboneInfo, outDir: string): BackboneInfo {
  return withStatisticsTaps(info, { colour: true, wide: false }, outDir);
}

/** The backbone plus the chosen statistics taps, as a file in `outDir` (built once per backbone, choice and version). */
export function withStatisticsTaps(info: BackboneInfo, which: StatisticsTaps, outDir: string): BackboneInfo {
  const chosen = STATISTICS.filter((st) => which[st.key] && !info.taps.some((t) => t.name === st.tap.name));
  if (chosen.length === 0) return info;
  // The colour-only file keeps its earlier name, so models and caches made before the wide tap stay valid.
  const suffix = chosen.map((st) => (st.key === 'colour' ? `colour${st.version}` : `${st.key}${st.version}`)).join('.');
  const file = path.join(outDir, `${info.name.replace(/[^\w.-]+/g, '_')}.${suffix}.${info.sha256.slice(0, 16)}.onnx`);
  let bytes: Uint8Array | null = null;
  try {
    bytes = readBoundedFileSync(file, 'backbone');
  } catch {
    bytes = null; // missing or unusable: derived again below
  }
  if (!bytes) {
    bytes = deriveBytes(info, chosen);
    writeFileAtomic(file, bytes);
  }
  return {
    ...info,
    name: `${info.name}+${chosen.map((st) => st.key).join('+')}`,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    path: path.resolve(file),
    taps: [...info.taps, ...chosen.map((st) => ({ ...st.tap }))],
    source: `${info.source}${chosen.map((st) => ` + ${st.key} statistics v${st.version}`).join('')}`,
  };
}

function deriveBytes(info: BackboneInfo, chosen: readonly (typeof STATISTICS)[number][]): Uint8Array {
  const model = onnx.ModelProto.decode(readBackboneBytes(info));
  for (const st of chosen) addStatistics(model, info, st.tap, st.build);
  return onnx.ModelProto.encode(model).finish();
}

function addStatistics(model: ModelProto, info: BackboneInfo, tap: BackboneTap, build: (image: Tensor) => Tensor): void {
  const graph = model.graph!;
  // The statistics are built at a nominal size; every op in them is size-agnostic, and the output is declared
  // with the backbone's symbolic dims below.
  const prefix = tap.name === COLOUR_TAP.name ? 'colour' : tap.name;
  const g = new Graph({ name: prefix });
  g.output(tap.name, build(g.input(info.input.name, [1, 3, 16, 16])));
  const part = toModelProto(g).graph!;
  const rename = (n: string) => (n === info.input.name || n === tap.name ? n : `${prefix}/${n}`);
  for (const init of part.initializer ?? []) graph.initializer!.push({ ...init, name: rename(init.name!) });
  for (const node of part.node ?? []) {
    graph.node!.push({ ...node, name: rename(node.name ?? ''), input: (node.input ?? []).map(rename), output: (node.output ?? []).map(rename) });
  }
  const input = graph.input!.find((v) => v.name === info.input.name);
  const dims = input?.type?.tensorType?.shape?.dim ?? [];
  const sym = (i: number) => (dims[i]?.dimParam ? `${dims[i].dimParam}` : dims[i]?.dimValue ? String(dims[i].dimValue) : ['N', '', 'H', 'W'][i]);
  graph.output!.push({
    name: tap.name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: [{ dimParam: sym(0) }, { dimValue: tap.channels }, { dimParam: `${sym(2)}/${tap.stride}` }, { dimParam: `${sym(3)}/${tap.stride}` }] },
      },
    },
  });
}

/** Applies `colourTap`, `wideStats` and `photometricNorm` of the training settings to the backbone a model is built on. */
export function modelBackbone(base: BackboneInfo, settings: { readonly colourTap?: boolean; readonly wideStats?: boolean; readonly photometricNorm?: PhotometricNorm }, outDir: string): BackboneInfo {
  const tapped = withStatisticsTaps(base, { colour: settings.colourTap ?? false, wide: settings.wideStats ?? false }, outDir);
  return withPhotometricNorm(tapped, settings.photometricNorm ?? 'none', outDir);
}
