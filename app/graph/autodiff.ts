/**
 * Reverse-mode autodiff at graph-build time. Walks the recorded ops from `loss` back to `params` in reverse
 * topological order, asks each op's rule for input gradients, unbroadcasts them (here, in one place) and adds
 * gradients where a tensor fans out. Only ops on a path to a requested param get gradient work.
 */
import { GraphError, fmtShape } from './errors.js';
import { Add } from './ops/elementwise.js';
import { ReduceSum } from './ops/reduce.js';
import { Expand, Reshape } from './ops/shape.js';
import { broadcastSafeRules, gradRules } from './rules.js';
import { sameShape } from './shape.js';
import type { OpRecord, Tensor } from './tensor.js';

/** Gradients of `loss` with respect to each param (a zero tensor for a param the loss does not depend on). */
export function gradients(loss: Tensor, params: readonly Tensor[], seed?: Tensor): Tensor[] {
  const g = loss.graph;
  g.own('gradients', loss);
  for (const p of params) {
    g.own('gradients', p);
    if (!p.requiresGrad) throw new GraphError('gradients', `"${p.name}" is frozen (no gradient): make it a trainable param`);
  }
  if (seed) {
    g.own('gradients', seed);
    if (!sameShape(seed.shape, loss.shape)) throw new GraphError('gradients', `seed ${fmtShape(seed.shape)} must match loss ${fmtShape(loss.shape)}`);
  } else if (loss.size !== 1) {
    throw new GraphError('gradients', `loss "${loss.name}" must be a scalar, got ${fmtShape(loss.shape)} (or pass a seed)`);
  }

  const targets = new Set(params);
  // Does this tensor lead (backwards) to a requested param? Memoized; frozen tensors never do.
  const reaches = new Map<Tensor, boolean>();
  const leadsToParam = (t: Tensor): boolean => {
    if (!t.requiresGrad) return false;
    const known = reaches.get(t);
    if (known !== undefined) return known;
    reaches.set(t, false); // guards against cycles, which the builder cannot create anyway
    const r = targets.has(t) || (t.producer?.inputs.some(leadsToParam) ?? false);
    reaches.set(t, r);
    return r;
  };

  // Post-order DFS over ops (iterative: deep nets would overflow the stack).
  const order: OpRecord[] = [];
  const seen = new Set<OpRecord>();
  const stack: [OpRecord, number][] = [];
  if (loss.producer && leadsToParam(loss)) stack.push([loss.producer, 0]);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [op, i] = top;
    if (i === 0 && seen.has(op)) {
      stack.pop();
      continue;
    }
    seen.add(op);
    if (i < op.inputs.length) {
      top[1]++;
      const p = op.inputs[i].producer;
      if (p && !seen.has(p) && leadsToParam(op.inputs[i])) stack.push([p, 0]);
    } else {
      stack.pop();
      order.push(op);
    }
  }

  // Gradients may be kept smaller than their tensor (broadcastable to it) until a rule needs the exact shape.
  const grads = new Map<Tensor, Tensor>();
  grads.set(loss, seed ?? g.scalar(1, loss.dtype));
  for (let k = order.length - 1; k >= 0; k--) {
    const op = order[k];
    const raw = op.outputs.map((o) => grads.get(o) ?? null);
    if (raw.every((d) => d === null)) continue;
    const rule = gradRules.get(op.op);
    if (!rule) throw new GraphError(op.op, 'has no gradient rule');
    const lazyOk = broadcastSafeRules.has(op.op);
    const dOut = raw.map((d, i) => (d && !lazyOk ? Expand(d, op.outputs[i].shape) : d));
    const needs = op.inputs.map(leadsToParam);
    const res = rule({ g, op, dOut, needs });
    if (res.length !== op.inputs.length) {
      throw new Error(`gradient rule for ${op.op} returned ${res.length} gradients for ${op.inputs.length} inputs`);
    }
    op.inputs.forEach((x, i) => {
      const d = res[i];
      if (!needs[i] || !d) return;
      const dx = unbroadcast(d, x, op.op);
      const prev = grads.get(x);
      grads.set(x, prev ? Add(prev, dx) : dx);
    });
  }
  return params.map((p) => Expand(grads.get(p) ?? g.scalar(0, p.dtype), p.shape));
}

/**
 * Sums a gradient over the axes its input was broadcast along. The result has the input's rank and, per axis,
 * either the input's extent or 1 (a lazily broadcast gradient, expanded later only where needed).
 */
function unbroadcast(d: Tensor, x: Tensor, op: string): Tensor {
  if (d.dtype !== x.dtype) throw new Error(`gradient rule for ${op} gave ${d.dtype} for a ${x.dtype} input`);
  if (sameShape(d.shape, x.shape)) return d;
  const lead = Math.max(0, d.rank - x.rank);
  const axes: number[] = [];
  const kept: number[] = [];
  for (let i = 0; i < d.rank; i++) {
    const xd = i < lead ? 1 : x.shape[i - lead + Math.max(0, x.rank - d.rank)];
    if (i < lead || (xd === 1 && d.shape[i] !== 1)) axes.push(i);
    else if (xd !== d.shape[i] && d.shape[i] !== 1) {
      throw new Error(`gradient rule for ${op} gave ${fmtShape(d.shape)}, not a broadcast of ${fmtShape(x.shape)}`);
    }
    if (i >= lead) kept.push(axes.includes(i) ? 1 : d.shape[i]);
  }
  const summed = axes.length ? ReduceSum(d, axes, true) : d;
  // Left-pad with 1s to the input's rank.
  const shape = [...new Array<number>(x.rank - kept.length).fill(1), ...kept];
  return Reshape(summed, shape);
}
