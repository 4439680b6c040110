/**
 * A run's state between steps and across processes: the schedule position, lr, best validation, NaN counters
 * (`TrainerState`), and the carried tensors (params, Adam moments). Where a run starts (fresh, with the LayerNorm
 * initialised from the data, or from the last checkpoint of a killed run), and how checkpoints are written.
 */
import fs from 'node:fs';
import path from 'node:path';
import type ort from 'onnxruntime-node';
import { AppError } from '../core/errors.js';
import { LayerNormStats } from '../model/flow/ln-init.js';
import { float32Tensor, toOrtFeeds } from '../runtime/index.js';
import { updateModel } from '../store/models.js';
import { deleteTrainingEventsAfter } from '../store/training-events.js';
import { type CheckpointTensor, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import type { FeatureSource } from './features.js';
import type { RunPlan } from './plan.js';
import type { RunHooks } from './types.js';

export interface TrainerState {
  readonly version: 1;
  step: number;
  epoch: number;
  lr: number;
  best: { auroc: number; separation: number; epoch: number; step: number } | null;
  epochsSinceBest: number;
  nanInRow: number;
  nanTotal: number;
  elapsedSeconds: number;
  stoppedEarly: boolean;
  done: boolean;
}

export interface RunStart {
  /** Initial carried values: params and optimizer state of the training graph. */
  readonly carried: Record<string, ort.Tensor>;
  readonly state: TrainerState;
  /** The step a resumed run continues from (0: resumed without a checkpoint); null for a fresh run. */
  readonly resumedFromStep: number | null;
}

/** Where the run starts: the graph's initial values (LayerNorm from the data), or the last checkpoint. */
export async function startOfRun(plan: RunPlan, features: FeatureSource, train: readonly { file: string; sha256: string }[], provider: string, hooks: RunHooks): Promise<RunStart> {
  const { settings, model, files } = plan;
  const carried: Record<string, ort.Tensor> = toOrtFeeds(plan.graphs.train.initial);
  const fromCheckpoint = plan.resumed && fs.existsSync(files.last);
  if (settings.layerNormInit === 'data' && !fromCheckpoint) {
    hooks.progress(0.04, 'initialising the LayerNorm from the training features', { step: 0, totalSteps: plan.schedule.totalSteps, epoch: 0, executionProvider: provider });
    Object.assign(carried, await layerNormFromData(plan, features, train, hooks.signal));
  }
  const fresh: TrainerState = { version: 1, step: 0, epoch: 0, lr: settings.lr, best: null, epochsSinceBest: 0, nanInRow: 0, nanTotal: 0, elapsedSeconds: 0, stoppedEarly: false, done: false };
  if (fromCheckpoint) {
    const ck = readCheckpoint<TrainerState>(files.last);
    for (const [name, t] of ck.tensors) {
      if (!(name in carried)) throw new AppError('invalid_file', `checkpoint ${files.last}: unknown tensor "${name}" (the model config changed?)`, { file: files.last });
      carried[name] = float32Tensor(t.data, t.shape);
    }
    deleteTrainingEventsAfter(plan.project.db, model.id, ck.state.step);
    hooks.log('info', `model ${model.id}: resuming at step ${ck.state.step} (epoch ${ck.state.epoch})`);
    return { carried, state: ck.state, resumedFromStep: ck.state.step };
  }
  if (plan.resumed) {
    deleteTrainingEventsAfter(plan.project.db, model.id, -1);
    return { carried, state: fresh, resumedFromStep: 0 };
  }
  return { carried, state: fresh, resumedFromStep: null };
}

/** Standardises every feature position over the clean training images (see app/model/flow/ln-init.ts). */
async function layerNormFromData(plan: RunPlan, features: FeatureSource, train: readonly { file: string; sha256: string }[], signal?: AbortSignal): Promise<Record<string, ort.Tensor>> {
  const taps = plan.spec.taps;
  const stats = taps.map((t) => new LayerNormStats(t.channels * t.height * t.width));
  for (let start = 0; start < train.length; start += 16) {
    signal?.throwIfAborted();
    for (const f of await features.clean(train.slice(start, start + 16))) stats.forEach((s, i) => s.add(f[i].data));
  }
  const out: Record<string, ort.Tensor> = {};
  taps.forEach((t, i) => {
    const { scale, bias } = stats[i].result();
    out[`t${i}.ln.scale`] = float32Tensor(scale, [t.channels, t.height, t.width]);
    out[`t${i}.ln.bias`] = float32Tensor(bias, [t.channels, t.height, t.width]);
  });
  return out;
}

/** The last checkpoint: every carried tensor and the state, so a killed run resumes here; recorded on the row. */
export function saveLast(plan: RunPlan, state: TrainerState, carried: Readonly<Record<string, ort.Tensor>>): void {
  writeCheckpoint(plan.files.last, state, checkpointTensors(carried, Object.keys(carried)));
  updateModel(plan.project.db, plan.model.id, { checkpointPath: path.relative(plan.project.dir, plan.files.last) });
}

/** The best checkpoint: the params only (what the export needs). */
export function saveBest(plan: RunPlan, state: TrainerState, carried: Readonly<Record<string, ort.Tensor>>): void {
  writeCheckpoint(plan.files.best, state, checkpointTensors(carried, plan.graphs.train.paramNames));
}

/** The params to export: the best checkpoint's where one was written, else the current ones. */
export function bestParams(plan: RunPlan, carried: Readonly<Record<string, ort.Tensor>>): Record<string, ort.Tensor> {
  const best = fs.existsSync(plan.files.best) ? readCheckpoint<TrainerState>(plan.files.best).tensors : null;
  const params: Record<string, ort.Tensor> = {};
  for (const name of plan.graphs.train.paramNames) {
    const t = best?.get(name);
    params[name] = t ? float32Tensor(t.data, t.shape) : carried[name];
  }
  return params;
}

function checkpointTensors(carried: Readonly<Record<string, ort.Tensor>>, names: readonly string[]): Map<string, CheckpointTensor> {
  const tensors = new Map<string, CheckpointTensor>();
  for (const name of names) tensors.set(name, { shape: carried[name].dims.map(Number), data: carried[name].data as Float32Array });
  return tensors;
}
