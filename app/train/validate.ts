/**
 * Validation of a set of params: image AUROC of the clean held-out images against their synthesized twins and any
 * real labelled defects, and the separation (mean defect score above the clean mean, in clean standard deviations)
 * that breaks AUROC ties. The per-image scores come back too: thresholds are chosen from them.
 */
import type ort from 'onnxruntime-node';
import { imageAuroc } from '../eval/index.js';
import type { FeatureScorer } from '../model/flow/scorer.js';
import type { ValidationSet } from './setup.js';

export interface Validation {
  readonly auroc: number;
  readonly separation: number;
  readonly good: Float32Array;
  readonly synth: Float32Array;
  readonly real: Float32Array;
}

export async function validate(scorer: FeatureScorer, val: ValidationSet, params: Readonly<Record<string, ort.Tensor>>): Promise<Validation> {
  const good = (await scorer.score(val.good, params)).scores;
  const synth = (await scorer.score(val.synth, params)).scores;
  const real = (await scorer.score(val.defects, params)).scores;
  const defects = [...synth, ...real];
  const labels = [...Array.from(good, () => 0), ...defects.map(() => 1)];
  const auroc = imageAuroc([...good, ...defects], labels);
  const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / Math.max(1, a.length);
  const mg = mean(good);
  const sd = Math.sqrt(mean(Array.from(good, (v) => (v - mg) ** 2))) + 1e-9;
  return { auroc, separation: (mean(defects) - mg) / sd, good, synth, real };
}
