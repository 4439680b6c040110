/**
 * The demo pipeline's `train` step: a CL-Flow model per demo category, then inference over its test split with
 * the metrics (image AUROC, pixel AUROC, AUPRO). Quick mode trains a small model at 128² for a smoke run. The
 * fixtured part (pcb) is trained with alignment.
 */
import type { DemoStep } from './demo-step.js';
import { runInference } from '../infer/run.js';
import { demoCategorySettings } from '../demo/generate.js';
import { trainableCategories } from '../store/models.js';
import { trainModel } from '../train/trainer.js';

export const trainDemoStep: DemoStep = {
  name: 'train',
  async run(ctx) {
    const settings = ctx.quick ? { imageSize: 128, epochs: 3, patience: 3, flow: { steps: 4 } } : { imageSize: 256, epochs: 8, patience: 4 };
    const categories = [...new Set(trainableCategories(ctx.project.db).map((c) => c.category).filter((c): c is string => c !== null))];
    const models: Record<string, unknown> = {};
    for (const [k, category] of categories.entries()) {
      ctx.log(`train: ${category} (CL-Flow, ${settings.imageSize}², ${settings.epochs} epochs)`);
      let last = -1;
      const r = await trainModel(ctx.project, {
        category,
        objective: 'clflow',
        settings: { ...settings, ...demoCategorySettings(category) },
        signal: ctx.signal,
        progress: (f, m) => {
          ctx.progress((k + f) / categories.length);
          const pct = Math.floor(f * 10);
          if (pct > last) {
            last = pct;
            ctx.log(`train ${category}: ${m}`);
          }
        },
      });
      const inf = await runInference(ctx.project, { modelId: r.modelId, category, split: 'test', maps: 'f16', evaluate: true, signal: ctx.signal });
      models[category] = {
        modelId: r.modelId,
        steps: r.steps,
        trainingSeconds: Math.round(r.trainingSeconds),
        valImageAuroc: r.metrics.valImageAuroc,
        thresholds: { review: r.thresholds.review, reject: r.thresholds.reject, method: r.thresholds.method },
        test: inf.metrics,
        executionProvider: r.executionProvider,
      };
    }
    return { models };
  },
};
