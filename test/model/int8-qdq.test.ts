/**
 * The QDQ rewrite (app/model/int8/qdq.ts) on a hand-built backbone that has what imported backbones may have: a
 * weight two convolutions share, a ReLU6 whose output is also a graph output, a grouped convolution that is not
 * depthwise, and a channel whose weights are near zero. The rewritten model must load in ONNX Runtime and compute what the float model
 * computes, to within rounding.
 */
import onnxProto from 'onnx-proto';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../app/core/mulberry32.js';
import { planInt8, quantizeInt8, type Range, withTensorOutputs } from '../../app/model/int8/qdq.js';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const rnd = mulberry32(11);
const values = (n: number, scale = 0.5) => Float32Array.from({ length: n }, () => (rnd() * 2 - 1) * scale);
const init = (name: string, dims: number[], data: Float32Array) => ({ name, dims, dataType: FLOAT, rawData: new Uint8Array(data.buffer.slice(0)) });
const conv = (name: string, x: string, w: string, y: string, extra: { bias?: string; group?: number; pads?: boolean } = {}) => ({
  opType: 'Conv',
  name,
  input: [x, w, ...(extra.bias ? [extra.bias] : [])],
  output: [y],
  attribute: [
    ...(extra.group ? [{ name: 'group', type: onnx.AttributeProto.AttributeType.INT, i: extra.group }] : []),
    ...(extra.pads ? [{ name: 'pads', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 1, 1, 1] }] : []),
  ],
});

function model(): onnxProto.onnx.ModelProto {
  const vi = (name: string) => ({ name, type: { tensorType: { elemType: FLOAT } } });
  return onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'backbone',
      node: [
        conv('backbone/s1', 'x', 'ws1', 's1'),
        conv('backbone/s2', 's1', 'ws2', 's2'),
        conv('backbone/s3', 's2', 'ws3', 's3'),
        conv('backbone/c', 's3', 'wa', 'a', { bias: 'ba' }),
        { opType: 'Clip', name: 'backbone/clip', input: ['a', 'lo', 'hi'], output: ['r'] },
        conv('backbone/g', 'r', 'wb', 'b', { group: 2, pads: true }),
        conv('backbone/e', 'b', 'wshared', 'c'),
        conv('backbone/f', 'c', 'wshared', 'y'),
      ],
      initializer: [
        ...['ws1', 'ws2', 'ws3', 'wa', 'wshared'].map((n) => init(n, [4, 4, 1, 1], values(16))),
        init('ba', [4], values(4, 0.1)),
        init('wb', [4, 2, 3, 3], values(72)),
        init('lo', [], Float32Array.of(0)),
        init('hi', [], Float32Array.of(6)),
      ],
      input: [{ name: 'x', type: { tensorType: { elemType: FLOAT, shape: { dim: [1, 4, 8, 8].map((d) => ({ dimValue: d })) } } } }],
      output: [vi('r'), vi('y')],
    },
  });
}

const encode = (m: onnxProto.onnx.ModelProto) => onnx.ModelProto.encode(m).finish();
const input = () => new ort.Tensor('float32', Float32Array.from({ length: 4 * 64 }, () => rnd() * 4), [1, 4, 8, 8]);

async function run(bytes: Uint8Array, x: ort.Tensor, fetch: string[]): Promise<Record<string, Float32Array>> {
  const s = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  try {
    const out = await s.run({ x }, fetch);
    return Object.fromEntries(fetch.map((f) => [f, out[f]!.data as Float32Array]));
  } finally {
    await s.release();
  }
}

describe('the int8 rewrite of an unusual backbone', () => {
  it('skips shared weights, keeps a ReLU6 that is a graph output, and still computes the float model', async () => {
    const m = model();
    const plan = planInt8(m);
    // The stem (s1–s3) stays float and the two convs sharing `wshared` are skipped.
    expect(plan.convs.map((c) => c.weight)).toEqual(['wa', 'wb']);
    expect(plan.convs[0]!.clip).toBeNull(); // r is a graph output: folding would hand it the unclipped values
    const x = input();
    const probe = await run(encode(withTensorOutputs(m, plan.tensors)), x, [...plan.tensors]);
    const ranges = new Map<string, Range>(plan.tensors.map((t) => [t, { min: Math.min(...probe[t]!), max: Math.max(...probe[t]!) }]));
    const q = quantizeInt8(m, plan, ranges);
    // One weight DQ per quantized conv, each reading its own int8 weights.
    expect(q.graph!.node!.filter((n) => n.opType === 'DequantizeLinear' && n.name!.endsWith('/dq_w')).map((n) => n.input![0])).toEqual(['wa/q', 'wb/q']);
    const f = await run(encode(m), x, ['r', 'y']);
    const i8 = await run(encode(q), x, ['r', 'y']);
    const worst = (a: Float32Array, b: Float32Array) => a.reduce((w, v, i) => Math.max(w, Math.abs(v - b[i]!)), 0);
    const span = (a: Float32Array) => Math.max(...a) - Math.min(...a);
    expect(Math.min(...i8.r!)).toBeGreaterThanOrEqual(0);
    expect(worst(i8.r!, f.r!)).toBeLessThan(0.05 * span(f.r!));
    expect(worst(i8.y!, f.y!)).toBeLessThan(0.1 * span(f.y!));
  });

  it('gives a grouped convolution that is not depthwise 7-bit weights, as a GEMM', () => {
    const m = model();
    const plan = planInt8(m);
    const ranges = new Map<string, Range>(plan.tensors.map((t) => [t, { min: -4, max: 4 }]));
    const q = quantizeInt8(m, plan, ranges);
    const w = q.graph!.initializer!.find((t) => t.name === 'wb/q')!;
    const ints = new Int8Array(Uint8Array.from(w.rawData!).buffer);
    expect(Math.max(...Array.from(ints, Math.abs))).toBe(63);
  });

  it('keeps a near-zero weight channel’s bias in range instead of wrapping it', () => {
    const m = model();
    const wa = m.graph!.initializer!.find((t) => t.name === 'wa')!;
    const w = values(16);
    w.fill(1e-9, 0, 4); // output channel 0: weights near zero, bias not
    wa.rawData = new Uint8Array(w.buffer.slice(0));
    const plan = planInt8(m);
    const q = quantizeInt8(m, plan, new Map(plan.tensors.map((t) => [t, { min: 0, max: 2 }])));
    const get = (n: string) => q.graph!.initializer!.find((t) => t.name === n)!;
    const bq = new Int32Array(Uint8Array.from(get('ba/q').rawData!).buffer);
    const bs = new Float32Array(Uint8Array.from(get('ba/scale').rawData!).buffer);
    const ba = new Float32Array(Uint8Array.from(m.graph!.initializer!.find((t) => t.name === 'ba')!.rawData!).buffer);
    // Each bias is stored to within one of its steps (a wrapped int32 would be far off, even in sign).
    for (let c = 0; c < 4; c++) expect(Math.abs(bq[c]! * bs[c]! - ba[c]!)).toBeLessThanOrEqual(bs[c]!);
  });
});
