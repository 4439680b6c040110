/**
 * FastFlow's 2D flow (arXiv 2111.07677) on one backbone tap, built with app/graph:
 *   x (N, C, H, W) → LayerNorm over [C, H, W] (trainable) → K steps of
 *   [affine coupling on channel halves (subnet Conv(k)–ReLU–Conv(k), soft clamp) → fixed channel permutation]
 *   → z (N, C, H, W), plus the per-position log|det J| (N, H, W) of the coupling steps.
 * Parameter names are stable (`t<i>.ln.scale`, `t<i>.s<k>.conv1.w`, …) so trained values map onto every graph
 * built from the same config (training, validation scoring, export). Init is seeded: same seed → same model.
 */
import { Add, Concat, Conv, Exp, Gather, LayerNormalization, Mul, ReduceSum, Relu, Split, Tanh, type Graph, type Tensor } from '../../graph/index.js';
import type { FlowConfig, TapShape } from './config.js';
import { POSITION_CHANNELS } from './position.js';
import { gaussian, permutation, seededRandom, subSeed } from './random.js';

export interface FlowOutput {
  /** (N, C, H, W) latent. */
  readonly z: Tensor;
  /** (N, H, W) Σ over steps and channels of the coupling log-scales. */
  readonly logDet: Tensor;
}

/** Per-step kernel size: 3 everywhere, or alternating 3 and 1. */
export function kernelOf(config: FlowConfig, step: number): number {
  return config.kernels === '3-1' && step % 2 === 1 ? 1 : 3;
}

export function hiddenChannels(config: FlowConfig, tap: TapShape): number {
  return Math.max(1, Math.round(tap.channels * config.hiddenRatio));
}

/** Number of trainable values of the flow heads (LayerNorms + couplings) for these taps. */
export function flowParamCount(config: FlowConfig, taps: readonly TapShape[], position = false): number {
  const extra = position ? POSITION_CHANNELS : 0;
  let n = 0;
  for (const tap of taps) {
    const c = tap.channels;
    const c1 = Math.floor(c / 2);
    const c2 = c - c1;
    const h = hiddenChannels(config, tap);
    n += 2 * c * tap.height * tap.width;
    for (let k = 0; k < config.steps; k++) {
      const ks = kernelOf(config, k) ** 2;
      n += h * (c1 + extra) * ks + h + 2 * c2 * h * ks + 2 * c2;
    }
  }
  return n;
}

/** Builds the flow for tap `index` on features `x`; creates its trainable params on the graph. */
/** Where a flow gets its params: new ones on the graph, or existing ones of the same name (a twin pass). */
export type ParamSource = (name: string, shape: readonly number[], init: ArrayLike<number> | number) => Tensor;

/** Reuses params already on the graph (the synthesized twin runs through the same flow as its clean image). */
export function sharedParams(g: Graph): ParamSource {
  return (name, shape, init) => g.params.find((p) => p.name === name) ?? g.param(name, shape, init);
}

/**
 * `pos` (N, 2, H, W), when given (app/model/flow/position.ts), conditions every coupling subnet on the cells'
 * position: subnet input = Concat(x1, pos), so conv1's weight has 2 more input channels; z and logDet keep their
 * shapes. Without it the graph is exactly the unconditioned one.
 */
export function buildTapFlow(g: Graph, x: Tensor, index: number, tap: TapShape, config: FlowConfig, seed: number, param: ParamSource = g.param.bind(g), pos?: Tensor): FlowOutput {
  const [, c, h, w] = x.shape;
  if (c !== tap.channels || h !== tap.height || w !== tap.width) {
    throw new Error(`flow t${index}: features (${x.shape.join(', ')}) do not match tap ${tap.name} (${tap.channels}, ${tap.height}, ${tap.width})`);
  }
  if (c < 2) throw new Error(`flow t${index}: tap ${tap.name} has ${c} channel; a coupling needs at least 2`);
  if (pos && (pos.shape[0] !== x.shape[0] || pos.shape[1] !== POSITION_CHANNELS || pos.shape[2] !== h || pos.shape[3] !== w)) {
    throw new Error(`flow t${index}: position grid (${pos.shape.join(', ')}) does not match features (${x.shape.join(', ')})`);
  }
  const p = `t${index}`;
  const lnScale = param(`${p}.ln.scale`, [c, h, w], 1);
  const lnBias = param(`${p}.ln.bias`, [c, h, w], 0);
  let y = LayerNormalization(x, lnScale, lnBias, { axis: 1 });

  const c1 = Math.floor(c / 2);
  const c2 = c - c1;
  const hidden = hiddenChannels(config, tap);
  const cin = pos ? c1 + POSITION_CHANNELS : c1;
  let logDet: Tensor | undefined;
  for (let k = 0; k < config.steps; k++) {
    const rand = seededRandom(subSeed(seed, `${p}.s${k}`));
    const ks = kernelOf(config, k);
    const pad = (ks - 1) / 2;
    const q = `${p}.s${k}`;
    // He init on the first conv; the last conv starts at zero so every step starts as the identity (stable start).
    const w1 = param(`${q}.conv1.w`, [hidden, cin, ks, ks], gaussian(rand, hidden * cin * ks * ks, Math.sqrt(2 / (cin * ks * ks))));
    const b1 = param(`${q}.conv1.b`, [hidden], 0);
    const w2 = param(`${q}.conv2.w`, [2 * c2, hidden, ks, ks], 0);
    const b2 = param(`${q}.conv2.b`, [2 * c2], 0);
    const [x1, x2] = Split(y, [c1, c2], 1);
    const st = Conv(Relu(Conv(pos ? Concat([x1, pos], 1) : x1, w1, b1, { pad })), w2, b2, { pad });
    const [sRaw, t] = Split(st, [c2, c2], 1);
    const s = Mul(Tanh(Mul(sRaw, 1 / config.clamp)), config.clamp);
    const y2 = Add(Mul(x2, Exp(s)), t);
    y = Gather(Concat([x1, y2], 1), permutation(rand, c), 1);
    const ld = ReduceSum(s, [1], false);
    logDet = logDet ? Add(logDet, ld) : ld;
  }
  return { z: y, logDet: logDet! };
}
