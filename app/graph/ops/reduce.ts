/** Reductions over axes: ReduceSum, ReduceMean, ReduceMax (keepdims by default, as in ONNX). */
import { GraphError } from '../errors.js';
import { int, ints } from '../graph.js';
import { defineGrad } from '../rules.js';
import { normAxes } from '../shape.js';
import { Tensor } from '../tensor.js';
import { Cast, Div, Equal, Mul } from './elementwise.js';
import { Reshape } from './shape.js';

interface ReduceAttrs {
  readonly axes: number[];
  readonly keepdims: boolean;
}

function reduce(op: 'ReduceSum' | 'ReduceMean' | 'ReduceMax', x: Tensor, axes: readonly number[] | undefined, keepdims: boolean): Tensor {
  if (!(x instanceof Tensor)) throw new GraphError(op, `expected a tensor, got ${typeof x}`);
  if (x.dtype !== 'float32' && x.dtype !== 'float64') throw new GraphError(op, `"${x.name}" must be float, got ${x.dtype}`);
  const ax = normAxes(op, axes, x.rank);
  if (ax.length === 0) return x;
  const shape = keepdims ? x.shape.map((d, i) => (ax.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !ax.includes(i));
  const g = x.graph;
  // Opset 17: ReduceSum takes axes as an input; ReduceMean/ReduceMax still as an attribute.
  const [y] =
    op === 'ReduceSum'
      ? g.addNode(op, [x, g.int64s(ax)], [{ shape, dtype: x.dtype }], { keepdims: int(keepdims ? 1 : 0) })
      : g.addNode(op, [x], [{ shape, dtype: x.dtype }], { axes: ints(ax), keepdims: int(keepdims ? 1 : 0) });
  const attrs: ReduceAttrs = { axes: ax, keepdims };
  g.record(op, [x], [y], attrs as unknown as Record<string, unknown>);
  return y;
}

/** Shape of the reduction output with kept dims, for broadcasting a gradient back. */
function keptShape(x: Tensor, axes: readonly number[]): number[] {
  return x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/** dY with the reduced axes put back as size 1: broadcast against x lazily (the driver expands when needed). */
function spread(x: Tensor, attrs: ReduceAttrs, d: Tensor): Tensor {
  return Reshape(d, keptShape(x, attrs.axes));
}

export const ReduceSum = (x: Tensor, axes?: readonly number[], keepdims = true): Tensor => reduce('ReduceSum', x, axes, keepdims);
defineGrad('ReduceSum', ({ op: { inputs: [x], attrs }, dOut: [d] }) => [spread(x, attrs as unknown as ReduceAttrs, d!)]);

export const ReduceMean = (x: Tensor, axes?: readonly number[], keepdims = true): Tensor => reduce('ReduceMean', x, axes, keepdims);
defineGrad('ReduceMean', ({ op: { inputs: [x], attrs }, dOut: [d] }) => {
  const a = attrs as unknown as ReduceAttrs;
  const count = a.axes.reduce((n, i) => n * x.shape[i], 1);
  return [Mul(spread(x, a, d!), 1 / count)];
});

export const ReduceMax = (x: Tensor, axes?: readonly number[], keepdims = true): Tensor => reduce('ReduceMax', x, axes, keepdims);
// The gradient goes to the maxima, shared equally between ties.
defineGrad('ReduceMax', ({ op: { inputs: [x], outputs: [y], attrs }, dOut: [d] }) => {
  const a = attrs as unknown as ReduceAttrs;
  const kept = keptShape(x, a.axes);
  const mask = Cast(Equal(x, Reshape(y, kept)), x.dtype);
  const ties = ReduceSum(mask, a.axes, true);
  return [Mul(mask, Div(Reshape(d!, kept), ties))];
});
