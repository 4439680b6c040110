/**
 * The plan of one training run, settled before any heavy work starts: the settings (fresh, or the stored ones of a
 * model being resumed), the backbone, the synthesis presets, the training and validation images, the alignment
 * reference, the schedule, the training graphs to compile, and the model row. Every request error (bad settings,
 * unknown preset, no images, a resume that no longer fits) is raised here, before a model row is created.
 */
import path from 'node:path';
import { AppError } from '../core/errors.js';
import type { BackboneInfo } from '../core/backbone.js';
import { BUILTIN_BACKBONE_NAME } from '../model/backbone/builtin.js';
import { resolveBackbone } from '../model/backbone/project-backbones.js';
import { modelBackbone } from '../model/backbone/colour-tap.js';
import type { PreprocessOptions } from '../model/features/preprocess.js';
import { tileRects } from '../model/tiling.js';
import { buildTrainGraph, type ModelSpec, modelParamCount, type TrainGraph } from '../model/flow/graphs.js';
import type { SessionConfig } from '../runtime/index.js';
import { getModel, insertModel, type ModelRecord, updateModel } from '../store/models.js';
import { getPresetByName } from '../store/presets.js';
import type { Project } from '../store/project.js';
import type { SynthesisParams } from '../synthesis/index.js';
import { type AlignmentReference, chooseReference } from './align.js';
import { cleanCheckpointTemps } from './checkpoint.js';
import { selectTrainingData, type TrainingData } from './data.js';
import { parseTrainSettings, type TrainSettings } from './settings.js';
import { tapShapes } from './taps.js';
import type { StoredModelConfig, TrainOptions } from './types.js';

export interface RunSchedule {
  /** What an epoch visits: training images, or with tiling their tiles (setup checks the cut tiles against it). */
  readonly samples: number;
  readonly batch: number;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  /** CL-Flow: the first steps train plain FastFlow (the `warmup` graph); 0 when there is no warm-up. */
  readonly warmupSteps: number;
}

export interface RunPlan {
  readonly project: Project;
  /** The model row: created for this run, or the one being resumed (status 'training' again). */
  readonly model: ModelRecord;
  readonly resumed: boolean;
  readonly settings: TrainSettings;
  readonly backbone: BackboneInfo;
  readonly presets: readonly SynthesisParams[];
  readonly data: TrainingData;
  readonly spec: ModelSpec;
  readonly paramCount: number;
  readonly alignReference: AlignmentReference | undefined;
  readonly schedule: RunSchedule;
  /** The training graph, and the FastFlow graph of the warm-up phase (null without one). */
  readonly graphs: { readonly train: TrainGraph; readonly warmup: TrainGraph | null };
  /** The run's checkpoints: the last one (resume) and the best one (export). */
  readonly files: { readonly last: string; readonly best: string };
  readonly session: SessionConfig;
  readonly preprocess: PreprocessOptions;
}

/** What the request (or the resumed model's row) asks for. */
interface Requested {
  readonly settings: TrainSettings;
  readonly selection: StoredModelConfig['selection'];
  readonly resumed?: { readonly model: ModelRecord; readonly stored: StoredModelConfig };
}

export function prepareRun(project: Project, request: TrainOptions): RunPlan {
  const req = requested(project, request);
  const { settings, resumed } = req;
  const baseBackbone = request.backbone ?? resolveBackbone(project, settings.backbone ?? BUILTIN_BACKBONE_NAME, { builtinDir: project.path('backbones') });
  const backbone = modelBackbone(baseBackbone, settings, project.path('backbones'));
  const storedBackbone = resumed?.stored.backbone;
  if (resumed && storedBackbone && storedBackbone.sha256 !== backbone.sha256) {
    throw new AppError('conflict', `model ${resumed.model.id} was trained on backbone ${storedBackbone.name} (${storedBackbone.sha256.slice(0, 12)}), which is not the one available now`);
  }
  const presets = presetParams(project, settings);
  const height = settings.imageSize;
  const width = settings.imageWidth ?? settings.imageSize;
  const m = backbone.input.multipleOf;
  if (height % m || width % m) throw new AppError('invalid_request', `invalid training settings: imageSize ${height}×${width} must be a multiple of ${m} for backbone ${backbone.name}`);

  const data = selectTrainingData(project, req.selection, settings.seed, settings.valFraction);
  if (data.trainDefects.length > 0 && settings.tiling) {
    throw new AppError('invalid_request', `${data.trainDefects.length} training defects (label defect, split train) cannot be used with tiling yet: move them to split val or test, or train without tiling`);
  }
  // Position-conditioned flows take tile_box (app/model/flow/position.ts); other specs stay as they were stored before.
  const position = settings.tiling?.position === true;
  const spec: ModelSpec = { taps: tapShapes(backbone, height, width, settings.strides), flow: settings.flow, seed: settings.seed, height, width, ...(position ? { position } : {}) };
  const paramCount = modelParamCount(spec);
  const alignReference = settings.align.mode === 'translation' ? (resumed?.stored.alignReference ?? chooseReference(data.train)) : undefined;
  if (resumed && resumed.model.trainDataHash !== data.hash) {
    throw new AppError('conflict', `model ${resumed.model.id}: the training images changed since the run started; start a new training instead of resuming`);
  }
  const { schedule, graphs } = scheduleAndGraphs(settings, spec, data);
  if (resumed) checkResumedSchedule(resumed.model.id, resumed.stored, schedule);
  const stored = { samples: schedule.samples, batch: schedule.batch, stepsPerEpoch: schedule.stepsPerEpoch, totalSteps: schedule.totalSteps };
  const config: StoredModelConfig = { settings, selection: req.selection, spec, backbone: { name: backbone.name, sha256: backbone.sha256, taps: backbone.taps }, ...(alignReference ? { alignReference } : {}), schedule: stored };
  const model = resumed?.model ?? insertModel(project.db, {
    name: request.name ?? `${settings.objective}-${data.category ?? `dataset${data.datasetId ?? ''}`}-${new Date().toISOString().slice(0, 16).replace(/[-:T]/g, '')}`,
    datasetId: data.datasetId,
    objective: settings.objective,
    backbone: backbone.name,
    config,
    paramCount,
    trainDataHash: data.hash,
    jobId: request.jobId ?? null,
  });
  const ckptDir = project.path('checkpoints', `model-${model.id}`);
  const files = { last: path.join(ckptDir, 'last.ckpt'), best: path.join(ckptDir, 'best.ckpt') };
  cleanCheckpointTemps(files.last);
  cleanCheckpointTemps(files.best);
  if (resumed) updateModel(project.db, model.id, { status: 'training' });
  const session = { provider: settings.provider, intraOpThreads: settings.threads } as const;
  const preprocess = { height, width, fit: settings.fit } as const;
  return { project, model, resumed: resumed !== undefined, settings, backbone, presets, data, spec, paramCount, alignReference, schedule, graphs, files, session, preprocess };
}

/**
 * A resumed run must replay the schedule its checkpoint was written under (steps already taken, warm-up, which batches
 * of the epoch to skip). Runs stored before schedules were recorded: untiled ones are computed as they always were;
 * tiled ones counted parts, not tiles, so their steps do not map onto the new schedule and they are refused.
 */
export function checkResumedSchedule(modelId: number, stored: StoredModelConfig, now: RunSchedule): void {
  const was = stored.schedule;
  if (!was && !stored.settings.tiling) return;
  if (!was) throw new AppError('conflict', `model ${modelId}: a tiled run started before epochs counted tiles cannot be resumed; start a new training`);
  if (was.samples !== now.samples || was.batch !== now.batch || was.stepsPerEpoch !== now.stepsPerEpoch || was.totalSteps !== now.totalSteps) {
    throw new AppError('conflict', `model ${modelId}: the run was planned as ${was.totalSteps} steps of ${was.batch} over ${was.samples} samples per epoch, now it would be ${now.totalSteps} of ${now.batch} over ${now.samples}; start a new training instead of resuming`);
  }
}

/** Settings and selection: the request's, or, to resume, those stored with the model. */
function requested(project: Project, request: TrainOptions): Requested {
  if (request.resumeModelId !== undefined) {
    const found = getModel(project.db, request.resumeModelId);
    if (!found) throw new AppError('not_found', `model ${request.resumeModelId} does not exist`);
    if (found.status === 'ready') throw new AppError('conflict', `model ${found.id} has finished training; nothing to resume`);
    const stored = found.config as unknown as StoredModelConfig;
    // Models started before `strides` and `colourTap` existed used every backbone tap and no colour tap.
    const settings = parseTrainSettings({ colourTap: false, strides: stored.spec.taps.map((t) => t.stride), ...(stored.settings as Record<string, unknown>) });
    return { settings, selection: stored.selection, resumed: { model: found, stored } };
  }
  const raw = (request.settings ?? {}) as Record<string, unknown>;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new AppError('invalid_request', 'training settings must be a JSON object');
  const settings = parseTrainSettings(request.objective ? { ...raw, objective: request.objective } : raw);
  const selection = { ...(request.category !== undefined ? { category: request.category } : {}), ...(request.datasetId !== undefined ? { datasetId: request.datasetId } : {}) };
  return { settings, selection };
}

/** Presets by name: the built-ins and the project's own (tuned in the Synthesis view). */
function presetParams(project: Project, settings: TrainSettings): SynthesisParams[] {
  return settings.presets.map((name) => {
    const preset = getPresetByName(project.db, name);
    if (!preset) throw new AppError('invalid_request', `invalid training settings: presets: unknown synthesis preset "${name}"`);
    return preset.params;
  });
}

/**
 * Steps, and the graphs that run them. CL-Flow fine-tunes a flow that already models the clean features: the first
 * `warmup` fraction of the steps trains with the clean NLL alone (plain FastFlow), then the contrastive terms join.
 * Both graphs name their params and optimizer state alike, so the state carries over (TrainingLoop.swap).
 */
function scheduleAndGraphs(settings: TrainSettings, spec: ModelSpec, data: TrainingData): Pick<RunPlan, 'schedule' | 'graphs'> {
  // What a step samples: images, or with tiling their tiles (an epoch visits every tile once).
  const tiling = settings.tiling;
  const units = tiling ? data.train.reduce((n, i) => n + tileRects(i.width, i.height, tiling).length, 0) : data.train.length;
  const batch = Math.min(settings.batchSize, units);
  const stepsPerEpoch = Math.floor(units / batch);
  const totalSteps = Math.min(settings.epochs * stepsPerEpoch, settings.maxSteps ?? Infinity);
  const options = { batch, weights: settings.weights, weightDecay: settings.weightDecay, clipNorm: settings.clipNorm > 0 ? settings.clipNorm : undefined };
  const train = buildTrainGraph(spec, { ...options, objective: settings.objective });
  const warmupSteps = train.withTwins ? Math.floor(settings.warmup * totalSteps) : 0;
  const warmup = warmupSteps > 0 ? buildTrainGraph(spec, { ...options, objective: 'fastflow' }) : null;
  return { schedule: { samples: units, batch, stepsPerEpoch, totalSteps, warmupSteps }, graphs: { train, warmup } };
}
