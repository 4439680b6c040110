/**
 * The flow model's architecture settings (what a trained model needs to be rebuilt) and the objective's weights.
 * Defaults follow FastFlow's ResNet18 setting (K = 8 steps, 3×3 subnets, hidden ratio 1.0, clamp 2.0).
 */
import { z } from 'zod';
import type { Objective } from '../../core/domain.js';
import { DEFAULT_OBJECTIVE_WEIGHTS } from './default-weights.js';

export const FlowConfig = z
  .object({
    /** Coupling steps per tap. */
    steps: z.number().int().min(1).max(32).default(8),
    /** Hidden channels of each subnet = round(C_tap × hiddenRatio). */
    hiddenRatio: z.number().min(0.05).max(8).default(1.0),
    /** '3' = 3×3 convs on every step; '3-1' = alternating 3×3 and 1×1 (FastFlow's WideResNet50 setting). */
    kernels: z.enum(['3', '3-1']).default('3'),
    /** Soft clamp of the coupling's log-scale: s ← clamp·tanh(s / clamp). */
    clamp: z.number().positive().max(10).default(2.0),
    /** Image score from the anomaly map: max of a 3×3-smoothed map, or the mean of the top-k pixels. */
    score: z.enum(['smoothed-max', 'topk-mean']).default('smoothed-max'),
    /** k for 'topk-mean', as a fraction of the pixels (at least 1 pixel). */
    topkFraction: z.number().positive().max(1).default(0.01),
  })
  .strict();
export type FlowConfig = z.output<typeof FlowConfig>;

/**
 * Weights of the objective (README, "Objective"). The clean NLL always has weight 1; every other term is
 * off at 0, and all of them at 0 is plain FastFlow.
 */
export const ObjectiveWeights = z
  .object({
    /** NLL on the unmasked positions of the synthesized twin. */
    unmasked: z.number().min(0).max(100).default(DEFAULT_OBJECTIVE_WEIGHTS.unmasked),
    /** Hinge pushing the masked positions' score above the clean twin's by `marginValue` (off by default). */
    margin: z.number().min(0).max(100).default(DEFAULT_OBJECTIVE_WEIGHTS.margin),
    /** Cosine similarity of flow outputs (masked positions of x̃ vs the same positions of x), pushed down. */
    contrast: z.number().min(0).max(100).default(DEFAULT_OBJECTIVE_WEIGHTS.contrast),
    /** Pooled clean embeddings pulled towards their batch mean (1 − cosine). */
    pull: z.number().min(0).max(100).default(DEFAULT_OBJECTIVE_WEIGHTS.pull),
    /** Cross-entropy of the pooled image score (clean 0 / synthesized 1) with label smoothing τ. */
    ce: z.number().min(0).max(100).default(DEFAULT_OBJECTIVE_WEIGHTS.ce),
    /** Margin (in units of the per-position score 0.5·mean_c z²). */
    marginValue: z.number().positive().max(100).default(2.0),
    /** Label smoothing τ of the cross-entropy. */
    tau: z.number().min(0).max(0.5).default(0.1),
  })
  .strict();
export type ObjectiveWeights = z.output<typeof ObjectiveWeights>;

export type ObjectiveKind = Objective;

/** True when no contrastive term is active: the graph needs no synthesized inputs (plain FastFlow). */
export function isPlainFastflow(kind: ObjectiveKind, w: ObjectiveWeights): boolean {
  return kind === 'fastflow' || (w.unmasked === 0 && w.margin === 0 && w.contrast === 0 && w.pull === 0 && w.ce === 0);
}

/** What the flow heads are built on: the backbone's taps at a given input size. */
export interface TapShape {
  readonly name: string;
  readonly channels: number;
  readonly stride: number;
  /** (H, W) of the tap for the model's input size. */
  readonly height: number;
  readonly width: number;
}
