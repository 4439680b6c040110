/**
 * The three graphs built from one model config (param names shared, so trained values move between them):
 * - training: tap features of clean images (and of their synthesized twins with per-tap masks) → loss terms,
 *   AdamW update of every flow param (one session.run per step; params and moments are carried inputs);
 * - scoring: tap features → anomaly map + score, params as inputs (validation during training);
 * - inference: image (N, 3, H, W) RGB [0, 255] → spliced frozen backbone → flows → map + score, params baked in,
 *   batch dim symbolic. This is the one exported ONNX file. With alignment (app/model/align.ts) the image is first
 *   moved onto the training reference, and the map is moved back so it overlays the image as given.
 */
import { Graph, type InitialValue, type Tensor, adamw, gradients, serialize, toModelProto } from '../../graph/index.js';
import { type AlignReference, alignImage, shiftOutput, unalignMap } from '../align.js';
import { spliceBackbone } from '../backbone/splice.js';
import type { BackboneInfo } from '../../core/backbone.js';
import onnxProto from 'onnx-proto';
import { anomalyMapAndScore } from './anomaly-map.js';
import type { FlowConfig, ObjectiveKind, ObjectiveWeights, TapShape } from './config.js';
import { isPlainFastflow } from './config.js';
import { buildTapFlow, flowParamCount, sharedParams } from './flow.js';
import { positionGrid, tileBoxInput } from './position.js';
import { buildObjective, type LossTerm } from './objective.js';
import { sealContentHash } from '../integrity.js';

export interface ModelSpec {
  readonly taps: readonly TapShape[];
  readonly flow: FlowConfig;
  /** Seeds parameter init and the channel permutations (part of the architecture: keep it with the model). */
  readonly seed: number;
  /** Model input size. */
  readonly height: number;
  readonly width: number;
  /**
   * Conditioned on tile position (`tiling.position`, app/model/flow/position.ts): every graph takes one more input,
   * tile_box (N, 4), the tile's normalised [x0, y0, x1, y1] within the part. Absent/false: graphs as before.
   */
  readonly position?: boolean;
}

export const MAP_OUTPUT = 'anomaly_map';
export const SCORE_OUTPUT = 'score';
export const IMAGE_INPUT = 'image';
/** (N, 2) displacement (x, y) in pixels found by the alignment: aligned(p) = image(p + shift). Aligned models only. */
export const SHIFT_OUTPUT = 'alignment_shift';

/** Per-tap position grids from one tile_box input, or no grids when the model is not position-conditioned. */
function tapPositions(g: Graph, spec: ModelSpec, batch: number): (i: number) => Tensor | undefined {
  if (!spec.position) return () => undefined;
  const box = tileBoxInput(g, batch);
  const grids = spec.taps.map((t) => positionGrid(g, box, t.height, t.width));
  return (i) => grids[i];
}

export const featureInput = (kind: 'clean' | 'synth' | 'masked' | 'keep', i: number): string => `${kind}.t${i}`;

export interface TrainGraph {
  readonly bytes: Uint8Array;
  readonly feedback: Readonly<Record<string, string>>;
  /** Initial values of params and optimizer state (params first). */
  readonly initial: ReadonlyMap<string, InitialValue>;
  readonly paramNames: readonly string[];
  readonly terms: readonly LossTerm[];
  readonly withTwins: boolean;
  readonly batch: number;
}

export interface TrainGraphOptions {
  readonly batch: number;
  readonly objective: ObjectiveKind;
  readonly weights: ObjectiveWeights;
  readonly weightDecay: number;
  readonly clipNorm?: number;
}

/** The training step graph; static shapes, so one graph per (batch, size). Inputs: features, masks, `lr` (scalar). */
export function buildTrainGraph(spec: ModelSpec, o: TrainGraphOptions): TrainGraph {
  const g = new Graph({ name: 'flowspect-train' });
  const withTwins = !isPlainFastflow(o.objective, o.weights);
  const featShape = (t: TapShape) => [o.batch, t.channels, t.height, t.width];
  const pos = tapPositions(g, spec, o.batch);
  const clean = spec.taps.map((t, i) => buildTapFlow(g, g.input(featureInput('clean', i), featShape(t)), i, t, spec.flow, spec.seed, undefined, pos(i)));
  let twins;
  if (withTwins) {
    const synthIn = spec.taps.map((t, i) => g.input(featureInput('synth', i), featShape(t)));
    const masked = spec.taps.map((t, i) => g.input(featureInput('masked', i), [o.batch, t.height, t.width]));
    const keep = spec.taps.map((t, i) => g.input(featureInput('keep', i), [o.batch, t.height, t.width]));
    const synth = spec.taps.map((t, i) => buildTapFlow(g, synthIn[i], i, t, spec.flow, spec.seed, sharedParams(g), pos(i)));
    twins = { synth, masked, keep };
  }
  const lr = g.input('lr', []);
  const objective = buildObjective(g, clean, o.weights, twins);
  const params = g.params.filter((p) => p.requiresGrad);
  const step = adamw(params, gradients(objective.total, params), { lr, weightDecay: o.weightDecay, clipNorm: o.clipNorm });
  g.output('loss', objective.total);
  const terms = Object.keys(objective.terms) as LossTerm[];
  for (const t of terms) g.output(`loss.${t}`, objective.terms[t]!);
  return {
    bytes: serialize(g, { paramsAs: 'inputs', metadata: { kind: 'flowspect-train' } }),
    feedback: step.feedback,
    initial: g.initialValues(),
    paramNames: params.map((p) => p.name),
    terms,
    withTwins,
    batch: o.batch,
  };
}

export interface ScoreGraph {
  readonly bytes: Uint8Array;
  readonly batch: number;
}

/** Features → map + score, params fed as inputs (so one session scores every epoch's params). */
export function buildScoreGraph(spec: ModelSpec, batch: number): ScoreGraph {
  const g = new Graph({ name: 'flowspect-score' });
  const pos = tapPositions(g, spec, batch);
  const zs = spec.taps.map((t, i) => buildTapFlow(g, g.input(featureInput('clean', i), [batch, t.channels, t.height, t.width]), i, t, spec.flow, spec.seed, undefined, pos(i)).z);
  const { map, score } = anomalyMapAndScore(zs, spec.taps, spec.flow);
  g.output(MAP_OUTPUT, map);
  g.output(SCORE_OUTPUT, score);
  return { bytes: serialize(g, { paramsAs: 'inputs' }), batch };
}

export interface InferenceGraphOptions {
  /** Spliced in front of the flows (frozen); its taps in order are spec.taps. */
  readonly backbone: BackboneInfo;
  /** Trained values by param name. */
  readonly params: ReadonlyMap<string, Float32Array>;
  readonly metadata: Readonly<Record<string, string>>;
  /** Align every image onto this reference first (models trained with alignment). */
  readonly align?: AlignReference;
}

/**
 * One self-contained ONNX model: image (N, 3, H, W) RGB in [0, 255] → anomaly_map (N, 1, H, W), score (N), and for
 * aligned models alignment_shift (N, 2). The score is taken before the map is moved back (as during validation).
 * The bytes carry an integrity record with their content hash (app/model/integrity.ts).
 */
export function buildInferenceGraph(spec: ModelSpec, o: InferenceGraphOptions): Uint8Array {
  const g = new Graph({ name: 'flowspect-clflow' });
  const image = g.input(IMAGE_INPUT, [1, 3, spec.height, spec.width]);
  const aligned = o.align ? alignImage(image, o.align) : null;
  const feats = spliceBackbone(g, o.backbone, aligned ? aligned.image : image, undefined, spec.taps.map((t) => t.name));
  const pos = tapPositions(g, spec, 1);
  const zs = spec.taps.map((t, i) => buildTapFlow(g, feats[i], i, t, spec.flow, spec.seed, undefined, pos(i)).z);
  for (const p of g.params) {
    const v = o.params.get(p.name);
    if (!v) throw new Error(`export: no trained value for param "${p.name}"`);
    g.setValue(p, v);
  }
  const { map, score } = anomalyMapAndScore(zs, spec.taps, spec.flow);
  g.output(MAP_OUTPUT, aligned ? unalignMap(map, aligned.shift) : map);
  g.output(SCORE_OUTPUT, score);
  if (aligned) g.output(SHIFT_OUTPUT, shiftOutput(aligned.shift));
  const model = toModelProto(g, { metadata: o.metadata });
  // The graph was built for N = 1; every op in it is batch-agnostic, so declare the batch dim symbolic.
  for (const v of [...(model.graph!.input ?? []), ...(model.graph!.output ?? [])]) {
    const dims = v.type?.tensorType?.shape?.dim;
    if (dims && dims.length > 0) dims[0] = { dimParam: 'N' };
  }
  // Sealed with its content hash now; the reference output is added on first use (app/infer/project-model.ts).
  return sealContentHash(onnxProto.onnx.ModelProto.encode(model).finish());
}

/** Number of trainable flow values (reported with every model). */
export function modelParamCount(spec: ModelSpec): number {
  return flowParamCount(spec.flow, spec.taps, spec.position);
}

/** The freshly initialised param values of a model spec (benchmarks, tests, and the export of an untrained model). */
export function initialParams(spec: ModelSpec): Map<string, Float32Array> {
  const g = new Graph({ name: 'init' });
  const pos = tapPositions(g, spec, 1);
  spec.taps.forEach((t, i) => buildTapFlow(g, g.input(featureInput('clean', i), [1, t.channels, t.height, t.width]), i, t, spec.flow, spec.seed, undefined, pos(i)));
  const out = new Map<string, Float32Array>();
  for (const [name, v] of g.initialValues('params')) out.set(name, v.data as Float32Array);
  return out;
}
