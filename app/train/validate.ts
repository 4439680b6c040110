/**
 * Validation of a set of params: image AUROC of the clean held-out images against their synthesized twins and any
 * real labelled defects, and the separation (mean defect score above the clean mean, in clean standard deviations)
 * that breaks AUROC ties. The per-image scores come back too: thresholds are chosen from them.
 *
 * Tiled models are validated on whole images, the way they are judged: an image's score is the maximum over its
 * tiles, and its twin is the image with one tile replaced by the synthesized one.
 */
import type ort from 'onnxruntime-node';
import { imageAuroc } from '../eval/index.js';
import type { FeatureScorer } from '../model/flow/scorer.js';
import { imageScoreOfTiles } from '../model/tiling.js';
import type { TiledValidation, ValidationSet } from './setup.js';

export interface Validation {
  readonly auroc: number;
  readonly separation: number;
  readonly good: Float32Array;
  readonly synth: Float32Array;
  readonly real: Float32Array;
}

/** Tile scores → image scores (see TiledValidation). */
function wholeImages(t: TiledValidation, good: Float32Array, synth: Float32Array, real: Float32Array): Pick<Validation, 'good' | 'synth' | 'real'> {
  const of = (scores: Float32Array, group: number[]) => imageScoreOfTiles(group.map((k) => scores[k]!));
  return {
    good: Float32Array.from(t.good, (g) => of(good, g)),
    synth: Float32Array.from(t.good, (g, i) => imageScoreOfTiles([...g.filter((k) => k !== t.twinTile[i]).map((k) => good[k]!), synth[i]!])),
    real: Float32Array.from(t.defects, (g) => of(real, g)),
  };
}

export async function validate(scorer: FeatureScorer, val: ValidationSet, params: Readonly<Record<string, ort.Tensor>>): Promise<Validation> {
  let good = (await scorer.score(val.good, params, false, val.boxes?.good)).scores;
  let synth = (await scorer.score(val.synth, params, false, val.boxes?.synth)).scores;
  let real = (await scorer.score(val.defects, params, false, val.boxes?.defects)).scores;
  if (val.tiled) ({ good, synth, real } = wholeImages(val.tiled, good, synth, real));
  const defects = [...synth, ...real];
  const labels = [...Array.from(good, () => 0), ...defects.map(() => 1)];
  const auroc = imageAuroc([...good, ...defects], labels);
  const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / Math.max(1, a.length);
  const mg = mean(good);
  const sd = Math.sqrt(mean(Array.from(good, (v) => (v - mg) ** 2))) + 1e-9;
  return { auroc, separation: (mean(defects) - mg) / sd, good, synth, real };
}
