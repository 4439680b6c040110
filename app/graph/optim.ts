/**
 * Optimizers as graph nodes. A training graph maps (batch, params, optimizer state) → (loss terms, new params,
 * new state); `feedback` says which output becomes which input at the next step (see app/runtime TrainingLoop).
 * Formulas follow PyTorch's Adam / AdamW / SGD and clip_grad_norm_.
 */
import { GraphError, fmtShape } from './errors.js';
import { Add, Div, Exp, Min, Mul, Sqrt, Sub } from './ops/elementwise.js';
import { ReduceSum } from './ops/reduce.js';
import { sameShape } from './shape.js';
import { Tensor } from './tensor.js';

export interface OptimizerStep {
  /** The updated params (graph outputs named `<param>.next`). */
  readonly newParams: readonly Tensor[];
  /** outputName → inputName for everything carried to the next step (params, moments, step counter). */
  readonly feedback: Readonly<Record<string, string>>;
  /** Global L2 norm of the gradients before clipping (output `optim.grad_norm`). */
  readonly gradNorm: Tensor;
}

interface CommonOptions {
  /** Learning rate: a number, or a scalar tensor (e.g. an input driven by a schedule). */
  readonly lr: number | Tensor;
  /** Clip the global gradient norm to this value (PyTorch clip_grad_norm_ semantics). */
  readonly clipNorm?: number;
}

export interface AdamOptions extends CommonOptions {
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
  /** Weight decay: L2 added to the gradient for Adam, decoupled (p ← p·(1 − lr·wd)) for AdamW. */
  readonly weightDecay?: number;
  /**
   * 1-based number of the update this run computes, for bias correction. Default: a state `optim.step` starting at
   * 1, incremented in-graph and fed back.
   */
  readonly step?: Tensor;
}

export function adam(params: readonly Tensor[], grads: readonly Tensor[], options: AdamOptions): OptimizerStep {
  return adamLike('adam', params, grads, options, false);
}

export function adamw(params: readonly Tensor[], grads: readonly Tensor[], options: AdamOptions): OptimizerStep {
  return adamLike('adamw', params, grads, options, true);
}

function adamLike(op: string, params: readonly Tensor[], grads0: readonly Tensor[], o: AdamOptions, decoupled: boolean): OptimizerStep {
  const { beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0 } = o;
  for (const [k, v] of Object.entries({ beta1, beta2 })) if (!(v >= 0 && v < 1)) throw new GraphError(op, `${k} must be in [0, 1), got ${v}`);
  if (!(eps > 0) || !(weightDecay >= 0)) throw new GraphError(op, 'eps must be > 0 and weightDecay ≥ 0');
  const { g, grads, gradNorm } = prepare(op, params, grads0, o.clipNorm);
  const lr = learningRate(op, g, o.lr, params[0].dtype);
  const feedback: Record<string, string> = {};
  let step = o.step;
  if (!step) {
    step = g.state('optim.step', [], 1, params[0].dtype);
    feedback[g.output('optim.step.next', Add(step, 1)).name] = step.name;
  } else if (step.size !== 1 || step.dtype !== params[0].dtype) {
    throw new GraphError(op, `step must be a ${params[0].dtype} scalar, got ${step.dtype} ${fmtShape(step.shape)}`);
  }
  // Bias corrections 1 − βᵗ, as exp(t·ln β) (a constant base with a tensor exponent).
  const bc1 = beta1 > 0 ? Sub(1, Exp(Mul(step, Math.log(beta1)))) : null;
  const bc2 = beta2 > 0 ? Sub(1, Exp(Mul(step, Math.log(beta2)))) : null;
  const newParams = params.map((p, i) => {
    let grad = grads[i];
    if (weightDecay > 0 && !decoupled) grad = Add(grad, Mul(p, weightDecay));
    const m = g.state(`${p.name}.adam_m`, p.shape, 0, p.dtype);
    const v = g.state(`${p.name}.adam_v`, p.shape, 0, p.dtype);
    const m2 = Add(Mul(m, beta1), Mul(grad, 1 - beta1));
    const v2 = Add(Mul(v, beta2), Mul(Mul(grad, grad), 1 - beta2));
    const mhat = bc1 ? Div(m2, bc1) : m2;
    const vhat = bc2 ? Div(v2, bc2) : v2;
    const base = weightDecay > 0 && decoupled ? Mul(p, Sub(1, Mul(lr, weightDecay))) : p;
    const next = Sub(base, Mul(lr, Div(mhat, Add(Sqrt(vhat), eps))));
    feedback[g.output(`${m.name}.next`, m2).name] = m.name;
    feedback[g.output(`${v.name}.next`, v2).name] = v.name;
    const out = g.output(`${p.name}.next`, next);
    feedback[out.name] = p.name;
    return out;
  });
  return { newParams, feedback, gradNorm: g.output('optim.grad_norm', gradNorm) };
}

/** Plain SGD, p ← p − lr·grad (for tests and simple fits). */
export function sgd(params: readonly Tensor[], grads0: readonly Tensor[], options: CommonOptions): OptimizerStep {
  const { g, grads, gradNorm } = prepare('sgd', params, grads0, options.clipNorm);
  const lr = learningRate('sgd', g, options.lr, params[0].dtype);
  const feedback: Record<string, string> = {};
  const newParams = params.map((p, i) => {
    const out = g.output(`${p.name}.next`, Sub(p, Mul(lr, grads[i])));
    feedback[out.name] = p.name;
    return out;
  });
  return { newParams, feedback, gradNorm: g.output('optim.grad_norm', gradNorm) };
}

function prepare(op: string, params: readonly Tensor[], grads: readonly Tensor[], clipNorm: number | undefined) {
  if (params.length === 0) throw new GraphError(op, 'no params to update');
  if (params.length !== grads.length) throw new GraphError(op, `${params.length} params but ${grads.length} gradients`);
  const g = params[0].graph;
  params.forEach((p, i) => {
    g.own(op, p);
    g.own(op, grads[i]);
    if (p.kind !== 'param' || !p.requiresGrad) throw new GraphError(op, `"${p.name}" is not a trainable param`);
    if (!sameShape(p.shape, grads[i].shape)) throw new GraphError(op, `gradient ${fmtShape(grads[i].shape)} does not match "${p.name}" ${fmtShape(p.shape)}`);
  });
  const sq = grads.map((d) => ReduceSum(Mul(d, d), undefined, false));
  const gradNorm = Sqrt(sq.reduce((a, b) => Add(a, b)));
  if (clipNorm === undefined) return { g, grads, gradNorm };
  if (!(clipNorm > 0)) throw new GraphError(op, `clipNorm must be > 0, got ${clipNorm}`);
  const factor = Min(Div(clipNorm, Add(gradNorm, 1e-6)), 1);
  return { g, grads: grads.map((d) => Mul(d, factor)), gradNorm };
}

function learningRate(op: string, g: Tensor['graph'], lr: number | Tensor, dtype: Tensor['dtype']): Tensor {
  if (lr instanceof Tensor) {
    g.own(op, lr);
    if (lr.size !== 1 || lr.dtype !== dtype) throw new GraphError(op, `lr must be a ${dtype} scalar, got ${lr.dtype} ${fmtShape(lr.shape)}`);
    return lr;
  }
  if (!(lr > 0) || !Number.isFinite(lr)) throw new GraphError(op, `lr must be a positive number, got ${lr}`);
  return g.scalar(lr, dtype);
}
