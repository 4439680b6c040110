/** Bad graphs fail at build time with errors that name the op and the shapes involved. */
import { describe, expect, test } from 'vitest';
import {
  Add, Concat, Conv, Gather, Graph, GraphError, LayerNormalization, MatMul, Mul, ReduceSum, Reshape, Sign, gradients, serialize,
} from '../../app/graph/index.js';

describe('bad graphs', () => {
  test('shape mismatches name the op and both shapes', () => {
    const g = new Graph();
    const a = g.input('a', [2, 3]);
    const b = g.input('b', [4, 3]);
    expect(() => Add(a, b)).toThrow(GraphError);
    expect(() => Add(a, b)).toThrow('Add: shapes (2, 3) and (4, 3) do not broadcast');
    expect(() => MatMul(a, b)).toThrow('MatMul: inner dims differ: (2, 3) @ (4, 3)');
    expect(() => Reshape(a, [4, 2])).toThrow('Reshape: cannot reshape (2, 3) (size 6) to (4, 2)');
    expect(() => Concat([a, g.input('c', [2, 4])], 0)).toThrow('Concat: shapes (2, 3), (2, 4) differ outside axis 0');
    const x = g.input('x', [1, 3, 8, 8]);
    const w = g.param('w', [4, 2, 3, 3], 0);
    expect(() => Conv(x, w)).toThrow('Conv: weight expects 2 input channels (group 1), x has 3 (x (1, 3, 8, 8), w (4, 2, 3, 3))');
    expect(() => Conv(x, g.param('w9', [4, 3, 9, 9], 0))).toThrow(/Conv: kernel 9×9 does not fit/);
    expect(() => LayerNormalization(x, g.param('s', [3], 1), g.param('bb', [3], 0))).toThrow(/LayerNormalization: scale \(3\) must have shape \(8\)/);
    expect(() => Gather(x, [0, 5], 1)).toThrow(/Gather: indices must be integers in \[0, 3\)/);
  });

  test('unknown tensors and tensors of another graph', () => {
    const g = new Graph();
    const other = new Graph();
    const a = g.input('a', [2]);
    const b = other.input('b', [2]);
    expect(() => g.tensor('nope')).toThrow('tensor: unknown tensor "nope"');
    expect(() => Add(a, b)).toThrow('Add: tensor "b" belongs to another graph');
    expect(() => Add(a, undefined as unknown as number)).toThrow(/Add: operand must be a tensor or a finite number/);
    expect(() => g.input('a', [3])).toThrow('input: the name "a" is already used in this graph');
    expect(() => g.input('z', [0, 2])).toThrow(/invalid shape \(0, 2\)/);
    expect(() => serialize(g)).toThrow(/has no outputs/);
    expect(() => g.param('w', [2], [1, Number.NaN])).toThrow('param "w": initial value [1] is not finite (NaN)');
    expect(() => g.param('v', [3], [1, 2])).toThrow('param "v": initial value has 2 elements, shape needs 3');
  });

  test('dtype mixes', () => {
    const g = new Graph();
    const a = g.input('a', [2, 3]);
    const d = g.input('d', [2, 3], 'float64');
    expect(() => Mul(a, d)).toThrow('Mul: dtype mismatch: "a" float32 (2, 3) vs "d" float64 (2, 3)');
    expect(() => ReduceSum(g.input('i', [2], 'int64'))).toThrow(/ReduceSum: "i" must be float/);
  });

  test('autodiff misuse', () => {
    const g = new Graph();
    const x = g.input('x', [2, 2]);
    const w = g.param('w', [2, 2], 1);
    const frozen = g.param('f', [2, 2], 1, { trainable: false });
    const y = Mul(x, w);
    expect(() => gradients(y, [w])).toThrow('gradients: loss "mul_0" must be a scalar, got (2, 2) (or pass a seed)');
    expect(() => gradients(ReduceSum(y, undefined, false), [frozen])).toThrow(/"f" is frozen/);
    // Sign has no gradient: the chain simply stops (no gradient flows to w through it).
    const viaSign = ReduceSum(Mul(Sign(y), x), undefined, false);
    expect(gradients(viaSign, [w])[0].shape).toEqual([2, 2]);
    // An op with no rule on the path fails with the op's name.
    const rep = ReduceSum(Gather(w, [0, 0], 0), undefined, false);
    expect(() => gradients(rep, [w])).toThrow('Gather: no gradient rule for repeated indices');
  });
});
