/**
 * Every op's gradient rule against central finite differences, in float64 (relative error ≤ 1e-6), on small random
 * shapes including odd sizes, stride 2 and groups. Each case builds y from trainable params; the check uses
 * loss = Σ y·R for a fixed random R.
 */
import { describe, expect, test } from 'vitest';
import {
  Abs, Add, Clip, Concat, Conv, Div, Exp, Expand, Gather, type Graph, LayerNormalization, Log, LogSoftmax, MatMul,
  Flatten, Mul, Neg, Pad, Pow, ReduceMax, ReduceMean, ReduceSum, Relu, Reshape, Resize, Sigmoid, Slice, Softmax, Split,
  Sqrt, Sub, Tanh, type Tensor, Transpose, Where, cosineSimilarity, crossEntropy, hinge, Greater, Unsqueeze,
} from '../../app/graph/index.js';
import { gradCheck, randoms, rparam, sizeOf } from './helpers.js';

type Case = [string, (g: Graph) => { y: Tensor; params: Tensor[] }];

/** A param with values in [0.5, 1.5] (for Log, Sqrt, Div denominators, fractional Pow). */
function positive(g: Graph, name: string, shape: number[], seed: number): Tensor {
  return g.param(name, shape, randoms(sizeOf(shape), seed).map((v) => 1 + 0.5 * v));
}

function convCase(xs: number[], ws: number[], opts: Parameters<typeof Conv>[3], bias = true): Case['1'] {
  return (g) => {
    const x = rparam(g, 'x', xs, 1);
    const w = rparam(g, 'w', ws, 2, 0.5);
    const b = bias ? rparam(g, 'b', [ws[0]], 3) : null;
    return { y: Conv(x, w, b, opts), params: b ? [x, w, b] : [x, w] };
  };
}

const unary = (f: (x: Tensor) => Tensor, pos = false): Case['1'] => (g) => {
  const x = pos ? positive(g, 'x', [3, 5], 1) : rparam(g, 'x', [3, 5], 1, 2);
  return { y: f(x), params: [x] };
};

const binary = (f: (a: Tensor, b: Tensor) => Tensor, bshape: number[], posB = false): Case['1'] => (g) => {
  const a = rparam(g, 'a', [2, 3, 5], 1);
  const b = posB ? positive(g, 'b', bshape, 2) : rparam(g, 'b', bshape, 2);
  return { y: f(a, b), params: [a, b] };
};

const cases: Case[] = [
  ['Conv 3×3 stride 1 pad 1', convCase([2, 3, 5, 7], [4, 3, 3, 3], { pad: 1 })],
  ['Conv 3×3 stride 2 pad 1, odd size', convCase([2, 3, 7, 5], [4, 3, 3, 3], { stride: 2, pad: 1 })],
  ['Conv stride 2 no pad, even size (skipped rows)', convCase([1, 2, 8, 6], [3, 2, 3, 3], { stride: 2 })],
  ['Conv groups 2, asymmetric pad', convCase([2, 4, 5, 5], [6, 2, 3, 3], { pad: [1, 0, 2, 1], group: 2 })],
  ['Conv depthwise stride 2', convCase([2, 4, 7, 7], [4, 1, 3, 3], { stride: 2, pad: 1, group: 4 })],
  ['Conv depthwise ×2 multiplier', convCase([1, 3, 5, 4], [6, 1, 3, 3], { pad: 1, group: 3 })],
  ['Conv 1×1 no bias', convCase([2, 5, 3, 3], [2, 5, 1, 1], {}, false)],
  ['Conv pad larger than kernel', convCase([1, 2, 4, 4], [2, 2, 1, 1], { pad: 2 })],
  ['Relu', unary(Relu)],
  ['Clip (ReLU6-like)', unary((x) => Clip(x, -0.5, 0.7))],
  ['Sigmoid', unary(Sigmoid)],
  ['Tanh', unary(Tanh)],
  ['Exp', unary(Exp)],
  ['Log', unary(Log, true)],
  ['Sqrt', unary(Sqrt, true)],
  ['Abs', unary(Abs)],
  ['Neg', unary(Neg)],
  ['Pow 2', unary((x) => Pow(x, 2))],
  ['Pow 3', unary((x) => Pow(x, 3))],
  ['Pow -0.5', unary((x) => Pow(x, -0.5), true)],
  ['Add broadcast (3, 1)', binary(Add, [3, 1])],
  ['Sub broadcast (5)', binary(Sub, [5])],
  ['Mul broadcast (2, 1, 5)', binary(Mul, [2, 1, 5])],
  ['Div broadcast (1, 3, 1)', binary(Div, [1, 3, 1], true)],
  ['Mul fan-out x·x + relu(x)', unary((x) => Add(Mul(x, x), Relu(x)))],
  ['MatMul batched broadcast', (g) => {
    const a = rparam(g, 'a', [2, 3, 4], 1);
    const b = rparam(g, 'b', [4, 5], 2);
    return { y: MatMul(a, b), params: [a, b] };
  }],
  ['Reshape', unary((x) => Reshape(x, [5, 3]))],
  ['Flatten axis 2', (g) => {
    const x = rparam(g, 'x', [2, 3, 2, 2], 1);
    return { y: Mul(Flatten(x, 2), rparam(g, 'w', [6, 4], 2)), params: [x] };
  }],
  ['Transpose', (g) => {
    const x = rparam(g, 'x', [2, 3, 4], 1);
    return { y: Transpose(x, [2, 0, 1]), params: [x] };
  }],
  ['Slice step 1 / step 2 / step -1', (g) => {
    const x = rparam(g, 'x', [3, 7, 5], 1);
    const a = Slice(x, [1, 0], [3, 4], [0, 2]);
    const b = Slice(x, [1], [7], [1], [2]);
    const c = Slice(x, [-1], [-8], [1], [-1]);
    return { y: Concat([Reshape(a, [-1]), Reshape(b, [-1]), Reshape(c, [-1])], 0), params: [x] };
  }],
  ['Split (unused piece)', (g) => {
    const x = rparam(g, 'x', [2, 7, 3], 1);
    const [p, , r] = Split(x, [2, 3, 2], 1);
    return { y: Mul(p, r), params: [x] };
  }],
  ['Concat', (g) => {
    const a = rparam(g, 'a', [2, 3, 4], 1);
    const b = rparam(g, 'b', [2, 1, 4], 2);
    return { y: Concat([a, b, a], 1), params: [a, b] };
  }],
  ['Gather channel permutation', (g) => {
    const x = rparam(g, 'x', [2, 5, 3, 3], 1);
    return { y: Gather(x, [3, 0, 4, 1, 2], 1), params: [x] };
  }],
  ['Gather subset', (g) => {
    const x = rparam(g, 'x', [6, 3], 1);
    return { y: Gather(x, [5, 1, 2], 0), params: [x] };
  }],
  ['Pad and Expand', (g) => {
    const x = rparam(g, 'x', [2, 1, 3], 1);
    return { y: Pad(Expand(x, [2, 4, 3]), [0, 1, 2, 1, 0, 1]), params: [x] };
  }],
  ['ReduceSum', unary((x) => ReduceSum(x, [1], false))],
  ['ReduceMean keepdims', (g) => {
    const x = rparam(g, 'x', [2, 3, 5], 1);
    return { y: ReduceMean(x, [0, 2], true), params: [x] };
  }],
  ['ReduceMax', unary((x) => ReduceMax(x, [1], false))],
  ['LayerNormalization over (C)', (g) => {
    const x = rparam(g, 'x', [2, 3, 5], 1, 2);
    const s = rparam(g, 's', [5], 2);
    const b = rparam(g, 'b', [5], 3);
    return { y: LayerNormalization(x, s, b), params: [x, s, b] };
  }],
  ['LayerNormalization over (H, W)', (g) => {
    const x = rparam(g, 'x', [2, 3, 4], 1, 2);
    const s = rparam(g, 's', [3, 4], 2);
    const b = rparam(g, 'b', [3, 4], 3);
    return { y: LayerNormalization(x, s, b, { axis: 1, epsilon: 1e-3 }), params: [x, s, b] };
  }],
  ['Softmax', unary((x) => Softmax(x, 1))],
  ['LogSoftmax axis 0', unary((x) => LogSoftmax(x, 0))],
  ['Resize bilinear ×2', (g) => {
    const x = rparam(g, 'x', [1, 2, 3, 5], 1);
    return { y: Resize(x, { scale: 2 }), params: [x] };
  }],
  ['Resize bilinear ×1/2 and nearest ×2', (g) => {
    const x = rparam(g, 'x', [1, 2, 4, 6], 1);
    return { y: Add(Resize(Resize(x, { scale: 0.5 }), { scale: 2, mode: 'nearest' }), x), params: [x] };
  }],
  ['Where and mask multiply', (g) => {
    const a = rparam(g, 'a', [3, 4], 1);
    const b = rparam(g, 'b', [4], 2);
    const mask = g.constant(randoms(12, 9).map((v) => (v > 0 ? 1 : 0)), [3, 4], 'float64');
    return { y: Add(Where(Greater(mask, 0.5), a, b), Mul(a, mask)), params: [a, b] };
  }],
  ['crossEntropy with label smoothing (int labels)', (g) => {
    const logits = rparam(g, 'logits', [4, 3], 1, 2);
    const labels = g.constant([0, 2, 1, 2], [4], 'int64');
    return { y: crossEntropy(logits, labels, { labelSmoothing: 0.1 }), params: [logits] };
  }],
  ['crossEntropy with soft targets, per sample', (g) => {
    const logits = rparam(g, 'logits', [3, 4], 1, 2);
    const t = g.constant([0.1, 0.2, 0.3, 0.4, 1, 0, 0, 0, 0.25, 0.25, 0.25, 0.25], [3, 4], 'float64');
    return { y: crossEntropy(logits, t, { reduction: 'none' }), params: [logits] };
  }],
  ['cosineSimilarity', (g) => {
    const a = rparam(g, 'a', [2, 4, 3], 1);
    const b = rparam(g, 'b', [2, 4, 3], 2);
    return { y: cosineSimilarity(a, b, 1), params: [a, b] };
  }],
  ['hinge with labels', (g) => {
    const s = rparam(g, 's', [6], 1, 2);
    const labels = g.constant([1, -1, 1, -1, 1, -1], [6], 'float64');
    return { y: hinge(s, { labels, margin: 0.5 }), params: [s] };
  }],
  ['per-sample NLL-like sums (lazily broadcast gradients)', (g) => {
    const x = rparam(g, 'x', [3, 2, 4], 1);
    const s = Tanh(Mul(x, 0.5));
    const perSample = Sub(Mul(ReduceSum(Mul(x, x), [1, 2], false), 0.5), ReduceSum(s, [1, 2], false));
    return { y: Add(perSample, ReduceMean(Mul(s, s), undefined, false)), params: [x] };
  }],
  ['Unsqueeze + broadcast unbroadcast chain', (g) => {
    const a = rparam(g, 'a', [3], 1);
    const b = rparam(g, 'b', [2, 1], 2);
    return { y: Mul(Unsqueeze(a, [0]), Tanh(b)), params: [a, b] };
  }],
];

describe('gradient rules vs float64 finite differences', () => {
  test.each(cases)('%s', async (_name, build) => {
    const { worst, perParam } = await gradCheck(build);
    expect(worst, JSON.stringify(perParam)).toBeLessThanOrEqual(1e-6);
  });
});
