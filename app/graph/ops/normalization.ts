/** LayerNormalization (affine), Softmax and LogSoftmax over one axis, with gradient rules. */
import { GraphError, fmtShape } from '../errors.js';
import { float, int } from '../graph.js';
import { defineGrad } from '../rules.js';
import { normAxis, sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { Add, Div, Exp, Mul, Sqrt, Sub } from './elementwise.js';
import { ReduceMean, ReduceSum } from './reduce.js';

export interface LayerNormOptions {
  /** First normalized axis; dims [axis, rank) are normalized together. Default -1. */
  readonly axis?: number;
  readonly epsilon?: number;
}

/**
 * y = (x - mean) / sqrt(var + eps) * scale + bias over dims [axis, rank); scale and bias have shape x.shape[axis:].
 * float32 uses the ONNX op; float64 (check mode) spells it out, since ORT's float64 path keeps float32 statistics.
 */
export function LayerNormalization(x: Tensor, scale: Tensor, bias: Tensor, options: LayerNormOptions = {}): Tensor {
  if (!(x instanceof Tensor)) throw new GraphError('LayerNormalization', 'x must be a tensor');
  const g = x.graph;
  g.own('LayerNormalization', scale);
  g.own('LayerNormalization', bias);
  const axis = normAxis('LayerNormalization', options.axis ?? -1, x.rank);
  const eps = options.epsilon ?? 1e-5;
  const normShape = x.shape.slice(axis);
  for (const [what, t] of [['scale', scale], ['bias', bias]] as const) {
    if (!sameShape(t.shape, normShape)) {
      throw new GraphError('LayerNormalization', `${what} ${fmtShape(t.shape)} must have shape ${fmtShape(normShape)} for x ${fmtShape(x.shape)} at axis ${axis}`);
    }
    if (t.dtype !== x.dtype) throw new GraphError('LayerNormalization', `${what} is ${t.dtype}, x is ${x.dtype}`);
  }
  let y: Tensor;
  if (x.dtype === 'float32') {
    [y] = g.addNode('LayerNormalization', [x, scale, bias], [{ shape: x.shape, dtype: x.dtype }], {
      axis: int(axis),
      epsilon: float(eps),
    });
  } else {
    const { xhat } = normalize(x, axis, eps);
    y = Add(Mul(xhat, scale), bias);
  }
  g.record('LayerNormalization', [x, scale, bias], [y], { axis, eps });
  return y;
}

function normalize(x: Tensor, axis: number, eps: number): { xhat: Tensor; inv: Tensor; axes: number[] } {
  const axes = [...x.shape.keys()].slice(axis);
  const xc = Sub(x, ReduceMean(x, axes));
  const inv = Div(1, Sqrt(Add(ReduceMean(Mul(xc, xc), axes), eps)));
  return { xhat: Mul(xc, inv), inv, axes };
}

// Statistics are recomputed with basic ops (the float32 op's optional Mean/InvStdDev outputs break float64).
defineGrad('LayerNormalization', ({ op: { inputs: [x, scale], attrs }, dOut: [d], needs }) => {
  const { xhat, inv, axes } = normalize(x, attrs.axis as number, attrs.eps as number);
  const dxhat = Mul(d!, scale);
  const dx = needs[0]
    ? Mul(inv, Sub(Sub(dxhat, ReduceMean(dxhat, axes)), Mul(xhat, ReduceMean(Mul(dxhat, xhat), axes))))
    : null;
  return [dx, needs[1] ? Mul(d!, xhat) : null, needs[2] ? d : null];
});

function softmaxLike(op: 'Softmax' | 'LogSoftmax', x: Tensor, axis: number): Tensor {
  if (!(x instanceof Tensor)) throw new GraphError(op, 'x must be a tensor');
  const a = normAxis(op, axis, x.rank);
  const [y] = x.graph.addNode(op, [x], [{ shape: x.shape, dtype: x.dtype }], { axis: int(a) });
  x.graph.record(op, [x], [y], { axis: a });
  return y;
}

export const Softmax = (x: Tensor, axis = -1): Tensor => softmaxLike('Softmax', x, axis);
defineGrad('Softmax', ({ op: { outputs: [y], attrs }, dOut: [d] }) => [
  Mul(y, Sub(d!, ReduceSum(Mul(d!, y), [attrs.axis as number]))),
]);

export const LogSoftmax = (x: Tensor, axis = -1): Tensor => softmaxLike('LogSoftmax', x, axis);
defineGrad('LogSoftmax', ({ op: { outputs: [y], attrs }, dOut: [d] }) => [
  Sub(d!, Mul(Exp(y), ReduceSum(d!, [attrs.axis as number]))),
]);
