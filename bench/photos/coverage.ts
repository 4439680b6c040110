/**
 * The coverage diagnostic of the photo suite: does a model miss defects, or does it flag good parts from a part of
 * the photo it never saw? Each photo is split into a training band and a test band (build.ts), so the test goods
 * come from other pixels — on a 512² texture, the other half of it. The model's held-out validation goods (training
 * band, never trained on) are scored next to the test split:
 * - `shift`: image AUROC of the test-band goods against the held-out training-band goods (0.5 = the test band looks
 *   like what the model was trained on; near 1 = the model flags the unseen region itself);
 * - `inBandImageAuroc` and `inBandByDefect`: the defective test images against the held-out goods, i.e. the
 *   detection accuracy with the coverage gap taken out.
 * The headline `imageAuroc` stays the honest one (defective vs test-band goods); these two tell its errors apart.
 */
import type { Project } from '../../app/store/project.js';
import { imageAuroc } from '../../app/eval/index.js';
import { openProjectModel } from '../../app/infer/project-model.js';
import { getModel } from '../../app/store/models.js';
import { selectTrainingData } from '../../app/train/data.js';
import { parseTrainSettings } from '../../app/train/settings.js';

export interface Coverage {
  readonly heldOutGood: number;
  readonly shift: number;
  readonly inBandImageAuroc: number;
  readonly inBandByDefect: Record<string, number>;
}

const BATCH = 8;

/** Scores of the images a model held out of its training (its validation goods), in batches. */
async function heldOutScores(project: Project, modelId: number, category: string): Promise<number[]> {
  const model = getModel(project.db, modelId);
  if (!model) throw new Error(`photo suite: model ${modelId} vanished`);
  const settings = parseTrainSettings(model.config.settings ?? {});
  const data = selectTrainingData(project, { category }, settings.seed, settings.valFraction);
  const runner = await openProjectModel(project, model);
  try {
    const scores: number[] = [];
    for (let s = 0; s < data.valGood.length; s += BATCH) {
      const r = await runner.runFiles(data.valGood.slice(s, s + BATCH).map((v) => project.path(v.path)));
      scores.push(...r.scores);
    }
    return scores;
  } finally {
    await runner.release();
  }
}

const auroc = (pos: readonly number[], neg: readonly number[]): number => imageAuroc([...pos, ...neg], [...pos.map(() => 1), ...neg.map(() => 0)]);

/** The diagnostic for a model whose test split runInference has already scored (its results are in the project). */
export async function coverageDiagnostic(project: Project, modelId: number, category: string): Promise<Coverage> {
  const held = await heldOutScores(project, modelId, category);
  const test = project.db
    .prepare(
      `SELECT r.score, i.label, i.defect_type AS type FROM results r JOIN images i ON i.id = r.image_id
       WHERE r.model_id = ? AND i.split = 'test' AND i.category = ? AND r.score IS NOT NULL`,
    )
    .all(modelId, category) as { score: number; label: string; type: string | null }[];
  const goods = test.filter((t) => t.label === 'good').map((t) => t.score);
  const bad = test.filter((t) => t.label === 'defect');
  const types = [...new Set(bad.map((b) => b.type ?? 'unknown'))].sort();
  return {
    heldOutGood: held.length,
    shift: auroc(goods, held),
    inBandImageAuroc: auroc(bad.map((b) => b.score), held),
    inBandByDefect: Object.fromEntries(types.map((t) => [t, auroc(bad.filter((b) => (b.type ?? 'unknown') === t).map((b) => b.score), held)])),
  };
}
