/** A small conv net end to end: float32 gradients vs float64, frozen parts cost nothing, and training fits. */
import { describe, expect, test } from 'vitest';
import {
  Clip, Conv, type FloatDType, Graph, LayerNormalization, Mul, ReduceMean, Relu, Sub, type Tensor, Transpose,
  adam, gradients, serialize,
} from '../../app/graph/index.js';
import { TrainingLoop, createSession, float32Tensor, float64Tensor, toOrtFeeds } from '../../app/runtime/index.js';
import { randoms, runGraph, sizeOf } from './helpers.js';

/**
 * (2, 3, 10, 10) → conv s2 → ReLU → depthwise conv s2 → LayerNorm over C → ReLU6 → 1×1 conv → (2, 2, 3, 3); MSE.
 * x is trainable too, so the stride-2 input gradients (ConvTranspose in float32, with and without output padding)
 * are compared as well.
 */
function smallNet(dtype: FloatDType) {
  const g = new Graph({ dtype });
  const t = g.input('t', [2, 2, 3, 3]);
  const p = (name: string, shape: number[], seed: number, scale: number) => g.param(name, shape, randoms(sizeOf(shape), seed, scale));
  const x = p('x', [2, 3, 10, 10], 11, 1);
  const w1 = p('w1', [6, 3, 3, 3], 1, 0.4);
  const b1 = p('b1', [6], 2, 0.1);
  const w2 = p('w2', [6, 1, 3, 3], 3, 0.4);
  const ls = p('ln.s', [6], 4, 1);
  const lb = p('ln.b', [6], 5, 0.2);
  const w3 = p('w3', [2, 6, 1, 1], 6, 0.5);
  let h = Relu(Conv(x, w1, b1, { stride: 2, pad: 1 }));
  h = Conv(h, w2, null, { stride: 2, pad: 1, group: 6 });
  h = Transpose(LayerNormalization(Transpose(h, [0, 2, 3, 1]), ls, lb), [0, 3, 1, 2]);
  const y = Conv(Clip(h, 0, 6), w3);
  const d = Sub(y, t);
  const loss = ReduceMean(Mul(d, d), undefined, false);
  const params = [x, w1, b1, w2, ls, lb, w3];
  return { g, loss, params };
}

describe('conv net', () => {
  test('float32 gradients agree with float64 to ≤ 1e-5 relative', async () => {
    const feeds = (dtype: FloatDType) => {
      const t = randoms(2 * 2 * 9, 12);
      return { t: dtype === 'float32' ? float32Tensor(t, [2, 2, 3, 3]) : float64Tensor(t, [2, 2, 3, 3]) };
    };
    const results: Record<string, ArrayLike<number>[]> = {};
    for (const dtype of ['float32', 'float64'] as const) {
      const { g, loss, params } = smallNet(dtype);
      gradients(loss, params).forEach((d, i) => g.output(`grad_${i}`, d));
      const { outputs } = await runGraph(g, feeds(dtype));
      results[dtype] = params.map((_, i) => outputs[`grad_${i}`].data as ArrayLike<number>);
    }
    results.float64.forEach((ref, i) => {
      const got = results.float32[i];
      let num = 0;
      let den = 0;
      for (let k = 0; k < ref.length; k++) {
        num += (got[k] - ref[k]) ** 2;
        den += ref[k] ** 2;
      }
      expect(Math.sqrt(num / den), `param ${i}`).toBeLessThanOrEqual(1e-5);
      expect(den).toBeGreaterThan(0);
    });
  });

  test('frozen inputs and params get no gradient work', () => {
    const build = (trainableFirst: boolean) => {
      const g = new Graph();
      const x = g.input('x', [1, 2, 6, 6]);
      const w1 = g.param('w1', [3, 2, 3, 3], 0.1, { trainable: trainableFirst });
      const w2 = g.param('w2', [2, 3, 3, 3], 0.1);
      const y = Conv(Relu(Conv(x, w1, null, { pad: 1 })), w2, null, { pad: 1 });
      const loss = ReduceMean(Mul(y, y), undefined, false);
      const before = g.nodes.length;
      gradients(loss, trainableFirst ? [w1, w2] : [w2]);
      // Input gradients are the only convolutions the backward pass emits.
      return g.nodes.slice(before).filter((n) => n.kind === 'built' && /^Conv/.test(n.opType)).length;
    };
    // w2 only: no input gradient anywhere (w1 frozen, x an input).
    expect(build(false)).toBe(0);
    // w1 trainable too: the layer-2 input gradient, never the input gradient of x.
    expect(build(true)).toBe(1);
  });

  test('a two-layer conv net trained by the compiled graph fits a fixed target (loss −90% in ≤ 300 steps)', async () => {
    const g = new Graph();
    const x = g.input('x', [4, 2, 8, 8]);
    const t = g.input('t', [4, 2, 8, 8]);
    const w1 = g.param('w1', [8, 2, 3, 3], randoms(144, 21, 0.3));
    const b1 = g.param('b1', [8], 0);
    const w2 = g.param('w2', [2, 8, 3, 3], randoms(144, 22, 0.2));
    const b2 = g.param('b2', [2], 0);
    const y = Conv(Relu(Conv(x, w1, b1, { pad: 1 })), w2, b2, { pad: 1 });
    const d = Sub(y, t);
    const loss = g.output('loss', ReduceMean(Mul(d, d), undefined, false));
    const params: Tensor[] = [w1, b1, w2, b2];
    const step = adam(params, gradients(loss, params), { lr: 0.02 });
    const session = await createSession(serialize(g, { paramsAs: 'inputs' }), { provider: 'cpu', intraOpThreads: 1 });
    const loop = new TrainingLoop(session, { initial: toOrtFeeds(g.initialValues()), feedback: step.feedback });
    // Fixed target: a smooth pattern per channel, not produced by the net.
    const xs = randoms(4 * 2 * 64, 23);
    const ts = xs.map((_, i) => Math.sin(i % 8) * Math.cos(Math.floor(i / 8) % 8) + (i % 128 < 64 ? 0.5 : -0.5));
    const batch = { x: float32Tensor(xs, [4, 2, 8, 8]), t: float32Tensor(ts, [4, 2, 8, 8]) };
    const first = (await loop.step(batch, ['loss'])).loss.data[0] as number;
    let last = first;
    for (let s = 1; s < 300 && last > 0.1 * first; s++) last = (await loop.step(batch, ['loss'])).loss.data[0] as number;
    expect(last).toBeLessThan(0.1 * first);
  });
});
