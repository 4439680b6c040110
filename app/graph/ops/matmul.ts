/** MatMul with numpy batch broadcasting (both operands rank ≥ 2). */
import { GraphError, fmtShape } from '../errors.js';
import { defineGrad } from '../rules.js';
import { broadcastShapes } from '../shape.js';
import { Tensor } from '../tensor.js';
import { Transpose } from './shape.js';

export function MatMul(a: Tensor, b: Tensor): Tensor {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) throw new GraphError('MatMul', 'operands must be tensors');
  a.graph.own('MatMul', b);
  if (a.dtype !== b.dtype) throw new GraphError('MatMul', `dtype mismatch: ${a.dtype} ${fmtShape(a.shape)} vs ${b.dtype} ${fmtShape(b.shape)}`);
  if (a.rank < 2 || b.rank < 2) throw new GraphError('MatMul', `operands must have rank ≥ 2, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  const [m, k] = a.shape.slice(-2);
  const [k2, n] = b.shape.slice(-2);
  if (k !== k2) throw new GraphError('MatMul', `inner dims differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}`);
  const batch = broadcastShapes('MatMul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  const g = a.graph;
  const [y] = g.addNode('MatMul', [a, b], [{ shape: [...batch, m, n], dtype: a.dtype }]);
  g.record('MatMul', [a, b], [y]);
  return y;
}

/** Swaps the last two axes. */
export function transposeLast(x: Tensor): Tensor {
  const perm = [...x.shape.keys()];
  perm[x.rank - 2] = x.rank - 1;
  perm[x.rank - 1] = x.rank - 2;
  return Transpose(x, perm);
}

// Batch dims of the gradients may be broadcast: the driver sums them back.
defineGrad('MatMul', ({ op: { inputs: [a, b] }, dOut: [d], needs }) => [
  needs[0] ? MatMul(d!, transposeLast(b)) : null,
  needs[1] ? MatMul(transposeLast(a), d!) : null,
]);
