/**
 * The engine's loop over a planned run: per epoch, the synthesis batches (a pure function of seed and epoch, so a
 * resumed run replays the schedule and skips the batches it already consumed), one guarded training step each, a
 * checkpoint every `checkpointEvery` steps; at the epoch's end validation, the best params kept, early stopping and
 * the last checkpoint. Progress, logs and cancellation go through the hooks.
 *
 * Non-finite steps: TrainingLoop does not commit a step whose loss terms or gradient norm are not finite (params and
 * Adam state untouched); here the lr is halved, the step is logged and recorded, and `maxNanSteps` in a row stop
 * training with a clear message.
 */
import path from 'node:path';
import type ort from 'onnxruntime-node';
import type { ImageAligner } from '../model/align-runner.js';
import { stackTap } from '../model/features/stack.js';
import { featureInput, type TrainGraph } from '../model/flow/graphs.js';
import { tileBoxFeed } from '../model/flow/position.js';
import { float32Tensor, type Session, TrainingLoop } from '../runtime/index.js';
import { insertTrainingEvent } from '../store/training-events.js';
import { type SynthesisBatch, synthesisBatches } from '../synthesis/index.js';
import { AppError } from '../core/errors.js';
import type { FeatureSource } from './features.js';
import { addFeatureNoise, featureNoiseSeed } from './feature-noise.js';
import type { RealDefects } from './real-defects.js';
import { downsampleMask } from './masks.js';
import type { RunPlan } from './plan.js';
import { type RunStart, saveBest, saveLast, type TrainerState } from './run-state.js';
import type { CompiledRun, RunImages, ValidationSet } from './setup.js';
import type { RunHooks } from './types.js';
import { validate } from './validate.js';

/** A run under way: what it trains on, validates with, and where it stands. */
export interface ActiveRun {
  readonly features: FeatureSource;
  readonly images: RunImages;
  readonly val: ValidationSet;
  readonly compiled: CompiledRun;
  readonly loop: TrainingLoop;
  readonly state: TrainerState;
  /** The step a resumed run continued from (RunStart). */
  readonly resumedFromStep: number | null;
  /** The aligner of models trained with alignment (exported with the model). */
  readonly aligner: ImageAligner | undefined;
  /** Date.now() at which the run would have started had it never been interrupted (elapsed time carries over). */
  readonly started: number;
  /** The training defects that take twin slots (CL-Flow), or undefined without any. */
  readonly realDefects?: RealDefects;
}

interface Phase {
  readonly graph: TrainGraph;
  readonly session: Session;
}

/** The graph of a step: the FastFlow warm-up graph for the first `warmupSteps` steps, then the training graph. */
function phaseAt(plan: RunPlan, compiled: CompiledRun, step: number): Phase {
  const warmup = plan.graphs.warmup;
  if (warmup && compiled.warmup && step < plan.schedule.warmupSteps) return { graph: warmup, session: compiled.warmup };
  return { graph: plan.graphs.train, session: compiled.train };
}

/** The loop, on the graph of the step the run starts at, with the run's initial carried values. */
export function openLoop(plan: RunPlan, compiled: CompiledRun, start: RunStart): TrainingLoop {
  const phase = phaseAt(plan, compiled, start.state.step);
  return new TrainingLoop(phase.session, { initial: start.carried, feedback: phase.graph.feedback });
}

const trainFraction = (plan: RunPlan, step: number) => 0.05 + (0.9 * step) / plan.schedule.totalSteps;

/** Runs the remaining epochs of the schedule; `run.state` says where it ended (steps, best, stopped early). */
export async function runEpochs(plan: RunPlan, run: ActiveRun, hooks: RunHooks): Promise<void> {
  const { state } = run;
  const { totalSteps, stepsPerEpoch, batch } = plan.schedule;
  const timing = { stepSeconds: 0 };
  while (!state.done && state.step < totalSteps) {
    const skip = state.step - state.epoch * stepsPerEpoch; // batches of this epoch a killed run already consumed
    for await (const b of synthesisBatches({
      sources: run.images.train.map((i) => i.file),
      presets: plan.presets,
      batchSize: batch,
      seed: plan.settings.seed,
      epoch: state.epoch,
      size: { width: plan.preprocess.width, height: plan.preprocess.height },
      workers: plan.settings.synthWorkers,
      dropLast: true,
      signal: hooks.signal,
    })) {
      if (b.index < skip) continue;
      if (state.step >= totalSteps || b.index >= stepsPerEpoch) break;
      hooks.signal?.throwIfAborted();
      await trainStep(plan, run, hooks, b, timing);
    }
    await endEpoch(plan, run, hooks);
  }
}

/** One step on one synthesis batch: run it (committed only if finite), record it, checkpoint when due. */
async function trainStep(plan: RunPlan, run: ActiveRun, hooks: RunHooks, b: SynthesisBatch, timing: { stepSeconds: number }): Promise<void> {
  const { state, loop } = run;
  const { totalSteps, batch } = plan.schedule;
  const modelId = plan.model.id;
  const t0 = Date.now();
  const phase = phaseAt(plan, run.compiled, state.step);
  if (loop.session !== phase.session) loop.swap(phase.session, phase.graph.feedback);
  const fetch = ['loss', ...phase.graph.terms.map((t) => `loss.${t}`), 'optim.grad_norm'];
  const real = phase.graph.withTwins && run.realDefects ? run.realDefects.splice(b) : { batch: b, replaced: 0 };
  const feeds = await stepFeeds(plan, run, real.batch, phase.graph.withTwins);
  const { outputs, committed } = await loop.stepIfFinite(feeds, fetch, fetch);
  const losses: Record<string, number> = {};
  for (const name of fetch) losses[name.replace(/^loss\.?/, '') || 'total'] = (outputs[name].data as Float32Array)[0];
  state.step++;
  if (committed) state.nanInRow = 0;
  else skippedStep(plan, run, hooks, losses);
  const dt = (Date.now() - t0) / 1000;
  timing.stepSeconds = timing.stepSeconds === 0 ? dt : 0.8 * timing.stepSeconds + 0.2 * dt;
  const imagesPerSecond = (batch * (phase.graph.withTwins ? 2 : 1)) / Math.max(timing.stepSeconds, 1e-6);
  const etaSeconds = (totalSteps - state.step) * timing.stepSeconds;
  if (committed) {
    insertTrainingEvent(plan.project.db, { modelId, step: state.step, epoch: state.epoch, kind: 'train', data: { losses, lr: state.lr, imagesPerSecond, ...(real.replaced ? { realDefects: real.replaced } : {}) } });
    hooks.progress(trainFraction(plan, state.step), `epoch ${state.epoch + 1}, step ${state.step}/${totalSteps}, loss ${losses.total.toFixed(4)}`, {
      step: state.step, totalSteps, epoch: state.epoch, losses, lr: state.lr, imagesPerSecond, etaSeconds, executionProvider: run.compiled.provider, event: 'train',
    });
  }
  if (state.step % plan.settings.checkpointEvery === 0 && state.step < totalSteps) {
    state.elapsedSeconds = (Date.now() - run.started) / 1000;
    saveLast(plan, state, loop.state);
    insertTrainingEvent(plan.project.db, { modelId, step: state.step, epoch: state.epoch, kind: 'checkpoint', data: { file: path.relative(plan.project.dir, plan.files.last) } });
  }
}

/** The step's inputs: lr, clean features of the batch and, for graphs with twins, the twins' features and masks. */
async function stepFeeds(plan: RunPlan, run: ActiveRun, b: SynthesisBatch, withTwins: boolean): Promise<Record<string, ort.Tensor>> {
  const { spec, settings } = plan;
  const { batch } = plan.schedule;
  const { height, width } = plan.preprocess;
  const sources = b.sourceIndices.map((i) => run.images.train[i]!);
  const clean = await run.features.clean(sources);
  // A twin is its source tile with a defect, so one box serves the clean and the synthesized branch.
  const boxes = spec.position ? tileBoxFeed(sources.map((s) => s.box), batch) : {};
  const feeds: Record<string, ort.Tensor> = { lr: float32Tensor([run.state.lr], []), ...boxes };
  const inject = settings.injectNanAtSteps.includes(run.state.step);
  const noise = (buf: Float32Array, t: (typeof spec.taps)[number], i: number, branch: 'clean' | 'synth') =>
    addFeatureNoise(buf, batch, t.channels, t.height * t.width, settings.featureNoise, featureNoiseSeed(settings.seed, run.state.step, i, branch));
  spec.taps.forEach((t, i) => {
    const buf = stackTap(clean, i, batch);
    noise(buf, t, i, 'clean');
    if (inject && i === 0) buf.fill(NaN);
    feeds[featureInput('clean', i)] = float32Tensor(buf, [batch, t.channels, t.height, t.width]);
  });
  if (withTwins) {
    const synth = await run.features.fromUnitBatch(b.images, batch);
    spec.taps.forEach((t, i) => {
      const buf = stackTap(synth, i, batch);
      noise(buf, t, i, 'synth');
      feeds[featureInput('synth', i)] = float32Tensor(buf, [batch, t.channels, t.height, t.width]);
      const mk = downsampleMask(b.masks, batch, height, width, t.stride);
      feeds[featureInput('masked', i)] = float32Tensor(mk.masked, [batch, t.height, t.width]);
      feeds[featureInput('keep', i)] = float32Tensor(mk.keep, [batch, t.height, t.width]);
    });
  }
  return feeds;
}

/** A step the loop did not commit: halve the lr, say so, and give up after `maxNanSteps` in a row. */
function skippedStep(plan: RunPlan, run: ActiveRun, hooks: RunHooks, losses: Record<string, number>): void {
  const { state } = run;
  const modelId = plan.model.id;
  state.nanInRow++;
  state.nanTotal++;
  const lr = state.lr;
  state.lr = lr / 2;
  const msg = `step ${state.step}: non-finite loss or gradient (${Object.entries(losses).map(([k, v]) => `${k} ${v}`).join(', ')}); step skipped, lr halved ${lr} → ${state.lr}`;
  hooks.log('warn', `model ${modelId}: ${msg}`);
  insertTrainingEvent(plan.project.db, { modelId, step: state.step, epoch: state.epoch, kind: 'nan', data: { losses, lrBefore: lr, lrAfter: state.lr, inRow: state.nanInRow } });
  hooks.progress(trainFraction(plan, state.step), msg, { step: state.step, totalSteps: plan.schedule.totalSteps, epoch: state.epoch, lr: state.lr, executionProvider: run.compiled.provider, event: 'nan' });
  if (state.nanInRow >= plan.settings.maxNanSteps) {
    throw new AppError('internal', `training stopped: ${state.nanInRow} steps in a row had a non-finite loss (last lr ${state.lr}); check the images and lower lr`);
  }
}

/** End of an epoch (or of the step budget): validate, keep the best, maybe stop early, write the last checkpoint. */
async function endEpoch(plan: RunPlan, run: ActiveRun, hooks: RunHooks): Promise<void> {
  const { state, loop } = run;
  const { settings } = plan;
  const epoch = state.epoch;
  const v = await validate(run.compiled.scorer, run.val, loop.state);
  // Checkpoints of the warm-up are FastFlow, not the model asked for: the best is chosen (and patience counted)
  // among the fine-tuned ones only. Their scores are on another scale, so separations would not compare anyway.
  const eligible = state.step > plan.schedule.warmupSteps;
  const better = eligible && (!state.best || v.auroc > state.best.auroc + 1e-9 || (v.auroc >= state.best.auroc - 1e-9 && v.separation > state.best.separation));
  if (better) {
    state.best = { auroc: v.auroc, separation: v.separation, epoch, step: state.step };
    state.epochsSinceBest = 0;
    saveBest(plan, state, loop.state);
  } else if (eligible) state.epochsSinceBest++;
  insertTrainingEvent(plan.project.db, { modelId: plan.model.id, step: state.step, epoch, kind: 'val', data: { imageAuroc: v.auroc, separation: v.separation, best: better } });
  hooks.progress(trainFraction(plan, state.step), `epoch ${epoch + 1}: validation image AUROC ${v.auroc.toFixed(4)}${better ? ' (best)' : ''}`, {
    step: state.step, totalSteps: plan.schedule.totalSteps, epoch, valImageAuroc: v.auroc, executionProvider: run.compiled.provider, event: 'val',
  });
  state.epoch = epoch + 1;
  if (state.epochsSinceBest >= settings.patience) {
    state.stoppedEarly = true;
    state.done = true;
    hooks.log('info', `model ${plan.model.id}: early stop after epoch ${epoch + 1} (no better validation AUROC for ${settings.patience} epochs)`);
  }
  if (state.step >= plan.schedule.totalSteps) state.done = true;
  state.elapsedSeconds = (Date.now() - run.started) / 1000;
  saveLast(plan, state, loop.state);
}
