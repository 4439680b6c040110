/**
 * Keras MobileNetV2 layers → an ONNX feature extractor, built with app/graph.
 *
 * - Input `image` (N, 3, H, W) RGB in [0, 255]; the graph applies MobileNetV2's x / 127.5 − 1.
 * - Kernels reordered from Keras HWIO to ONNX OIHW (depthwise H W C 1 → C 1 H W, group = C).
 * - Each BatchNormalization that directly follows a convolution is folded into it, in float64:
 *   W' = W · γ/√(σ²+ε) per output channel, b' = β − μ · γ/√(σ²+ε).
 * - ZeroPadding2D before a "valid" convolution becomes that Conv's pads (Keras pads stride-2 blocks
 *   asymmetrically: one row/column at the bottom/right only). "same" with stride 1 is symmetric (k − 1) / 2.
 * - ReLU with max_value 6 becomes Clip(0, 6).
 * - The taps are graph outputs; N, H and W are made symbolic after serialization (every op here is size-agnostic:
 *   pads are explicit, there is no Reshape), so one file serves every batch and image size.
 */
import onnxProto from 'onnx-proto';
import { Add, Clip, Concat, Conv, Div, Graph, Pad, Relu, Sub, type Tensor, int, ints, toModelProto } from '../../app/graph/index.js';
import { mulberry32 } from '../../app/core/mulberry32.js';
import type { KerasLayer, KerasWeight, MobileNetV2Source } from './source.js';

const { onnx } = onnxProto;

export interface TapSpec {
  readonly name: string;
  /** Channels of the tap as the backbone outputs it (after `projection`, when there is one). */
  readonly channels: number;
  readonly stride: number;
  /**
   * Optional fixed reduction of a wide layer (InceptionV3's 288 / 768 channels), emitted after the layer:
   * `pool` — a k × k average over each position's neighbourhood (PatchCore's local aggregation: a patch is described
   * with its surroundings, which steadies stochastic textures); `seed` — a seeded Gaussian random projection to
   * `channels` (1 × 1 convolution, N(0, 1 / C_in)), which keeps distances between feature vectors nearly intact
   * (Johnson–Lindenstrauss, as PaDiM's random channel selection) while the flows behind it get 3–8× cheaper.
   */
  readonly projection?: { readonly pool: number; readonly seed: number };
}

/** A standard-normal sample from a uniform generator (Box–Muller). */
function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

function reduceTap(g: Graph, x: Tensor, tap: TapSpec): Tensor {
  if (!tap.projection) return x;
  const { pool, seed } = tap.projection;
  const [n, cin, h, w] = x.shape;
  let y = x;
  if (pool > 1) {
    const p = (pool - 1) / 2;
    if (!Number.isInteger(p)) throw new Error(`keras: tap ${tap.name}: pool ${pool} must be odd`);
    const attrs = { kernel_shape: ints([pool, pool]), strides: ints([1, 1]), pads: ints([p, p, p, p]), count_include_pad: int(0) };
    y = g.addNode('AveragePool', [x], [{ shape: [n, cin, h, w], dtype: x.dtype }], attrs, { differentiable: false })[0]!;
  }
  const rand = mulberry32(seed);
  const weights = new Float32Array(tap.channels * cin);
  for (let i = 0; i < weights.length; i++) weights[i] = gaussian(rand) / Math.sqrt(cin);
  const k = g.constant(weights, [tap.channels, cin, 1, 1], 'float32', `${tap.name}/projection`);
  return Conv(y, k);
}

/** A convolution not yet emitted, so a following BatchNormalization can be folded into it. */
interface PendingConv {
  readonly kind: 'conv';
  readonly input: Tensor;
  /** OIHW, float64. */
  readonly weight: Float64Array;
  readonly shape: [number, number, number, number];
  readonly bias: Float64Array;
  readonly stride: [number, number];
  readonly pads: [number, number, number, number];
  readonly group: number;
  readonly layer: string;
}

/** A ZeroPadding2D not yet emitted, so the next convolution can absorb it. pads = [top, left, bottom, right]. */
interface PendingPad {
  readonly kind: 'pad';
  readonly input: Tensor;
  readonly pads: [number, number, number, number];
  readonly layer: string;
}

type Value = Tensor | PendingConv | PendingPad;

function weight(weights: ReadonlyMap<string, KerasWeight>, name: string): KerasWeight {
  const w = weights.get(name);
  if (!w) throw new Error(`mobilenetv2: missing weight ${name}`);
  return w;
}

/** Emitted tensors of pending values, so a value with several consumers is emitted once. */
const emitted = new WeakMap<PendingConv | PendingPad, Tensor>();

function materialize(g: Graph, v: Value): Tensor {
  if (!isPending(v)) return v;
  let t = emitted.get(v);
  if (t) return t;
  if (v.kind === 'pad') {
    const [top, l, b, r] = v.pads;
    t = Pad(v.input, [0, 0, top, l, 0, 0, b, r]);
  } else {
    const w = g.constant(Float32Array.from(v.weight), v.shape, 'float32', `${v.layer}/weight`);
    const b = g.constant(Float32Array.from(v.bias), [v.shape[0]], 'float32', `${v.layer}/bias`);
    t = Conv(v.input, w, b, { stride: v.stride, pad: v.pads, group: v.group });
  }
  emitted.set(v, t);
  return t;
}

function isPending(v: Value): v is PendingConv | PendingPad {
  return typeof v === 'object' && v !== null && 'kind' in v && ((v as PendingConv).kind === 'conv' || (v as PendingPad).kind === 'pad');
}

/**
 * How "valid" and strided "same" padding are converted. `keras`: exactly as Keras computes (MobileNetV2 needs no
 * more). `size-preserving`: every odd k × k layer pads (k − 1) / 2 on each side, so a layer of stride s maps H to
 * H / s exactly and every tap is (H / stride, W / stride) as the backbone contract requires. InceptionV3's stem uses
 * "valid" convolutions that would shrink 256 to 29 at stride 8; with this policy it gives 32, at the cost of
 * border pixels the network saw unpadded in training.
 */
export type PaddingPolicy = 'keras' | 'size-preserving';

function centredPads(kh: number, kw: number, what: string): [number, number, number, number] {
  if (kh % 2 === 0 || kw % 2 === 0) throw new Error(`keras: ${what}: an even kernel cannot be padded symmetrically`);
  return [(kh - 1) / 2, (kw - 1) / 2, (kh - 1) / 2, (kw - 1) / 2];
}

function convLayer(layer: KerasLayer, input: Value, weights: ReadonlyMap<string, KerasWeight>, g: Graph, policy: PaddingPolicy = 'keras'): PendingConv {
  const cfg = layer.config as Record<string, any>;
  const depthwise = layer.className === 'DepthwiseConv2D';
  if ((cfg.dilation_rate as number[]).some((d) => d !== 1)) throw new Error(`mobilenetv2: ${layer.name}: dilation is not supported`);
  if (cfg.activation !== 'linear') throw new Error(`mobilenetv2: ${layer.name}: fused activation ${cfg.activation} is not supported`);
  if (depthwise && cfg.depth_multiplier !== 1) throw new Error(`mobilenetv2: ${layer.name}: depth_multiplier ${cfg.depth_multiplier} is not supported`);
  const [kh, kw] = cfg.kernel_size as [number, number];
  const stride = [...(cfg.strides as [number, number])] as [number, number];

  let pads: [number, number, number, number] = [0, 0, 0, 0];
  let x: Tensor;
  if (isPending(input) && input.kind === 'pad') {
    if (cfg.padding !== 'valid') throw new Error(`mobilenetv2: ${layer.name}: ZeroPadding2D before a "${cfg.padding}" convolution`);
    pads = input.pads;
    x = input.input;
  } else {
    x = materialize(g, input);
    if (policy === 'size-preserving') {
      pads = centredPads(kh, kw, layer.name);
    } else if (cfg.padding === 'same') {
      if (stride.some((s) => s !== 1) || kh % 2 === 0 || kw % 2 === 0) {
        throw new Error(`mobilenetv2: ${layer.name}: "same" padding with stride ${stride} or even kernel depends on the input size`);
      }
      pads = [(kh - 1) / 2, (kw - 1) / 2, (kh - 1) / 2, (kw - 1) / 2];
    } else if (cfg.padding !== 'valid') throw new Error(`mobilenetv2: ${layer.name}: padding ${cfg.padding}`);
  }

  const k = weight(weights, `${layer.name}/${depthwise ? 'depthwise_kernel' : 'kernel'}`);
  const cin = x.shape[1];
  const cout = depthwise ? cin : (cfg.filters as number);
  const cinPerGroup = depthwise ? 1 : cin;
  const expected = depthwise ? [kh, kw, cin, 1] : [kh, kw, cin, cout];
  if (k.shape.join() !== expected.join()) throw new Error(`mobilenetv2: ${layer.name}: kernel shape ${k.shape} ≠ ${expected}`);
  const w = new Float64Array(cout * cinPerGroup * kh * kw);
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      for (let ci = 0; ci < cinPerGroup; ci++) {
        for (let co = 0; co < cout; co++) {
          // HWIO (depthwise: H W C 1, where the "in" index is the channel) → OIHW
          const src = depthwise ? (ky * kw + kx) * cin + co : ((ky * kw + kx) * cin + ci) * cout + co;
          w[((co * cinPerGroup + ci) * kh + ky) * kw + kx] = k.data[src];
        }
      }
    }
  }
  const bias = cfg.use_bias ? Float64Array.from(weight(weights, `${layer.name}/bias`).data) : new Float64Array(cout);
  return { kind: 'conv', input: x, weight: w, shape: [cout, cinPerGroup, kh, kw], bias, stride, pads, group: depthwise ? cin : 1, layer: layer.name };
}

function foldBatchNorm(layer: KerasLayer, conv: PendingConv, weights: ReadonlyMap<string, KerasWeight>): PendingConv {
  const cfg = layer.config as Record<string, any>;
  if (cfg.axis !== -1 && cfg.axis !== 3) throw new Error(`mobilenetv2: ${layer.name}: BatchNormalization axis ${cfg.axis}`);
  const cout = conv.shape[0];
  const mean = weight(weights, `${layer.name}/moving_mean`).data;
  const variance = weight(weights, `${layer.name}/moving_variance`).data;
  const gamma = cfg.scale ? weight(weights, `${layer.name}/gamma`).data : null;
  const beta = cfg.center ? weight(weights, `${layer.name}/beta`).data : null;
  const per = conv.weight.length / cout;
  const w = new Float64Array(conv.weight.length);
  const bias = new Float64Array(cout);
  for (let c = 0; c < cout; c++) {
    const scale = (gamma ? gamma[c] : 1) / Math.sqrt(variance[c] + cfg.epsilon);
    for (let i = 0; i < per; i++) w[c * per + i] = conv.weight[c * per + i] * scale;
    bias[c] = (conv.bias[c] - mean[c]) * scale + (beta ? beta[c] : 0);
  }
  return { ...conv, weight: w, bias, layer: conv.layer };
}

/**
 * Builds the feature extractor. `buildShape` is the static (N, 3, H, W) the builder checks shapes with; the
 * serialized model has symbolic N, H, W.
 */
export function convertMobileNetV2(
  source: MobileNetV2Source,
  taps: readonly TapSpec[],
  options: { buildShape?: [number, number, number, number]; metadata?: Record<string, string> } = {},
): onnxProto.onnx.ModelProto {
  return convertKeras(source, taps, { ...options, name: 'mobilenetv2-imagenet', docString: 'Flowspect built-in backbone: MobileNetV2 ImageNet features (weights: nsfwjs, MIT).' });
}

export interface KerasConvertOptions {
  readonly name: string;
  readonly docString: string;
  readonly buildShape?: [number, number, number, number];
  readonly metadata?: Record<string, string>;
  readonly padding?: PaddingPolicy;
  /** The graph applies `x / inputScale − 1` to the [0, 255] image (127.5 for both nsfwjs networks). */
  readonly inputScale?: number;
}

/** A MaxPooling2D / AveragePooling2D layer as an ONNX pooling node (frozen: no gradient is ever taken). */
function poolLayer(layer: KerasLayer, x: Tensor, g: Graph, policy: PaddingPolicy): Tensor {
  const cfg = layer.config as Record<string, any>;
  const [kh, kw] = cfg.pool_size as [number, number];
  const [sh, sw] = cfg.strides as [number, number];
  let pads: [number, number, number, number] = [0, 0, 0, 0];
  if (policy === 'size-preserving') pads = centredPads(kh, kw, layer.name);
  else if (cfg.padding === 'same') {
    if (sh !== 1 || sw !== 1) throw new Error(`keras: ${layer.name}: strided "same" pooling depends on the input size`);
    pads = centredPads(kh, kw, layer.name);
  } else if (cfg.padding !== 'valid') throw new Error(`keras: ${layer.name}: padding ${cfg.padding}`);
  const [n, c, h, w] = x.shape;
  const shape = [n, c, Math.floor((h + pads[0] + pads[2] - kh) / sh) + 1, Math.floor((w + pads[1] + pads[3] - kw) / sw) + 1];
  const average = layer.className === 'AveragePooling2D';
  // Keras averages over the window's real pixels only ("same" never counts the zero padding).
  const attrs = { kernel_shape: ints([kh, kw]), strides: ints([sh, sw]), pads: ints(pads), ...(average ? { count_include_pad: int(0) } : {}) };
  return g.addNode(average ? 'AveragePool' : 'MaxPool', [x], [{ shape, dtype: x.dtype }], attrs, { differentiable: false })[0]!;
}

/**
 * Builds a feature extractor from Keras layers (Conv2D, DepthwiseConv2D, BatchNormalization folded into them,
 * ReLU / Activation('relu'), ZeroPadding2D, Add, Concatenate, Max/AveragePooling2D). `buildShape` is the static
 * (N, 3, H, W) the builder checks shapes with; the serialized model has symbolic N, H, W.
 */
export function convertKeras(source: MobileNetV2Source, taps: readonly TapSpec[], options: KerasConvertOptions): onnxProto.onnx.ModelProto {
  const buildShape = options.buildShape ?? [1, 3, 256, 256];
  const policy = options.padding ?? 'keras';
  const g = new Graph({ name: options.name });
  const image = g.input('image', buildShape);
  const values = new Map<string, Value>();
  const consumers = new Map<string, number>();
  for (const l of source.layers) for (const i of l.inbound) consumers.set(i, (consumers.get(i) ?? 0) + 1);

  for (const layer of source.layers) {
    const cfg = layer.config as Record<string, any>;
    const inputs = layer.inbound.map((n) => {
      const v = values.get(n);
      if (!v) throw new Error(`mobilenetv2: ${layer.name}: input ${n} not computed`);
      return v;
    });
    let out: Value;
    switch (layer.className) {
      case 'InputLayer':
        out = Sub(Div(image, options.inputScale ?? 127.5), 1);
        break;
      case 'ZeroPadding2D': {
        const [[t, b], [l, r]] = cfg.padding as [[number, number], [number, number]];
        out = { kind: 'pad', input: materialize(g, inputs[0]), pads: [t, l, b, r], layer: layer.name };
        break;
      }
      case 'Conv2D':
      case 'DepthwiseConv2D':
        out = convLayer(layer, inputs[0], source.weights, g, policy);
        break;
      case 'BatchNormalization': {
        const src = inputs[0];
        // Fold only when the convolution feeds nothing else (its unnormalised output is not needed).
        if (isPending(src) && src.kind === 'conv' && consumers.get(layer.inbound[0]) === 1) out = foldBatchNorm(layer, src, source.weights);
        else throw new Error(`mobilenetv2: ${layer.name}: BatchNormalization not after a convolution is not supported`);
        break;
      }
      case 'ReLU': {
        if ((cfg.negative_slope ?? 0) !== 0 || (cfg.threshold ?? 0) !== 0) throw new Error(`mobilenetv2: ${layer.name}: leaky/threshold ReLU`);
        const x = materialize(g, inputs[0]);
        out = cfg.max_value == null ? Relu(x) : Clip(x, 0, cfg.max_value as number);
        break;
      }
      case 'Activation':
        if (cfg.activation !== 'relu') throw new Error(`keras: ${layer.name}: activation ${cfg.activation} is not supported`);
        out = Relu(materialize(g, inputs[0]));
        break;
      case 'MaxPooling2D':
      case 'AveragePooling2D':
        out = poolLayer(layer, materialize(g, inputs[0]), g, policy);
        break;
      case 'Concatenate':
        if (cfg.axis !== -1 && cfg.axis !== 3) throw new Error(`keras: ${layer.name}: Concatenate axis ${cfg.axis}`);
        out = Concat(inputs.map((v) => materialize(g, v)), 1);
        break;
      case 'Add':
        out = inputs.map((v) => materialize(g, v)).reduce((a, b) => Add(a, b));
        break;
      default:
        throw new Error(`mobilenetv2: layer ${layer.name} of class ${layer.className} is not supported`);
    }
    values.set(layer.name, out);
  }

  for (const tap of taps) {
    const v = values.get(tap.name);
    if (!v) throw new Error(`mobilenetv2: tap ${tap.name} is not a layer up to ${source.layers[source.layers.length - 1].name}`);
    const t = g.output(tap.name, reduceTap(g, materialize(g, v), tap));
    const [, c, h, w] = t.shape;
    if (c !== tap.channels || h * tap.stride !== buildShape[2] || w * tap.stride !== buildShape[3]) {
      throw new Error(`mobilenetv2: tap ${tap.name} is (${t.shape}) at input (${buildShape}); manifest says ${tap.channels} channels, stride ${tap.stride}`);
    }
  }

  const model = toModelProto(g, { metadata: options.metadata, docString: options.docString });
  symbolicDims(model, taps);
  return model;
}

function dims(values: (number | string)[]): onnxProto.onnx.ITensorShapeProto {
  return { dim: values.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) };
}

/** Batch and spatial dims become symbolic so the one file serves any (N, H, W) with H, W multiples of 16. */
function symbolicDims(model: onnxProto.onnx.ModelProto, taps: readonly TapSpec[]): void {
  const g = model.graph!;
  for (const input of g.input ?? []) input.type!.tensorType!.shape = onnx.TensorShapeProto.create(dims(['N', 3, 'H', 'W']));
  for (const output of g.output ?? []) {
    const tap = taps.find((t) => t.name === output.name)!;
    output.type!.tensorType!.shape = onnx.TensorShapeProto.create(dims(['N', tap.channels, `H/${tap.stride}`, `W/${tap.stride}`]));
  }
  g.valueInfo = [];
}
