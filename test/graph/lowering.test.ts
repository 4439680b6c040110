/**
 * Forward agreement of the float64 check-mode lowerings with the float32 ONNX ops ORT runs in production:
 * Conv (im2col + MatMul), LayerNormalization (basic ops), and Resize (interpolation matrices) vs ONNX Resize.
 */
import { describe, expect, test } from 'vitest';
import {
  Conv, type FloatDType, Graph, LayerNormalization, Resize, type Tensor, float, int, serialize, str,
} from '../../app/graph/index.js';
import { createSession } from '../../app/runtime/index.js';
import { randoms, runGraph, sizeOf } from './helpers.js';

async function both(build: (g: Graph) => Tensor): Promise<[ArrayLike<number>, ArrayLike<number>]> {
  const out: ArrayLike<number>[] = [];
  for (const dtype of ['float32', 'float64'] as FloatDType[]) {
    const g = new Graph({ dtype });
    g.output('y', build(g));
    out.push((await runGraph(g)).outputs.y.data as ArrayLike<number>);
  }
  return [out[0], out[1]];
}

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number) {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  expect(worst).toBeLessThanOrEqual(tol);
}

const p = (g: Graph, name: string, shape: number[], seed: number) => g.param(name, shape, randoms(sizeOf(shape), seed));

describe('float64 lowerings match the float32 ONNX ops', () => {
  test.each([
    [{ stride: 1, pad: 1, group: 1 }, [2, 3, 7, 6], [4, 3, 3, 3]],
    [{ stride: 2, pad: [0, 1, 1, 0] as const, group: 2 }, [1, 4, 7, 7], [6, 2, 3, 3]],
    [{ stride: 2, pad: 1, group: 5 }, [2, 5, 6, 5], [5, 1, 3, 3]],
  ])('Conv %o', async (opts, xs, ws) => {
    const [a, b] = await both((g) => Conv(p(g, 'x', xs, 1), p(g, 'w', ws, 2), p(g, 'b', [ws[0]], 3), opts));
    expectClose(a, b, 1e-5);
  });

  test('LayerNormalization', async () => {
    const [a, b] = await both((g) => LayerNormalization(p(g, 'x', [3, 4, 5], 1), p(g, 's', [4, 5], 2), p(g, 'b', [4, 5], 3), { axis: 1 }));
    expectClose(a, b, 1e-5);
  });

  test.each([
    [2, 'linear'],
    [3, 'linear'],
    [0.5, 'linear'],
    [2, 'nearest'],
  ] as const)('Resize ×%s %s equals ONNX Resize', async (scale, mode) => {
    const shape = [1, 2, 4, 6];
    const [ours] = await both((g) => Resize(p(g, 'x', shape, 1), { scale, mode }));
    const g = new Graph();
    const x = p(g, 'x', shape, 1);
    const out = [1, 2, 4 * scale, 6 * scale];
    const [y] = g.addNode('Resize', [x, null, g.constant([1, 1, scale, scale], [4], 'float32')], [{ shape: out, dtype: 'float32' }], {
      mode: str(mode),
      coordinate_transformation_mode: str(mode === 'linear' ? 'half_pixel' : 'asymmetric'),
      nearest_mode: str('floor'),
      cubic_coeff_a: float(-0.75),
      exclude_outside: int(0),
    });
    g.output('y', y);
    const s = await createSession(serialize(g), { provider: 'cpu', intraOpThreads: 1 });
    expectClose(ours, (await s.run({})).y.data as Float32Array, 1e-6);
  });
});
