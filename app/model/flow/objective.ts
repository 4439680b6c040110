/**
 * The training objective (README, "Objective"), written in graph ops so autodiff differentiates it. Per tap,
 * with z the flow output, log|det J| per position and the per-position score q = 0.5·mean_c z² (what the anomaly
 * map shows):
 *   nll      = q − logDet / C                                     (N, H, W), FastFlow's NLL per channel
 *   clean    = mean(nll(x))                                        always weight 1 — alone, this is FastFlow
 *   unmasked = Σ keep·nll(x̃) / Σ keep                             positions the defect did not touch
 *   margin   = Σ a·relu(m − (q(x̃) − q(x))) / Σ a                  a = defect fraction of the position's cell
 *   contrast = Σ a·relu(cos_c(z(x̃), z(x))) / Σ a                  masked positions pushed away from the clean twin
 *   pull     = mean(1 − cos(pool(z(x)), mean_batch pool(z(x))))    clean global embeddings pulled together
 *   ce       = CE_τ([0, γ·(S − δ)], clean 0 / synthesized 1)       S = mean over taps of max q (pooled score)
 * total = Σ_taps clean + λ_u·Σ unmasked + λ_m·Σ margin + λ_c·Σ contrast + λ_p·Σ pull + λ_ce·ce.
 * The margin acts on q rather than on the NLL: the NLL could be raised through log|det J| without moving the map.
 */
import { Add, Concat, Div, Expand, Graph, Mul, ReduceMax, ReduceMean, ReduceSum, Relu, Sub, Tensor, Unsqueeze, cosineSimilarity, crossEntropy } from '../../graph/index.js';
import type { ObjectiveWeights } from './config.js';
import type { FlowOutput } from './flow.js';

export const LOSS_TERMS = ['clean', 'unmasked', 'margin', 'contrast', 'pull', 'ce'] as const;
export type LossTerm = (typeof LOSS_TERMS)[number];

/** Per-position score q = 0.5·mean_c z², (N, H, W) (keepdims: (N, 1, H, W)). */
export function positionScore(z: Tensor, keepdims = false): Tensor {
  return Mul(ReduceMean(Mul(z, z), [1], keepdims), 0.5);
}

function nll(f: FlowOutput): Tensor {
  return Sub(positionScore(f.z), Div(f.logDet, f.z.shape[1]));
}

function weightedMean(x: Tensor, w: Tensor): Tensor {
  return Div(ReduceSum(Mul(x, w), undefined, false), Add(ReduceSum(w, undefined, false), 1e-3));
}

export interface TwinInputs {
  /** Flow of the synthesized twins, per tap. */
  readonly synth: readonly FlowOutput[];
  /** Defect fraction of each tap cell (N, H, W) in [0, 1]. */
  readonly masked: readonly Tensor[];
  /** 1 where the cell holds no defect pixel (N, H, W). */
  readonly keep: readonly Tensor[];
}

export interface Objective {
  readonly total: Tensor;
  readonly terms: Partial<Record<LossTerm, Tensor>>;
}

/** FastFlow alone when `twins` is omitted. */
export function buildObjective(g: Graph, clean: readonly FlowOutput[], weights: ObjectiveWeights, twins?: TwinInputs): Objective {
  const sum = (xs: Tensor[]): Tensor => xs.reduce((a, b) => Add(a, b));
  const terms: Partial<Record<LossTerm, Tensor>> = { clean: sum(clean.map((f) => ReduceMean(nll(f), undefined, false))) };
  let total = terms.clean!;
  if (!twins) return { total, terms };

  const add = (term: LossTerm, weight: number, value: () => Tensor): void => {
    if (weight <= 0) return;
    const v = value();
    terms[term] = v;
    total = Add(total, Mul(v, weight));
  };
  add('unmasked', weights.unmasked, () => sum(twins.synth.map((f, i) => weightedMean(nll(f), twins.keep[i]))));
  add('margin', weights.margin, () =>
    sum(
      twins.synth.map((f, i) => {
        const gap = Sub(positionScore(f.z), positionScore(clean[i].z));
        return weightedMean(Relu(Sub(weights.marginValue, gap)), twins.masked[i]);
      }),
    ),
  );
  add('contrast', weights.contrast, () => sum(twins.synth.map((f, i) => weightedMean(Relu(cosineSimilarity(f.z, clean[i].z, 1)), twins.masked[i]))));
  add('pull', weights.pull, () =>
    sum(
      clean.map((f) => {
        const pooled = ReduceMean(f.z, [2, 3], false); // (N, C)
        const centre = Expand(ReduceMean(pooled, [0], true), pooled.shape);
        return ReduceMean(Sub(1, cosineSimilarity(pooled, centre, 1)), undefined, false);
      }),
    ),
  );
  add('ce', weights.ce, () => {
    const n = clean[0].z.shape[0];
    const pooled = (fs: readonly FlowOutput[]): Tensor => Mul(sum(fs.map((f) => ReduceMax(positionScore(f.z), [1, 2], false))), 1 / fs.length);
    const s = Concat([pooled(clean), pooled(twins.synth)], 0); // (2N)
    const gamma = g.param('ce.gamma', [1], 1);
    const delta = g.param('ce.delta', [1], 2);
    const logit = Mul(Sub(s, delta), gamma);
    const zeros = g.constant(new Array<number>(2 * n).fill(0), [2 * n, 1]);
    const logits = Concat([zeros, Unsqueeze(logit, [1])], 1); // (2N, 2)
    const labels = g.constant([...Array(n).fill(0), ...Array(n).fill(1)], [2 * n], 'int64');
    return crossEntropy(logits, labels, { labelSmoothing: weights.tau });
  });
  return { total, terms };
}
