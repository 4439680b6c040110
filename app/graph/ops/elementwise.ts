/**
 * Elementwise ops (unary, binary with numpy broadcasting, comparisons, Where) with their gradient rules.
 * Binary ops accept a JS number on either side; it becomes a scalar constant of the other operand's dtype.
 */
import { type DType, isFloat } from '../dtype.js';
import { GraphError, fmtShape } from '../errors.js';
import { type Attr, int } from '../graph.js';
import { defineGrad } from '../rules.js';
import { broadcastShapes } from '../shape.js';
import { Tensor } from '../tensor.js';

export type Operand = Tensor | number;

function lift(op: string, a: Operand, b: Operand): [Tensor, Tensor] {
  if (a instanceof Tensor && b instanceof Tensor) {
    a.graph.own(op, b);
    return [a, b];
  }
  if (a instanceof Tensor) return [a, liftScalar(op, b, a)];
  if (b instanceof Tensor) return [liftScalar(op, a, b), b];
  throw new GraphError(op, 'at least one operand must be a tensor');
}

function liftScalar(op: string, v: Operand, like: Tensor): Tensor {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new GraphError(op, `operand must be a tensor or a finite number, got ${String(v)}`);
  return like.graph.scalar(v, like.dtype);
}

function checkSameDtype(op: string, ...ts: Tensor[]): DType {
  const d = ts[0].dtype;
  if (ts.some((t) => t.dtype !== d)) {
    throw new GraphError(op, `dtype mismatch: ${ts.map((t) => `"${t.name}" ${t.dtype} ${fmtShape(t.shape)}`).join(' vs ')}`);
  }
  return d;
}

function requireFloat(op: string, x: Tensor): void {
  if (!isFloat(x.dtype)) throw new GraphError(op, `"${x.name}" must be float32 or float64, got ${x.dtype}`);
}

function binary(op: string, a0: Operand, b0: Operand): Tensor {
  const [a, b] = lift(op, a0, b0);
  const dtype = checkSameDtype(op, a, b);
  const shape = broadcastShapes(op, a.shape, b.shape);
  const [y] = a.graph.addNode(op, [a, b], [{ shape, dtype }]);
  a.graph.record(op, [a, b], [y]);
  return y;
}

function unary(op: string, x: Tensor, attrs: Record<string, Attr> = {}, extra: (Tensor | null)[] = []): Tensor {
  if (!(x instanceof Tensor)) throw new GraphError(op, `expected a tensor, got ${typeof x}`);
  requireFloat(op, x);
  const [y] = x.graph.addNode(op, [x, ...extra], [{ shape: x.shape, dtype: x.dtype }], attrs);
  x.graph.record(op, [x], [y], { attrs });
  return y;
}

// ---- binary arithmetic -------------------------------------------------------------------------------------

export const Add = (a: Operand, b: Operand): Tensor => binary('Add', a, b);
defineGrad('Add', ({ dOut: [d] }) => [d, d], { broadcastSafe: true });

export const Sub = (a: Operand, b: Operand): Tensor => binary('Sub', a, b);
defineGrad('Sub', ({ dOut: [d], needs }) => [d, needs[1] ? Neg(d!) : null], { broadcastSafe: true });

export const Mul = (a: Operand, b: Operand): Tensor => binary('Mul', a, b);
defineGrad('Mul', ({ op: { inputs: [a, b] }, dOut: [d], needs }) =>
  // x·x: one pass (2·dY)·x instead of two products and a sum.
  a === b ? [Mul(Mul(d!, 2), a), null] : [needs[0] ? Mul(d!, b) : null, needs[1] ? Mul(d!, a) : null], { broadcastSafe: true });

export const Div = (a: Operand, b: Operand): Tensor => binary('Div', a, b);
// d(a/b)/db = -a/b² = -y/b
defineGrad('Div', ({ op: { inputs: [, b], outputs: [y] }, dOut: [d], needs }) => [
  needs[0] ? Div(d!, b) : null,
  needs[1] ? Neg(Div(Mul(d!, y), b)) : null,
], { broadcastSafe: true });

/** x ** exponent for a constant exponent. */
export function Pow(x: Tensor, exponent: number): Tensor {
  if (typeof exponent !== 'number' || !Number.isFinite(exponent)) throw new GraphError('Pow', `exponent must be a finite number, got ${exponent}`);
  requireFloat('Pow', x);
  const [y] = x.graph.addNode('Pow', [x, x.graph.scalar(exponent, x.dtype)], [{ shape: x.shape, dtype: x.dtype }]);
  x.graph.record('Pow', [x], [y], { exponent });
  return y;
}
defineGrad('Pow', ({ op: { inputs: [x], attrs }, dOut: [d] }) => {
  const c = attrs.exponent as number;
  if (c === 1) return [d];
  if (c === 2) return [Mul(d!, Mul(x, 2))];
  return [Mul(d!, Mul(Pow(x, c - 1), c))];
}, { broadcastSafe: true });

// ---- unary -------------------------------------------------------------------------------------------------

export const Relu = (x: Tensor): Tensor => unary('Relu', x);
// dY where the output is positive (a bool mask is cheaper to write than a float one).
defineGrad('Relu', ({ op: { outputs: [y] }, dOut: [d] }) => [Where(Greater(y, 0), d!, 0)], { broadcastSafe: true });

export const Neg = (x: Tensor): Tensor => unary('Neg', x);
defineGrad('Neg', ({ dOut: [d] }) => [Neg(d!)], { broadcastSafe: true });

export const Abs = (x: Tensor): Tensor => unary('Abs', x);
defineGrad('Abs', ({ op: { inputs: [x] }, dOut: [d] }) => [Mul(d!, Sign(x))], { broadcastSafe: true });

export const Sigmoid = (x: Tensor): Tensor => unary('Sigmoid', x);
defineGrad('Sigmoid', ({ op: { outputs: [y] }, dOut: [d] }) => [Mul(d!, Mul(y, Sub(1, y)))], { broadcastSafe: true });

export const Tanh = (x: Tensor): Tensor => unary('Tanh', x);
defineGrad('Tanh', ({ op: { outputs: [y] }, dOut: [d] }) => [Mul(d!, Sub(1, Mul(y, y)))], { broadcastSafe: true });

export const Exp = (x: Tensor): Tensor => unary('Exp', x);
defineGrad('Exp', ({ op: { outputs: [y] }, dOut: [d] }) => [Mul(d!, y)], { broadcastSafe: true });

export const Log = (x: Tensor): Tensor => unary('Log', x);
defineGrad('Log', ({ op: { inputs: [x] }, dOut: [d] }) => [Div(d!, x)], { broadcastSafe: true });

export const Sqrt = (x: Tensor): Tensor => unary('Sqrt', x);
defineGrad('Sqrt', ({ op: { outputs: [y] }, dOut: [d] }) => [Div(Mul(d!, 0.5), y)], { broadcastSafe: true });

export const Identity = (x: Tensor): Tensor => unary('Identity', x);
defineGrad('Identity', ({ dOut: [d] }) => [d], { broadcastSafe: true });

/** Clamps to [min, max] (either may be omitted); `Clip(x, 0, 6)` is ReLU6. */
export function Clip(x: Tensor, min?: number, max?: number): Tensor {
  if (min !== undefined && max !== undefined && !(min <= max)) throw new GraphError('Clip', `min ${min} > max ${max}`);
  const g = x.graph;
  const lo = min === undefined ? null : g.scalar(min, x.dtype);
  const hi = max === undefined ? null : g.scalar(max, x.dtype);
  requireFloat('Clip', x);
  const [y] = g.addNode('Clip', hi ? [x, lo, hi] : lo ? [x, lo] : [x], [{ shape: x.shape, dtype: x.dtype }]);
  g.record('Clip', [x], [y], { min, max });
  return y;
}
defineGrad('Clip', ({ op: { inputs: [x], attrs }, dOut: [d] }) => {
  const { min, max } = attrs as { min?: number; max?: number };
  const inLo = min === undefined ? null : Greater(x, min);
  const inHi = max === undefined ? null : Less(x, max);
  const mask = inLo && inHi ? And(inLo, inHi) : (inLo ?? inHi);
  return [mask ? Where(mask, d!, 0) : d];
}, { broadcastSafe: true });

// ---- non-differentiable helpers (outputs never carry gradients) --------------------------------------------

function nondiff(op: string, inputs: Tensor[], dtype: DType, shape: readonly number[], attrs: Record<string, Attr> = {}): Tensor {
  const [y] = inputs[0].graph.addNode(op, inputs, [{ shape, dtype }], attrs, { differentiable: false });
  return y;
}

function compare(op: string, a0: Operand, b0: Operand): Tensor {
  const [a, b] = lift(op, a0, b0);
  checkSameDtype(op, a, b);
  return nondiff(op, [a, b], 'bool', broadcastShapes(op, a.shape, b.shape));
}

export const Greater = (a: Operand, b: Operand): Tensor => compare('Greater', a, b);
export const Less = (a: Operand, b: Operand): Tensor => compare('Less', a, b);
export const Equal = (a: Operand, b: Operand): Tensor => compare('Equal', a, b);

export function And(a: Tensor, b: Tensor): Tensor {
  if (a.dtype !== 'bool' || b.dtype !== 'bool') throw new GraphError('And', `inputs must be bool, got ${a.dtype} and ${b.dtype}`);
  return nondiff('And', [a, b], 'bool', broadcastShapes('And', a.shape, b.shape));
}

export function Not(a: Tensor): Tensor {
  if (a.dtype !== 'bool') throw new GraphError('Not', `input must be bool, got ${a.dtype}`);
  return nondiff('Not', [a], 'bool', a.shape);
}

/** -1, 0 or 1 elementwise; no gradient. */
export const Sign = (x: Tensor): Tensor => nondiff('Sign', [x], x.dtype, x.shape);

/** Converts the element type; no gradient flows through a cast. */
export function Cast(x: Tensor, to: DType): Tensor {
  const codes: Record<DType, number> = { float32: 1, float64: 11, int64: 7, bool: 9 };
  return nondiff('Cast', [x], to, x.shape, { to: int(codes[to]) });
}

/** Elementwise min/max; no gradient (used for clipping factors in optimizers). */
export function Min(a: Operand, b: Operand): Tensor {
  const [x, y] = lift('Min', a, b);
  checkSameDtype('Min', x, y);
  return nondiff('Min', [x, y], x.dtype, broadcastShapes('Min', x.shape, y.shape));
}
export function Max(a: Operand, b: Operand): Tensor {
  const [x, y] = lift('Max', a, b);
  checkSameDtype('Max', x, y);
  return nondiff('Max', [x, y], x.dtype, broadcastShapes('Max', x.shape, y.shape));
}

// ---- selection ---------------------------------------------------------------------------------------------

/** `cond ? a : b` with broadcasting; `cond` is a bool tensor (masks never get gradients). */
export function Where(cond: Tensor, a0: Operand, b0: Operand): Tensor {
  if (!(cond instanceof Tensor) || cond.dtype !== 'bool') throw new GraphError('Where', 'condition must be a bool tensor');
  const like = a0 instanceof Tensor ? a0 : b0 instanceof Tensor ? b0 : null;
  if (!like) throw new GraphError('Where', 'a or b must be a tensor');
  const [a, b] = lift('Where', a0, b0);
  cond.graph.own('Where', a);
  const dtype = checkSameDtype('Where', a, b);
  const shape = broadcastShapes('Where', cond.shape, a.shape, b.shape);
  const [y] = a.graph.addNode('Where', [cond, a, b], [{ shape, dtype }]);
  a.graph.record('Where', [cond, a, b], [y]);
  return y;
}
defineGrad('Where', ({ op: { inputs: [c] }, dOut: [d], needs }) => [
  null,
  needs[1] ? Where(c, d!, 0) : null,
  needs[2] ? Where(c, 0, d!) : null,
], { broadcastSafe: true });
