/** Shape and layout ops: Reshape, Transpose, Slice, Split, Concat, Gather, Pad, Expand, with gradient rules. */
import { GraphError, fmtShape } from '../errors.js';
import { type Graph, int, ints } from '../graph.js';
import { defineGrad } from '../rules.js';
import { normAxes, normAxis, sameShape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';

function check(op: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new GraphError(op, `expected a tensor, got ${typeof x}`);
}

/** Reshape to `shape`; one dim may be -1 (inferred). */
export function Reshape(x: Tensor, shape: readonly number[]): Tensor {
  check('Reshape', x);
  const out = [...shape];
  const free = out.indexOf(-1);
  if (out.some((d, i) => !Number.isInteger(d) || (d < 1 && !(d === -1 && i === free)))) {
    throw new GraphError('Reshape', `invalid target shape ${fmtShape(shape)} for "${x.name}" ${fmtShape(x.shape)}`);
  }
  if (free >= 0) {
    const rest = sizeOf(out.filter((_, i) => i !== free));
    if (x.size % rest !== 0) throw new GraphError('Reshape', `cannot reshape ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
    out[free] = x.size / rest;
  }
  if (sizeOf(out) !== x.size) throw new GraphError('Reshape', `cannot reshape ${fmtShape(x.shape)} (size ${x.size}) to ${fmtShape(shape)}`);
  if (sameShape(out, x.shape)) return x;
  const g = x.graph;
  const [y] = g.addNode('Reshape', [x, g.int64s(out)], [{ shape: out, dtype: x.dtype }]);
  g.record('Reshape', [x], [y]);
  return y;
}
defineGrad('Reshape', ({ op: { inputs: [x] }, dOut: [d] }) => [Reshape(d!, x.shape)]);

/** Inserts size-1 axes (positions in the output). */
export function Unsqueeze(x: Tensor, axes: readonly number[]): Tensor {
  const rank = x.rank + axes.length;
  const ax = normAxes('Unsqueeze', axes, rank);
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) out.push(ax.includes(i) ? 1 : x.shape[j++]);
  return Reshape(x, out);
}

/** Removes size-1 axes. */
export function Squeeze(x: Tensor, axes: readonly number[]): Tensor {
  const ax = normAxes('Squeeze', axes, x.rank);
  for (const a of ax) if (x.shape[a] !== 1) throw new GraphError('Squeeze', `axis ${a} of ${fmtShape(x.shape)} is not 1`);
  return Reshape(x, x.shape.filter((_, i) => !ax.includes(i)));
}

/** Permutes axes (default: reverse them). */
export function Transpose(x: Tensor, perm?: readonly number[]): Tensor {
  check('Transpose', x);
  const p = perm ? [...perm] : [...x.shape.keys()].reverse();
  if (p.length !== x.rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
    throw new GraphError('Transpose', `perm [${p}] is not a permutation of the axes of ${fmtShape(x.shape)}`);
  }
  if (p.every((v, i) => v === i)) return x;
  const g = x.graph;
  const [y] = g.addNode('Transpose', [x], [{ shape: p.map((a) => x.shape[a]), dtype: x.dtype }], { perm: ints(p) });
  g.record('Transpose', [x], [y], { perm: p });
  return y;
}
defineGrad('Transpose', ({ op: { attrs }, dOut: [d] }) => {
  const p = attrs.perm as number[];
  const inv = new Array<number>(p.length);
  p.forEach((a, i) => (inv[a] = i));
  return [Transpose(d!, inv)];
});

interface SliceSpec {
  readonly axes: number[];
  readonly starts: number[];
  readonly steps: number[];
  readonly counts: number[];
}

/** ONNX Slice semantics (negative indices count from the end; ends clamp). */
export function Slice(
  x: Tensor,
  starts: readonly number[],
  ends: readonly number[],
  axes?: readonly number[],
  steps?: readonly number[],
): Tensor {
  check('Slice', x);
  const ax = (axes ?? starts.map((_, i) => i)).map((a) => normAxis('Slice', a, x.rank));
  const st = steps ?? starts.map(() => 1);
  if (starts.length !== ends.length || ax.length !== starts.length || st.length !== starts.length) {
    throw new GraphError('Slice', 'starts, ends, axes and steps must have the same length');
  }
  const shape = [...x.shape];
  const spec: SliceSpec = { axes: ax, starts: [], steps: [...st], counts: [] };
  ax.forEach((a, i) => {
    const dim = x.shape[a];
    const step = st[i];
    if (!Number.isInteger(step) || step === 0) throw new GraphError('Slice', `step ${step} is invalid`);
    const clampIdx = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + dim : v, lo), hi);
    const s = step > 0 ? clampIdx(starts[i], 0, dim) : clampIdx(starts[i], -1, dim - 1);
    const e = step > 0 ? clampIdx(ends[i], 0, dim) : clampIdx(ends[i], -1, dim - 1);
    const count = step > 0 ? Math.max(0, Math.ceil((e - s) / step)) : Math.max(0, Math.ceil((s - e) / -step));
    if (count === 0) throw new GraphError('Slice', `slice [${starts[i]}:${ends[i]}:${step}] of axis ${a} of ${fmtShape(x.shape)} is empty`);
    shape[a] = count;
    spec.starts.push(s);
    spec.counts.push(count);
  });
  const g = x.graph;
  const [y] = g.addNode('Slice', [x, g.int64s(starts), g.int64s(ends), g.int64s(ax), g.int64s(st)], [{ shape, dtype: x.dtype }]);
  g.record('Slice', [x], [y], { spec });
  return y;
}
// The gradient puts dY back where the slice came from: zero padding for step 1, a flip for step -1, and zero
// interleaving for larger steps.
defineGrad('Slice', ({ op: { inputs: [x], attrs }, dOut: [d] }) => {
  const spec = attrs.spec as SliceSpec;
  let grad = d!;
  const pads = new Array<number>(2 * x.rank).fill(0);
  spec.axes.forEach((a, i) => {
    let step = spec.steps[i];
    let first = spec.starts[i];
    const count = spec.counts[i];
    if (step < 0) {
      grad = Slice(grad, [-1], [-count - 1], [a], [-1]);
      first = first + step * (count - 1);
      step = -step;
    }
    if (step > 1) grad = interleaveZeros(grad, a, step);
    const covered = (count - 1) * step + 1;
    pads[a] = first;
    pads[a + x.rank] = x.shape[a] - first - covered;
  });
  return [pads.some((p) => p !== 0) ? Pad(grad, pads) : grad];
});

/** Inserts `step - 1` zeros between consecutive entries along `axis` (length n → (n-1)·step + 1). */
export function interleaveZeros(x: Tensor, axis: number, step: number): Tensor {
  const n = x.shape[axis];
  const expanded = [...x.shape.slice(0, axis + 1), 1, ...x.shape.slice(axis + 1)];
  const pads = new Array<number>(2 * expanded.length).fill(0);
  pads[expanded.length + axis + 1] = step - 1;
  const padded = Pad(Reshape(x, expanded), pads);
  const merged = Reshape(padded, [...x.shape.slice(0, axis), n * step, ...x.shape.slice(axis + 1)]);
  return Slice(merged, [0], [(n - 1) * step + 1], [axis]);
}

/** Zero (or `value`) padding; `pads` is ONNX order [begin_0.., end_0..], non-negative. */
export function Pad(x: Tensor, pads: readonly number[], value = 0): Tensor {
  check('Pad', x);
  if (pads.length !== 2 * x.rank || pads.some((p) => !Number.isInteger(p) || p < 0)) {
    throw new GraphError('Pad', `pads [${pads}] must be ${2 * x.rank} non-negative integers for ${fmtShape(x.shape)}`);
  }
  if (pads.every((p) => p === 0)) return x;
  const g = x.graph;
  const shape = x.shape.map((d, i) => d + pads[i] + pads[i + x.rank]);
  const [y] = g.addNode('Pad', [x, g.int64s(pads), g.scalar(value, x.dtype)], [{ shape, dtype: x.dtype }], { mode: { string: 'constant' } });
  g.record('Pad', [x], [y], { pads: [...pads] });
  return y;
}
defineGrad('Pad', ({ op: { inputs: [x], attrs }, dOut: [d] }) => {
  const pads = attrs.pads as number[];
  const axes = [...x.shape.keys()];
  return [Slice(d!, axes.map((a) => pads[a]), axes.map((a) => pads[a] + x.shape[a]), axes)];
});

/** Splits along `axis` into pieces of the given sizes. */
export function Split(x: Tensor, sizes: readonly number[], axis = 0): Tensor[] {
  check('Split', x);
  const a = normAxis('Split', axis, x.rank);
  if (sizes.some((s) => !Number.isInteger(s) || s < 1) || sizes.reduce((p, q) => p + q, 0) !== x.shape[a]) {
    throw new GraphError('Split', `sizes [${sizes}] do not add up to axis ${a} of ${fmtShape(x.shape)}`);
  }
  const g = x.graph;
  const outs = g.addNode(
    'Split',
    [x, g.int64s(sizes)],
    sizes.map((s) => ({ shape: x.shape.map((d, i) => (i === a ? s : d)), dtype: x.dtype })),
    { axis: int(a) },
  );
  g.record('Split', [x], outs, { axis: a });
  return outs;
}
defineGrad('Split', ({ g, op: { outputs, attrs }, dOut }) => {
  const parts = outputs.map((o, i) => dOut[i] ?? zerosLike(g, o));
  return [Concat(parts, attrs.axis as number)];
});

function zerosLike(g: Tensor['graph'], t: Tensor): Tensor {
  return Expand(g.scalar(0, t.dtype), t.shape);
}

/** Concatenates along `axis`; all other dims must agree. */
export function Concat(xs: readonly Tensor[], axis: number): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new GraphError('Concat', 'needs at least one tensor');
  for (const x of xs) check('Concat', x);
  const g: Graph = xs[0].graph;
  const a = normAxis('Concat', axis, xs[0].rank);
  for (const x of xs) {
    g.own('Concat', x);
    if (x.dtype !== xs[0].dtype) throw new GraphError('Concat', `dtype mismatch: ${xs.map((t) => t.dtype).join(', ')}`);
    if (x.rank !== xs[0].rank || x.shape.some((d: number, i: number) => i !== a && d !== xs[0].shape[i])) {
      throw new GraphError('Concat', `shapes ${xs.map((t) => fmtShape(t.shape)).join(', ')} differ outside axis ${a}`);
    }
  }
  if (xs.length === 1) return xs[0];
  const shape = xs[0].shape.map((d: number, i: number) => (i === a ? xs.reduce((s, x) => s + x.shape[a], 0) : d));
  const [y] = g.addNode('Concat', xs, [{ shape, dtype: xs[0].dtype }], { axis: int(a) });
  g.record('Concat', xs, [y], { axis: a });
  return y;
}
defineGrad('Concat', ({ op: { inputs, attrs }, dOut: [d], needs }) => {
  const a = attrs.axis as number;
  let at = 0;
  return inputs.map((x, i) => {
    const from = at;
    at += x.shape[a];
    return needs[i] ? Slice(d!, [from], [at], [a]) : null;
  });
});

/** Picks entries `indices` (constant) along `axis` — e.g. a channel permutation. Output replaces that dim. */
export function Gather(x: Tensor, indices: readonly number[], axis = 0): Tensor {
  check('Gather', x);
  const a = normAxis('Gather', axis, x.rank);
  const dim = x.shape[a];
  if (indices.length === 0 || indices.some((i) => !Number.isInteger(i) || i < 0 || i >= dim)) {
    throw new GraphError('Gather', `indices must be integers in [0, ${dim}) for axis ${a} of ${fmtShape(x.shape)}`);
  }
  const g = x.graph;
  const shape = x.shape.map((d, i) => (i === a ? indices.length : d));
  const [y] = g.addNode('Gather', [x, g.int64s(indices)], [{ shape, dtype: x.dtype }], { axis: int(a) });
  g.record('Gather', [x], [y], { axis: a, indices: [...indices] });
  return y;
}
// For distinct indices the gradient is another Gather: each input position reads its slot of dY, or a zero slot
// appended at the end when it was never picked.
defineGrad('Gather', ({ g, op: { inputs: [x], attrs }, dOut: [d] }) => {
  const a = attrs.axis as number;
  const idx = attrs.indices as number[];
  if (new Set(idx).size !== idx.length) throw new GraphError('Gather', 'no gradient rule for repeated indices');
  const dim = x.shape[a];
  const inv = new Array<number>(dim).fill(idx.length);
  idx.forEach((j, p) => (inv[j] = p));
  const src = idx.length === dim ? d! : Concat([d!, zerosLike(g, Slice(d!, [0], [1], [a]))], a);
  return [Gather(src, inv, a)];
});

/** Broadcasts to `shape` (numpy rules). */
export function Expand(x: Tensor, shape: readonly number[]): Tensor {
  check('Expand', x);
  const lead = shape.length - x.rank;
  if (lead < 0 || x.shape.some((d, i) => d !== 1 && d !== shape[i + lead])) {
    throw new GraphError('Expand', `cannot expand ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
  }
  if (sameShape(x.shape, shape)) return x;
  const g = x.graph;
  const [y] = g.addNode('Expand', [x, g.int64s(shape)], [{ shape: [...shape], dtype: x.dtype }]);
  g.record('Expand', [x], [y]);
  return y;
}
defineGrad('Expand', ({ dOut: [d] }) => [d]);

/**
 * Flattens dims [0, axis) into one and [axis, rank) into another: ONNX Flatten, always 2-D. Emitted as the ONNX op
 * (not a Reshape to static dims), so a graph whose batch dim is made symbolic after building still runs any batch.
 */
export function Flatten(x: Tensor, axis = 1): Tensor {
  check('Flatten', x);
  const a = axis === x.rank ? axis : normAxis('Flatten', axis, x.rank);
  const g = x.graph;
  const [y] = g.addNode('Flatten', [x], [{ shape: [sizeOf(x.shape.slice(0, a)), sizeOf(x.shape.slice(a))], dtype: x.dtype }], { axis: int(a) });
  g.record('Flatten', [x], [y]);
  return y;
}
defineGrad('Flatten', ({ op: { inputs: [x] }, dOut: [d] }) => [Reshape(d!, x.shape)]);
