/**
 * CL-Flow / FastFlow training, end to end in one process (the `train` job's worker, or the CLI):
 * select data → cache clean features → per step: a synthesis batch (clean + twins + masks), twin features from the
 * frozen backbone, one run of the compiled training graph → validation each epoch (image AUROC on held-out clean
 * images vs their synthesized twins and any real labelled defects) with early stopping and the best params kept →
 * thresholds → the one-file ONNX model in the project.
 *
 * The run in four parts, as an engine separates a model's step from its loop: `prepareRun` (plan.ts) settles the
 * request into a plan and the model row; setup.ts opens what the run needs; `runEpochs` (epochs.ts) drives the
 * TrainingLoop (app/runtime: commit-if-finite, the warm-up → fine-tuning swap) through the schedule; `finishModel`
 * (finish.ts) exports. This module wires them and owns the failure path: a run that throws marks its model
 * 'failed' (or 'cancelled') and releases every session.
 *
 * Robustness: a non-finite loss or gradient norm skips the step (params untouched), halves the lr and is logged;
 * `maxNanSteps` in a row stop training with a clear message. Checkpoints (params, Adam moments, schedule position)
 * are written atomically every `checkpointEvery` steps and at each epoch end; a killed run resumes from the last
 * one and replays the same schedule (synthesis batches are a pure function of seed and epoch).
 */
import { updateModel } from '../store/models.js';
import type { Project } from '../store/project.js';
import { openLoop, runEpochs } from './epochs.js';
import { finishModel } from './finish.js';
import { prepareRun } from './plan.js';
import { startOfRun } from './run-state.js';
import { compileRun, prepareImages, RunResources, trainingDefects, validationSet } from './setup.js';
import type { RunHooks, TrainOptions, TrainResult } from './types.js';

export type { StoredModelConfig, TrainOptions, TrainProgress, TrainResult } from './types.js';
export { DEFAULT_MIN_STRIDE, tapShapes } from './taps.js';
export { modelMetadata } from './finish.js';

export async function trainModel(project: Project, options: TrainOptions = {}): Promise<TrainResult> {
  const hooks: RunHooks = { log: options.log ?? (() => {}), progress: options.progress ?? (() => {}), signal: options.signal };
  const plan = prepareRun(project, options);
  const { model, data, settings, schedule } = plan;
  hooks.log('info', `model ${model.id}: ${settings.objective}, ${data.train.length} training / ${data.valGood.length} validation images, batch ${schedule.batch}, ${schedule.totalSteps} steps, ${plan.paramCount} flow params`);
  const res = await RunResources.open(plan);
  try {
    const images = await prepareImages(plan, res, hooks);
    const val = await validationSet(plan, res.features, images, hooks.signal);
    const compiled = await compileRun(plan, res, val.good.length, hooks);
    const start = await startOfRun(plan, res.features, images.train, compiled.provider, hooks);
    const loop = openLoop(plan, compiled, start);
    const realDefects = await trainingDefects(plan, hooks, res.aligner);
    const run = { features: res.features, images, val, compiled, loop, state: start.state, resumedFromStep: start.resumedFromStep, aligner: res.aligner, started: Date.now() - start.state.elapsedSeconds * 1000, realDefects };
    await runEpochs(plan, run, hooks);
    return await finishModel(plan, run, hooks);
  } catch (err) {
    const cancelled = hooks.signal?.aborted ?? false;
    try {
      updateModel(project.db, model.id, { status: cancelled ? 'cancelled' : 'failed', metrics: { error: (err as Error).message } });
    } catch {
      // the row may be gone (project deleted); the original error matters more
    }
    throw err;
  } finally {
    await res.release();
  }
}
