/**
 * CL-Flow / FastFlow training, end to end in one process (the `train` job's worker, or the CLI):
 * select data → cache clean features → per step: a synthesis batch (clean + twins + masks), twin features from the
 * frozen backbone, one run of the compiled training graph → validation each epoch (image AUROC on held-out clean
 * images vs their synthesized twins and any real labelled defects) with early stopping and the best params kept →
 * thresholds → the one-file ONNX model in the project.
 *
 * Robustness: a non-finite loss or gradient norm skips the step (params untouched), halves the lr and is logged;
 * `maxNanSteps` in a row stop training with a clear message. Checkpoints (params, Adam moments, schedule position)
 * are written atomically every `checkpointEvery` steps and at each epoch end; a killed run resumes from the last
 * one and replays the same schedule (synthesis batches are a pure function of seed and epoch).
 */
import { writeFileAtomic } from '../core/atomic-write.js';
import fs from 'node:fs';
import path from 'node:path';
import type ort from 'onnxruntime-node';
import { AppError } from '../core/errors.js';
import { imageAuroc } from '../eval/index.js';
import { builtinBackbone } from '../model/backbone/builtin.js';
import { modelBackbone } from '../model/backbone/colour-tap.js';
import type { BackboneInfo } from '../core/backbone.js';
import { FeatureCache, type TapFeatures } from '../model/features/cache.js';
import type { TapShape } from '../model/flow/config.js';
import { type ModelSpec, buildInferenceGraph, buildTrainGraph, featureInput, IMAGE_INPUT, MAP_OUTPUT, modelParamCount, SCORE_OUTPUT } from '../model/flow/graphs.js';
import { LayerNormStats } from '../model/flow/ln-init.js';
import { type ModelMetadata, METADATA_FORMAT, metadataProps } from '../model/metadata.js';
import { FeatureScorer } from '../model/flow/scorer.js';
import { createSession, float32Tensor, toOrtFeeds } from '../runtime/index.js';
import { getModel, insertModel, type ModelRecord, updateModel } from '../store/models.js';
import type { Project } from '../store/project.js';
import { deleteTrainingEventsAfter, insertTrainingEvent } from '../store/training-events.js';
import { getPresetByName } from '../store/presets.js';
import { synthesisBatches } from '../synthesis/index.js';
import { type CheckpointTensor, cleanCheckpointTemps, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { type AlignmentReference, alignedCopies, alignerFor, chooseReference } from './align.js';
import { type TrainingData, imageFile, selectTrainingData } from './data.js';
import type { ImageAligner } from '../model/align-runner.js';
import { FeatureSource } from './features.js';
import { stackTap } from '../model/features/stack.js';
import { downsampleMask } from './masks.js';
import { parseTrainSettings, type TrainSettings } from './settings.js';
import { chooseThresholds, type ScoreNorm, scoreNorm, type Thresholds } from './thresholds.js';

export interface TrainOptions {
  readonly category?: string;
  readonly datasetId?: number;
  /** Raw settings (validated here); `objective` below overrides settings.objective. */
  readonly settings?: unknown;
  readonly objective?: 'clflow' | 'fastflow';
  readonly name?: string;
  readonly jobId?: number | null;
  /** Continue this model from its last checkpoint (same settings and schedule). */
  readonly resumeModelId?: number;
  readonly signal?: AbortSignal;
  readonly progress?: (fraction: number, message: string, data?: TrainProgress) => void;
  readonly log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>) => void;
  /** Defaults to the built-in MobileNetV2 backbone. */
  readonly backbone?: BackboneInfo;
}

export interface TrainProgress {
  readonly step: number;
  readonly totalSteps: number;
  readonly epoch: number;
  readonly losses?: Record<string, number>;
  readonly lr?: number;
  readonly valImageAuroc?: number;
  readonly imagesPerSecond?: number;
  readonly etaSeconds?: number;
  readonly executionProvider: string;
  readonly event?: 'train' | 'val' | 'nan' | 'checkpoint';
}

export interface TrainResult {
  readonly modelId: number;
  readonly name: string;
  readonly objective: 'clflow' | 'fastflow';
  readonly paramCount: number;
  readonly steps: number;
  readonly epochs: number;
  readonly bestEpoch: number | null;
  readonly stoppedEarly: boolean;
  readonly nanSteps: number;
  readonly resumedFromStep: number | null;
  readonly metrics: Record<string, number | null>;
  readonly thresholds: Thresholds;
  readonly onnxPath: string;
  readonly executionProvider: string;
  readonly trainingSeconds: number;
}

/** Stored in `models.config_json`: everything needed to rebuild, resume or export the model. */
export interface StoredModelConfig {
  readonly settings: TrainSettings;
  readonly selection: { readonly category?: string; readonly datasetId?: number };
  readonly spec: ModelSpec;
  readonly backbone: { readonly name: string; readonly sha256: string; readonly taps: BackboneInfo['taps'] };
  /** The training image every image is aligned onto (settings.align.mode 'translation'). */
  readonly alignReference?: AlignmentReference;
}

interface TrainerState {
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

const LAST = 'last.ckpt';
const BEST = 'best.ckpt';

/** Finest stride a model uses unless `strides` says otherwise (settings.ts). */
export const DEFAULT_MIN_STRIDE = 8;

/** The taps a model uses (those at `strides`; default: stride ≥ 8, or all when none is) at an input size. */
export function tapShapes(backbone: BackboneInfo, height: number, width: number, strides?: readonly number[]): TapShape[] {
  const missing = (strides ?? []).filter((s) => !backbone.taps.some((t) => t.stride === s));
  if (missing.length) {
    throw new AppError('invalid_request', `invalid training settings: strides: backbone ${backbone.name} has no tap at stride ${missing.join(', ')} (its taps: ${backbone.taps.map((t) => `${t.name} at ${t.stride}`).join(', ')})`);
  }
  const coarse = backbone.taps.filter((t) => t.stride >= DEFAULT_MIN_STRIDE);
  const chosen = strides ? backbone.taps.filter((t) => strides.includes(t.stride)) : coarse.length ? coarse : backbone.taps;
  return chosen.map((t) => ({ name: t.name, channels: t.channels, stride: t.stride, height: height / t.stride, width: width / t.stride }));
}

export async function trainModel(project: Project, options: TrainOptions = {}): Promise<TrainResult> {
  const log = options.log ?? (() => {});
  const progress = options.progress ?? (() => {});
  const signal = options.signal;
  const baseBackbone = options.backbone ?? builtinBackbone({ outDir: project.path('backbones') });

  // ---- settings, data, model row -------------------------------------------------------------------------
  let model: ModelRecord;
  let settings: TrainSettings;
  let selection: StoredModelConfig['selection'];
  let storedReference: AlignmentReference | undefined;
  let storedBackbone: StoredModelConfig['backbone'] | undefined;
  let resumed = false;
  if (options.resumeModelId !== undefined) {
    const found = getModel(project.db, options.resumeModelId);
    if (!found) throw new AppError('not_found', `model ${options.resumeModelId} does not exist`);
    if (found.status === 'ready') throw new AppError('conflict', `model ${found.id} has finished training; nothing to resume`);
    const stored = found.config as unknown as StoredModelConfig;
    // Models started before `strides` and `colourTap` existed used every backbone tap and no colour tap.
    settings = parseTrainSettings({ colourTap: false, strides: stored.spec.taps.map((t) => t.stride), ...(stored.settings as Record<string, unknown>) });
    selection = stored.selection;
    storedReference = stored.alignReference;
    storedBackbone = stored.backbone;
    model = found;
    resumed = true;
  } else {
    const raw = (options.settings ?? {}) as Record<string, unknown>;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new AppError('invalid_request', 'training settings must be a JSON object');
    settings = parseTrainSettings(options.objective ? { ...raw, objective: options.objective } : raw);
    selection = { ...(options.category !== undefined ? { category: options.category } : {}), ...(options.datasetId !== undefined ? { datasetId: options.datasetId } : {}) };
    model = undefined as unknown as ModelRecord;
  }
  const backbone = modelBackbone(baseBackbone, settings.colourTap, project.path('backbones'));
  if (storedBackbone && storedBackbone.sha256 !== backbone.sha256) {
    throw new AppError('conflict', `model ${model.id} was trained on backbone ${storedBackbone.name} (${storedBackbone.sha256.slice(0, 12)}), which is not the one available now`);
  }
  // Presets by name: the built-ins and the project's own (tuned in the Synthesis view).
  const presetParams = settings.presets.map((name) => {
    const preset = getPresetByName(project.db, name);
    if (!preset) throw new AppError('invalid_request', `invalid training settings: presets: unknown synthesis preset "${name}"`);
    return preset.params;
  });
  const height = settings.imageSize;
  const width = settings.imageWidth ?? settings.imageSize;
  const m = backbone.input.multipleOf;
  if (height % m || width % m) throw new AppError('invalid_request', `invalid training settings: imageSize ${height}×${width} must be a multiple of ${m} for backbone ${backbone.name}`);

  const data = selectTrainingData(project, selection, settings.seed, settings.valFraction);
  const spec: ModelSpec = { taps: tapShapes(backbone, height, width, settings.strides), flow: settings.flow, seed: settings.seed, height, width };
  const paramCount = modelParamCount(spec);
  const alignReference = settings.align.mode === 'translation' ? (storedReference ?? chooseReference(data.train)) : undefined;
  if (!resumed) {
    const config: StoredModelConfig = {
      settings,
      selection,
      spec,
      backbone: { name: backbone.name, sha256: backbone.sha256, taps: backbone.taps },
      ...(alignReference ? { alignReference } : {}),
    };
    model = insertModel(project.db, {
      name: options.name ?? `${settings.objective}-${data.category ?? `dataset${data.datasetId ?? ''}`}-${new Date().toISOString().slice(0, 16).replace(/[-:T]/g, '')}`,
      datasetId: data.datasetId,
      objective: settings.objective,
      backbone: backbone.name,
      config,
      paramCount,
      trainDataHash: data.hash,
      jobId: options.jobId ?? null,
    });
  } else if (model.trainDataHash !== data.hash) {
    throw new AppError('conflict', `model ${model.id}: the training images changed since the run started; start a new training instead of resuming`);
  }
  const modelId = model.id;
  const ckptDir = project.path('checkpoints', `model-${modelId}`);
  const lastFile = path.join(ckptDir, LAST);
  const bestFile = path.join(ckptDir, BEST);
  cleanCheckpointTemps(lastFile);
  cleanCheckpointTemps(bestFile);
  if (resumed) updateModel(project.db, modelId, { status: 'training' });

  const batch = Math.min(settings.batchSize, data.train.length);
  const stepsPerEpoch = Math.floor(data.train.length / batch);
  const totalSteps = Math.min(settings.epochs * stepsPerEpoch, settings.maxSteps ?? Infinity);
  log('info', `model ${modelId}: ${settings.objective}, ${data.train.length} training / ${data.valGood.length} validation images, batch ${batch}, ${totalSteps} steps, ${paramCount} flow params`);

  const session = { provider: settings.provider, intraOpThreads: settings.threads } as const;
  const cache = new FeatureCache(project.path('features'));
  const preprocess = { height, width, fit: settings.fit } as const;
  const features = await FeatureSource.create(backbone, preprocess, cache, session, spec.taps.map((t) => t.name));
  let aligner: ImageAligner | undefined;
  let trainSession: Awaited<ReturnType<typeof createSession>> | undefined;
  let warmupSession: Awaited<ReturnType<typeof createSession>> | undefined;
  let scorer: FeatureScorer | undefined;
  try {
    const toFeat = (imgs: TrainingData['train']) => imgs.map((i) => ({ file: imageFile(project, i.path), sha256: i.sha256 }));
    let trainImgs = toFeat(data.train);
    let valGoodImgs = toFeat(data.valGood);
    let valDefectImgs = toFeat(data.valDefects);
    if (alignReference) {
      // Every image (and so every synthesized twin and its mask) lives in the reference's frame from here on.
      const at = (f: number) => progress(0.02 * f, 'aligning images to the reference', { step: 0, totalSteps, epoch: 0, executionProvider: features.provider });
      at(0);
      aligner = await alignerFor(imageFile(project, alignReference.path), preprocess, settings.align.maxShift, session);
      const all = [...trainImgs, ...valGoodImgs, ...valDefectImgs];
      const copies = await alignedCopies(aligner, all, { preprocess, reference: alignReference, maxShift: settings.align.maxShift, root: project.path('aligned'), signal, progress: at });
      trainImgs = copies.images.slice(0, trainImgs.length);
      valGoodImgs = copies.images.slice(trainImgs.length, trainImgs.length + valGoodImgs.length);
      valDefectImgs = copies.images.slice(trainImgs.length + valGoodImgs.length);
      if (copies.shifts.length) {
        const sorted = [...copies.shifts].sort((a, b) => a - b);
        const largest = sorted[sorted.length - 1];
        log('info', `model ${modelId}: aligned ${sorted.length} images to ${alignReference.path}: median shift ${sorted[sorted.length >> 1].toFixed(2)} px, largest ${largest.toFixed(2)} px`);
        const limit = settings.align.maxShift * Math.max(height, width);
        if (largest > 0.9 * limit) log('warn', `model ${modelId}: an image moved ${largest.toFixed(1)} px, near the alignment search limit (${limit.toFixed(1)} px): raise align.maxShift if parts can move further`);
      }
    }
    const warmFrom = alignReference ? 0.02 : 0; // progress only moves forward: alignment took the first 2 %
    progress(warmFrom, 'caching backbone features', { step: 0, totalSteps, epoch: 0, executionProvider: features.provider });
    await features.warm([...trainImgs, ...valGoodImgs, ...valDefectImgs], signal, (f, msg) =>
      progress(warmFrom + (0.04 - warmFrom) * f, `backbone features: ${msg ?? ''}`, { step: 0, totalSteps, epoch: 0, executionProvider: features.provider }),
    );

    // Validation set: clean held-out images, their synthesized twins (fixed seed), real labelled defects.
    const valGood = await features.clean(valGoodImgs);
    const valDefects = await features.clean(valDefectImgs);
    const valSynth: TapFeatures[][] = [];
    for await (const b of synthesisBatches({
      sources: valGoodImgs.map((i) => i.file),
      presets: presetParams,
      batchSize: 8,
      seed: settings.seed + 7777,
      epoch: 0,
      size: { width, height },
      workers: 0,
      shuffle: false,
      signal,
    })) {
      valSynth.push(...(await features.fromUnitBatch(b.images, b.sourceIndices.length)));
    }

    const graphOptions = { batch, weights: settings.weights, weightDecay: settings.weightDecay, clipNorm: settings.clipNorm > 0 ? settings.clipNorm : undefined };
    const graph = buildTrainGraph(spec, { ...graphOptions, objective: settings.objective });
    trainSession = await createSession(graph.bytes, { ...session, graphOptimization: settings.sessionOptimization });
    const provider = trainSession.provider;
    log('info', `training on ${provider} (${trainSession.reason})`);
    // CL-Flow fine-tunes a flow that already models the clean features: the first `warmup` fraction of the steps
    // trains with the clean NLL alone (plain FastFlow), then the contrastive terms join. Both graphs name their
    // params and optimizer state alike, so the state carries over; the warm-up graph reads the subset it has.
    const warmupSteps = graph.withTwins ? Math.floor(settings.warmup * totalSteps) : 0;
    const warmupGraph = warmupSteps > 0 ? buildTrainGraph(spec, { ...graphOptions, objective: 'fastflow' }) : null;
    warmupSession = warmupGraph ? await createSession(warmupGraph.bytes, { ...session, graphOptimization: settings.sessionOptimization }) : undefined;
    if (warmupSteps > 0) log('info', `model ${modelId}: ${warmupSteps} FastFlow warm-up steps, then the CL-Flow terms`);
    scorer = await FeatureScorer.create(spec, Math.min(8, Math.max(valGood.length, 1)), session);

    // ---- state: fresh or from the last checkpoint ----------------------------------------------------------
    let carried: Record<string, ort.Tensor> = toOrtFeeds(graph.initial);
    let state: TrainerState = { version: 1, step: 0, epoch: 0, lr: settings.lr, best: null, epochsSinceBest: 0, nanInRow: 0, nanTotal: 0, elapsedSeconds: 0, stoppedEarly: false, done: false };
    let resumedFromStep: number | null = null;
    if (settings.layerNormInit === 'data' && !(resumed && fs.existsSync(lastFile))) {
      // Standardise every feature position over the clean training images (see app/model/flow/ln-init.ts).
      progress(0.04, 'initialising the LayerNorm from the training features', { step: 0, totalSteps, epoch: 0, executionProvider: provider });
      const stats = spec.taps.map((t) => new LayerNormStats(t.channels * t.height * t.width));
      for (let start = 0; start < trainImgs.length; start += 16) {
        signal?.throwIfAborted();
        for (const f of await features.clean(trainImgs.slice(start, start + 16))) stats.forEach((s, i) => s.add(f[i].data));
      }
      spec.taps.forEach((t, i) => {
        const { scale, bias } = stats[i].result();
        carried[`t${i}.ln.scale`] = float32Tensor(scale, [t.channels, t.height, t.width]);
        carried[`t${i}.ln.bias`] = float32Tensor(bias, [t.channels, t.height, t.width]);
      });
    }
    if (resumed && fs.existsSync(lastFile)) {
      const ck = readCheckpoint<TrainerState>(lastFile);
      for (const [name, t] of ck.tensors) {
        if (!(name in carried)) throw new Error(`checkpoint ${lastFile}: unknown tensor "${name}" (the model config changed?)`);
        carried[name] = float32Tensor(t.data, t.shape);
      }
      state = ck.state;
      resumedFromStep = state.step;
      deleteTrainingEventsAfter(project.db, modelId, state.step);
      log('info', `model ${modelId}: resuming at step ${state.step} (epoch ${state.epoch})`);
    } else if (resumed) {
      resumedFromStep = 0;
      deleteTrainingEventsAfter(project.db, modelId, -1);
    }

    const saveLast = (): void => {
      const tensors = new Map<string, CheckpointTensor>();
      for (const [name, t] of Object.entries(carried)) tensors.set(name, { shape: t.dims.map(Number), data: t.data as Float32Array });
      writeCheckpoint(lastFile, state, tensors);
      updateModel(project.db, modelId, { checkpointPath: path.relative(project.dir, lastFile) });
    };
    const saveBest = (): void => {
      const tensors = new Map<string, CheckpointTensor>();
      for (const name of graph.paramNames) tensors.set(name, { shape: carried[name].dims.map(Number), data: carried[name].data as Float32Array });
      writeCheckpoint(bestFile, state, tensors);
    };

    const validate = async (params: Record<string, ort.Tensor>) => {
      const good = (await scorer!.score(valGood, params)).scores;
      const synth = (await scorer!.score(valSynth, params)).scores;
      const real = (await scorer!.score(valDefects, params)).scores;
      const defects = [...synth, ...real];
      const labels = [...Array.from(good, () => 0), ...defects.map(() => 1)];
      const auroc = imageAuroc([...good, ...defects], labels);
      const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / Math.max(1, a.length);
      const mg = mean(good);
      const sd = Math.sqrt(mean(Array.from(good, (v) => (v - mg) ** 2))) + 1e-9;
      return { auroc, separation: (mean(defects) - mg) / sd, good, synth, real };
    };

    // ---- the schedule ---------------------------------------------------------------------------------------
    const phaseOf = (step: number) => {
      const g = warmupGraph && step < warmupSteps ? warmupGraph : graph;
      return {
        graph: g,
        session: g === graph ? trainSession! : warmupSession!,
        fetch: ['loss', ...g.terms.map((t) => `loss.${t}`), 'optim.grad_norm'],
        fedBack: Object.entries(g.feedback),
      };
    };
    const started = Date.now() - state.elapsedSeconds * 1000;
    let stepSeconds = 0;
    const inject = new Set(settings.injectNanAtSteps);
    while (!state.done && state.step < totalSteps) {
      const epoch = state.epoch;
      const skip = state.step - epoch * stepsPerEpoch; // batches of this epoch a killed run already consumed
      for await (const b of synthesisBatches({
        sources: trainImgs.map((i) => i.file),
        presets: presetParams,
        batchSize: batch,
        seed: settings.seed,
        epoch,
        size: { width, height },
        workers: settings.synthWorkers,
        dropLast: true,
        signal,
      })) {
        if (b.index < skip) continue;
        if (state.step >= totalSteps || b.index >= stepsPerEpoch) break;
        signal?.throwIfAborted();
        const t0 = Date.now();
        const { graph: stepGraph, session: stepSession, fetch, fedBack } = phaseOf(state.step);
        const clean = await features.clean(b.sourceIndices.map((i) => trainImgs[i]));
        const feeds: Record<string, ort.Tensor> = { lr: float32Tensor([state.lr], []) };
        spec.taps.forEach((t, i) => {
          const buf = stackTap(clean, i, batch);
          if (inject.has(state.step) && i === 0) buf.fill(NaN);
          feeds[featureInput('clean', i)] = float32Tensor(buf, [batch, t.channels, t.height, t.width]);
        });
        if (stepGraph.withTwins) {
          const synth = await features.fromUnitBatch(b.images, batch);
          spec.taps.forEach((t, i) => {
            feeds[featureInput('synth', i)] = float32Tensor(stackTap(synth, i, batch), [batch, t.channels, t.height, t.width]);
            const mk = downsampleMask(b.masks, batch, height, width, t.stride);
            feeds[featureInput('masked', i)] = float32Tensor(mk.masked, [batch, t.height, t.width]);
            feeds[featureInput('keep', i)] = float32Tensor(mk.keep, [batch, t.height, t.width]);
          });
        }
        const out = await stepSession.run({ ...pick(carried, stepSession.inputNames), ...feeds }, [...fetch, ...fedBack.map(([o]) => o)]);
        const losses: Record<string, number> = {};
        for (const name of fetch) losses[name.replace(/^loss\.?/, '') || 'total'] = (out[name].data as Float32Array)[0];
        const finite = Object.values(losses).every(Number.isFinite);
        state.step++;
        if (finite) {
          const next = { ...carried };
          for (const [o, i] of fedBack) next[i] = out[o];
          carried = next;
          state.nanInRow = 0;
        } else {
          state.nanInRow++;
          state.nanTotal++;
          const lr = state.lr;
          state.lr = lr / 2;
          const msg = `step ${state.step}: non-finite loss or gradient (${Object.entries(losses).map(([k, v]) => `${k} ${v}`).join(', ')}); step skipped, lr halved ${lr} → ${state.lr}`;
          log('warn', `model ${modelId}: ${msg}`);
          insertTrainingEvent(project.db, { modelId, step: state.step, epoch, kind: 'nan', data: { losses, lrBefore: lr, lrAfter: state.lr, inRow: state.nanInRow } });
          progress(0.05 + (0.9 * state.step) / totalSteps, msg, { step: state.step, totalSteps, epoch, lr: state.lr, executionProvider: provider, event: 'nan' });
          if (state.nanInRow >= settings.maxNanSteps) {
            throw new AppError('internal', `training stopped: ${state.nanInRow} steps in a row had a non-finite loss (last lr ${state.lr}); check the images and lower lr`);
          }
        }
        const dt = (Date.now() - t0) / 1000;
        stepSeconds = stepSeconds === 0 ? dt : 0.8 * stepSeconds + 0.2 * dt;
        const imagesPerSecond = (batch * (stepGraph.withTwins ? 2 : 1)) / Math.max(stepSeconds, 1e-6);
        const etaSeconds = (totalSteps - state.step) * stepSeconds;
        if (finite) {
          insertTrainingEvent(project.db, { modelId, step: state.step, epoch, kind: 'train', data: { losses, lr: state.lr, imagesPerSecond } });
          progress(0.05 + (0.9 * state.step) / totalSteps, `epoch ${epoch + 1}, step ${state.step}/${totalSteps}, loss ${losses.total.toFixed(4)}`, {
            step: state.step, totalSteps, epoch, losses, lr: state.lr, imagesPerSecond, etaSeconds, executionProvider: provider, event: 'train',
          });
        }
        if (state.step % settings.checkpointEvery === 0 && state.step < totalSteps) {
          state.elapsedSeconds = (Date.now() - started) / 1000;
          saveLast();
          insertTrainingEvent(project.db, { modelId, step: state.step, epoch, kind: 'checkpoint', data: { file: path.relative(project.dir, lastFile) } });
        }
      }
      // End of epoch (or of the step budget): validate, keep the best, maybe stop early.
      const v = await validate(carried);
      // Checkpoints of the warm-up are FastFlow, not the model asked for: the best is chosen (and patience counted)
      // among the fine-tuned ones only. Their scores are on another scale, so separations would not compare anyway.
      const eligible = state.step > warmupSteps;
      const better = eligible && (!state.best || v.auroc > state.best.auroc + 1e-9 || (v.auroc >= state.best.auroc - 1e-9 && v.separation > state.best.separation));
      if (better) {
        state.best = { auroc: v.auroc, separation: v.separation, epoch, step: state.step };
        state.epochsSinceBest = 0;
        saveBest();
      } else if (eligible) state.epochsSinceBest++;
      insertTrainingEvent(project.db, { modelId, step: state.step, epoch, kind: 'val', data: { imageAuroc: v.auroc, separation: v.separation, best: better } });
      progress(0.05 + (0.9 * state.step) / totalSteps, `epoch ${epoch + 1}: validation image AUROC ${v.auroc.toFixed(4)}${better ? ' (best)' : ''}`, {
        step: state.step, totalSteps, epoch, valImageAuroc: v.auroc, executionProvider: provider, event: 'val',
      });
      state.epoch = epoch + 1;
      if (state.epochsSinceBest >= settings.patience) {
        state.stoppedEarly = true;
        state.done = true;
        log('info', `model ${modelId}: early stop after epoch ${epoch + 1} (no better validation AUROC for ${settings.patience} epochs)`);
      }
      if (state.step >= totalSteps) state.done = true;
      state.elapsedSeconds = (Date.now() - started) / 1000;
      saveLast();
    }

    // ---- the best params → thresholds → the ONNX model ------------------------------------------------------
    progress(0.95, 'choosing thresholds and exporting the model', { step: state.step, totalSteps, epoch: state.epoch, executionProvider: provider });
    const bestParams: Record<string, ort.Tensor> = {};
    const best = fs.existsSync(bestFile) ? readCheckpoint<TrainerState>(bestFile).tensors : null;
    for (const name of graph.paramNames) {
      const t = best?.get(name);
      bestParams[name] = t ? float32Tensor(t.data, t.shape) : carried[name];
    }
    const v = await validate(bestParams);
    const thresholds = chooseThresholds(v.good, v.real, settings.quantile, settings.reviewQuantile);
    const norm = scoreNorm(v.good, thresholds);
    const trainingSeconds = (Date.now() - started) / 1000;
    const metrics = {
      valImageAuroc: v.auroc,
      valSeparation: v.separation,
      bestEpoch: state.best ? state.best.epoch + 1 : null,
      bestStep: state.best?.step ?? null,
      steps: state.step,
      epochs: state.epoch,
      nanSteps: state.nanTotal,
      trainImages: data.train.length,
      valImages: data.valGood.length,
      valRealDefects: data.valDefects.length,
    };
    const paramValues = new Map<string, Float32Array>();
    for (const [name, t] of Object.entries(bestParams)) paramValues.set(name, t.data as Float32Array);
    const meta = modelMetadata({ modelId, name: model.name, objective: settings.objective, spec, settings, backbone, thresholds, norm, metrics, paramCount, dataHash: data.hash });
    const onnx = buildInferenceGraph(spec, {
      backbone,
      params: paramValues,
      metadata: metadataProps(meta),
      ...(aligner ? { align: aligner.reference } : {}),
    });
    const onnxRel = path.join('models', `model-${modelId}.onnx`);
    writeFileAtomic(project.path(onnxRel), onnx);
    updateModel(project.db, modelId, {
      status: 'ready',
      metrics,
      onnxPath: onnxRel,
      checkpointPath: path.relative(project.dir, fs.existsSync(bestFile) ? bestFile : lastFile),
      thresholds: thresholds as unknown as Record<string, unknown>,
      scoreNorm: norm as unknown as Record<string, unknown>,
      trainingSeconds,
      executionProvider: provider,
    });
    progress(1, `model ${modelId} ready: validation image AUROC ${v.auroc.toFixed(4)}`, { step: state.step, totalSteps, epoch: state.epoch, valImageAuroc: v.auroc, executionProvider: provider });
    return {
      modelId,
      name: model.name,
      objective: settings.objective,
      paramCount,
      steps: state.step,
      epochs: state.epoch,
      bestEpoch: metrics.bestEpoch,
      stoppedEarly: state.stoppedEarly,
      nanSteps: state.nanTotal,
      resumedFromStep,
      metrics,
      thresholds,
      onnxPath: project.path(onnxRel),
      executionProvider: provider,
      trainingSeconds,
    };
  } catch (err) {
    const cancelled = signal?.aborted ?? false;
    try {
      updateModel(project.db, modelId, { status: cancelled ? 'cancelled' : 'failed', metrics: { error: (err as Error).message } });
    } catch {
      // the row may be gone (project deleted); the original error matters more
    }
    throw err;
  } finally {
    await features.release();
    await aligner?.release();
    await trainSession?.release();
    await warmupSession?.release();
    await scorer?.release();
  }
}

/** The entries of `record` a session takes as inputs (the warm-up graph has fewer params than the full one). */
function pick<T>(record: Record<string, T>, names: readonly string[]): Record<string, T> {
  const out: Record<string, T> = {};
  for (const n of names) if (n in record) out[n] = record[n];
  return out;
}

export function modelMetadata(m: {
  modelId: number | null;
  name: string;
  objective: 'clflow' | 'fastflow';
  spec: ModelSpec;
  settings: TrainSettings;
  backbone: Pick<BackboneInfo, 'name' | 'sha256' | 'taps'>;
  thresholds: Thresholds;
  norm: ScoreNorm;
  metrics: Record<string, unknown>;
  paramCount: number;
  dataHash: string;
}): ModelMetadata {
  return {
    format: METADATA_FORMAT,
    modelId: m.modelId,
    name: m.name,
    objective: m.objective,
    input: { name: IMAGE_INPUT, layout: 'NCHW', channels: 'RGB', range: [0, 255], height: m.spec.height, width: m.spec.width, fit: m.settings.fit },
    outputs: { map: MAP_OUTPUT, score: SCORE_OUTPUT },
    thresholds: { ...m.thresholds },
    scoreNorm: { ...m.norm },
    backbone: { name: m.backbone.name, sha256: m.backbone.sha256, taps: m.backbone.taps.map((t) => ({ ...t })) },
    training: { flow: m.spec.flow, seed: m.spec.seed, paramCount: m.paramCount, metrics: m.metrics, dataHash: m.dataHash, settings: m.settings, trainedAt: new Date().toISOString() },
  };
}
