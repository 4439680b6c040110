/**
 * Independent float64 reference evaluator of Keras layers (the numerical oracle for the MobileNetV2 converter).
 *
 * Deliberately shares nothing with the converter except the dequantized weights: it walks the Keras layer graph in
 * channels-last layout (N=1, H, W, C), uses the Keras kernels as stored (HWIO, depthwise H W C 1), applies
 * BatchNormalization unfolded and ZeroPadding2D / "same" padding with TensorFlow's rules.
 */
import type { KerasLayer, KerasWeight } from '../../native-models/keras/source.js';

/** A channels-last activation (H, W, C) of one image, float64. */
export interface Hwc {
  h: number;
  w: number;
  c: number;
  data: Float64Array;
}

function weight(weights: ReadonlyMap<string, KerasWeight>, name: string): Float64Array {
  const w = weights.get(name);
  if (!w) throw new Error(`oracle: missing weight ${name}`);
  return w.data;
}

/** TensorFlow "same": total padding max((ceil(in/s) − 1)·s + k − in, 0), the odd pixel goes after. */
function samePads(size: number, k: number, s: number): [number, number] {
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + k - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/**
 * Padding as Keras computes it ('keras'), or the converter's 'size-preserving' policy: (k − 1) / 2 on every side of
 * every window, whatever the layer says (so a stride-s layer maps H to H / s).
 */
export type OraclePadding = 'keras' | 'size-preserving';
let policy: OraclePadding = 'keras';

function windowPads(x: Hwc, k: [number, number], s: [number, number], padding: string): [number, number, number, number] {
  if (policy === 'size-preserving') return [(k[0] - 1) / 2, (k[0] - 1) / 2, (k[1] - 1) / 2, (k[1] - 1) / 2];
  const [pt, pb] = padding === 'same' ? samePads(x.h, k[0], s[0]) : [0, 0];
  const [pl, pr] = padding === 'same' ? samePads(x.w, k[1], s[1]) : [0, 0];
  return [pt, pb, pl, pr];
}

/** Max or average pooling; the average counts only the window's real pixels (TensorFlow's "same" rule). */
function pool(x: Hwc, k: [number, number], s: [number, number], padding: string, average: boolean): Hwc {
  const [pt, pb, pl, pr] = windowPads(x, k, s, padding);
  const oh = Math.floor((x.h + pt + pb - k[0]) / s[0]) + 1;
  const ow = Math.floor((x.w + pl + pr - k[1]) / s[1]) + 1;
  const out = new Float64Array(oh * ow * x.c);
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      for (let c = 0; c < x.c; c++) {
        let acc = average ? 0 : -Infinity;
        let n = 0;
        for (let ky = 0; ky < k[0]; ky++) {
          const iy = oy * s[0] + ky - pt;
          if (iy < 0 || iy >= x.h) continue;
          for (let kx = 0; kx < k[1]; kx++) {
            const ix = ox * s[1] + kx - pl;
            if (ix < 0 || ix >= x.w) continue;
            const v = x.data[(iy * x.w + ix) * x.c + c];
            acc = average ? acc + v : Math.max(acc, v);
            n++;
          }
        }
        out[(oy * ow + ox) * x.c + c] = average ? acc / n : acc;
      }
    }
  }
  return { h: oh, w: ow, c: x.c, data: out };
}

function conv(x: Hwc, kernel: Float64Array, k: [number, number], cout: number, s: [number, number], padding: string, depthwise: boolean): Hwc {
  const [kh, kw] = k;
  const [pt, pb, pl, pr] = windowPads(x, k, s, padding);
  const oh = Math.floor((x.h + pt + pb - kh) / s[0]) + 1;
  const ow = Math.floor((x.w + pl + pr - kw) / s[1]) + 1;
  const out = new Float64Array(oh * ow * cout);
  const acc = new Float64Array(cout);
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      acc.fill(0);
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * s[0] + ky - pt;
        if (iy < 0 || iy >= x.h) continue;
        for (let kx = 0; kx < kw; kx++) {
          const ix = ox * s[1] + kx - pl;
          if (ix < 0 || ix >= x.w) continue;
          const xo = (iy * x.w + ix) * x.c;
          if (depthwise) {
            const ko = (ky * kw + kx) * x.c;
            for (let c = 0; c < x.c; c++) acc[c] += x.data[xo + c] * kernel[ko + c];
          } else {
            for (let ci = 0; ci < x.c; ci++) {
              const v = x.data[xo + ci];
              const ko = ((ky * kw + kx) * x.c + ci) * cout;
              for (let co = 0; co < cout; co++) acc[co] += v * kernel[ko + co];
            }
          }
        }
      }
      out.set(acc, (oy * ow + ox) * cout);
    }
  }
  return { h: oh, w: ow, c: cout, data: out };
}

function evalLayer(layer: KerasLayer, inputs: Hwc[], weights: ReadonlyMap<string, KerasWeight>): Hwc {
  const cfg = layer.config as Record<string, any>;
  const x = inputs[0];
  switch (layer.className) {
    case 'ZeroPadding2D': {
      const [[t, b], [l, r]] = cfg.padding as [[number, number], [number, number]];
      const h = x.h + t + b;
      const w = x.w + l + r;
      const data = new Float64Array(h * w * x.c);
      for (let y = 0; y < x.h; y++) data.set(x.data.subarray(y * x.w * x.c, (y + 1) * x.w * x.c), ((y + t) * w + l) * x.c);
      return { h, w, c: x.c, data };
    }
    case 'Conv2D':
    case 'DepthwiseConv2D': {
      const depthwise = layer.className === 'DepthwiseConv2D';
      if ((cfg.dilation_rate as number[]).some((d) => d !== 1)) throw new Error('oracle: dilation not supported');
      if (depthwise && cfg.depth_multiplier !== 1) throw new Error('oracle: depth_multiplier ≠ 1 not supported');
      if (cfg.activation !== 'linear') throw new Error('oracle: fused activation not supported');
      const kernel = weight(weights, `${layer.name}/${depthwise ? 'depthwise_kernel' : 'kernel'}`);
      const y = conv(x, kernel, cfg.kernel_size, depthwise ? x.c : cfg.filters, cfg.strides, cfg.padding, depthwise);
      if (cfg.use_bias) {
        const bias = weight(weights, `${layer.name}/bias`);
        for (let i = 0; i < y.data.length; i++) y.data[i] += bias[i % y.c];
      }
      return y;
    }
    case 'BatchNormalization': {
      const gamma = cfg.scale ? weight(weights, `${layer.name}/gamma`) : null;
      const beta = cfg.center ? weight(weights, `${layer.name}/beta`) : null;
      const mean = weight(weights, `${layer.name}/moving_mean`);
      const variance = weight(weights, `${layer.name}/moving_variance`);
      const data = new Float64Array(x.data.length);
      for (let i = 0; i < data.length; i++) {
        const c = i % x.c;
        data[i] = ((x.data[i] - mean[c]) / Math.sqrt(variance[c] + cfg.epsilon)) * (gamma ? gamma[c] : 1) + (beta ? beta[c] : 0);
      }
      return { ...x, data };
    }
    case 'ReLU': {
      if ((cfg.negative_slope ?? 0) !== 0 || (cfg.threshold ?? 0) !== 0) throw new Error('oracle: leaky/threshold ReLU not supported');
      const max = cfg.max_value ?? Infinity;
      return { ...x, data: x.data.map((v) => Math.min(Math.max(v, 0), max)) };
    }
    case 'Activation': {
      if (cfg.activation !== 'relu') throw new Error(`oracle: activation ${cfg.activation} not supported`);
      return { ...x, data: x.data.map((v) => Math.max(v, 0)) };
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D':
      return pool(x, cfg.pool_size, cfg.strides, cfg.padding, layer.className === 'AveragePooling2D');
    case 'Concatenate': {
      const c = inputs.reduce((sum, t) => sum + t.c, 0);
      const data = new Float64Array(x.h * x.w * c);
      let offset = 0;
      for (const t of inputs) {
        for (let i = 0; i < x.h * x.w; i++) data.set(t.data.subarray(i * t.c, (i + 1) * t.c), i * c + offset);
        offset += t.c;
      }
      return { h: x.h, w: x.w, c, data };
    }
    case 'Add': {
      const data = new Float64Array(x.data.length);
      for (const input of inputs) for (let i = 0; i < data.length; i++) data[i] += input.data[i];
      return { ...x, data };
    }
    default:
      throw new Error(`oracle: layer class ${layer.className} (${layer.name}) not supported`);
  }
}

/**
 * Runs the layers on one RGB image given channels-last with values in [0, 255], after MobileNetV2's
 * preprocessing x / 127.5 − 1. Returns the activations of the requested layers.
 */
export function evaluateKeras(
  layers: readonly KerasLayer[],
  weights: ReadonlyMap<string, KerasWeight>,
  rgb255: Hwc,
  wanted: readonly string[],
  padding: OraclePadding = 'keras',
): Map<string, Hwc> {
  policy = padding;
  const values = new Map<string, Hwc>();
  const out = new Map<string, Hwc>();
  for (const layer of layers) {
    let value: Hwc;
    if (layer.className === 'InputLayer') value = { ...rgb255, data: rgb255.data.map((v) => v / 127.5 - 1) };
    else value = evalLayer(layer, layer.inbound.map((n) => values.get(n)!), weights);
    values.set(layer.name, value);
    if (wanted.includes(layer.name)) out.set(layer.name, value);
  }
  for (const name of wanted) if (!out.has(name)) throw new Error(`oracle: layer ${name} not reached`);
  return out;
}
