/** Composite losses written in primitive ops (their gradients come from the primitives' rules). */
import { GraphError, fmtShape } from './errors.js';
import { Add, Cast, Div, Equal, Mul, Neg, Relu, Sqrt, Sub } from './ops/elementwise.js';
import { LogSoftmax } from './ops/normalization.js';
import { ReduceMean, ReduceSum } from './ops/reduce.js';
import { Unsqueeze } from './ops/shape.js';
import { sameShape } from './shape.js';
import { Tensor } from './tensor.js';

export interface CrossEntropyOptions {
  /** PyTorch semantics: targets become (1 − ε)·t + ε/K. */
  readonly labelSmoothing?: number;
  /** 'mean' (default) → scalar; 'none' → (N). */
  readonly reduction?: 'mean' | 'none';
}

/**
 * Cross-entropy of logits (N, K) against class indices (N) int64 or target probabilities (N, K).
 */
export function crossEntropy(logits: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const eps = options.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps < 1)) throw new GraphError('crossEntropy', `labelSmoothing must be in [0, 1), got ${eps}`);
  if (logits.rank !== 2) throw new GraphError('crossEntropy', `logits must be (N, K), got ${fmtShape(logits.shape)}`);
  const [n, k] = logits.shape;
  const g = logits.graph;
  let probs: Tensor;
  if (target.dtype === 'int64') {
    if (!sameShape(target.shape, [n])) throw new GraphError('crossEntropy', `labels ${fmtShape(target.shape)} must be (${n}) for logits ${fmtShape(logits.shape)}`);
    const classes = g.constant([...Array(k).keys()], [1, k], 'int64');
    probs = Cast(Equal(Unsqueeze(target, [1]), classes), logits.dtype);
  } else {
    if (!sameShape(target.shape, logits.shape) || target.dtype !== logits.dtype) {
      throw new GraphError('crossEntropy', `target ${target.dtype} ${fmtShape(target.shape)} must match logits ${logits.dtype} ${fmtShape(logits.shape)}`);
    }
    probs = target;
  }
  if (eps > 0) probs = Add(Mul(probs, 1 - eps), eps / k);
  const perSample = Neg(ReduceSum(Mul(probs, LogSoftmax(logits, 1)), [1], false));
  return options.reduction === 'none' ? perSample : ReduceMean(perSample, undefined, false);
}

/**
 * Cosine similarity along `axis` (dim removed): a·b / sqrt(‖a‖²‖b‖² + ε²). The ε inside the root keeps it smooth
 * at zero vectors (PyTorch clamps instead; the two agree whenever ‖a‖‖b‖ ≫ ε).
 */
export function cosineSimilarity(a: Tensor, b: Tensor, axis = 1, eps = 1e-8): Tensor {
  if (!sameShape(a.shape, b.shape)) throw new GraphError('cosineSimilarity', `shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} differ`);
  const dot = ReduceSum(Mul(a, b), [axis], false);
  const na = ReduceSum(Mul(a, a), [axis], false);
  const nb = ReduceSum(Mul(b, b), [axis], false);
  return Div(dot, Sqrt(Add(Mul(na, nb), eps * eps)));
}

/**
 * Hinge max(0, margin − y·score) elementwise; `labels` (±1, same shape or broadcastable) default to +1.
 */
export function hinge(score: Tensor, options: { margin?: number; labels?: Tensor } = {}): Tensor {
  const margin = options.margin ?? 1;
  const signed = options.labels ? Mul(score, options.labels) : score;
  return Relu(Sub(margin, signed));
}
