/**
 * Everything a planned run opens before its first step: the backbone's feature source, the aligned copies of the
 * images (models trained with alignment), the warmed feature cache, the validation set (clean held-out images,
 * their synthesized twins with a fixed seed, real labelled defects), the compiled training sessions and the scorer
 * that validates params. `RunResources` owns what holds native memory, so the caller releases it all at once.
 */
import { AppError } from '../core/errors.js';
import type { ImageAligner } from '../model/align-runner.js';
import { FeatureCache, type TapFeatures } from '../model/features/cache.js';
import { FeatureScorer } from '../model/flow/scorer.js';
import { createSession, type Session } from '../runtime/index.js';
import { synthesisBatches } from '../synthesis/index.js';
import { alignedCopies, alignerFor } from './align.js';
import { RealDefects } from './real-defects.js';
import { tileCopies } from './tiles.js';
import type { TileBox } from '../model/tiling.js';
import { imageFile, type TrainingData } from './data.js';
import { type FeatureImage, FeatureSource } from './features.js';
import type { RunPlan } from './plan.js';
import type { RunHooks } from './types.js';

export interface RunImages {
  readonly train: readonly FeatureImage[];
  readonly valGood: readonly FeatureImage[];
  readonly valDefects: readonly FeatureImage[];
  /** Tiled models: per validation image, the indices of its tiles in valGood / valDefects (app/train/tiles.ts). */
  readonly groups?: { readonly good: number[][]; readonly defects: number[][] };
}

/** Backbone features of the validation images. */
export interface ValidationSet {
  readonly good: TapFeatures[][];
  readonly synth: TapFeatures[][];
  readonly defects: TapFeatures[][];
  /** Tiled models: how tile scores make whole-image scores (validate.ts). */
  readonly tiled?: TiledValidation;
  /** Position-conditioned models: each tile's box in its part, per list above (a twin has its source's box). */
  readonly boxes?: { readonly good: readonly (TileBox | undefined)[]; readonly synth: readonly (TileBox | undefined)[]; readonly defects: readonly (TileBox | undefined)[] };
}

/**
 * Whole-image validation of a tiled model: good and defect images are their tile groups; image i's twin is its
 * tile `twinTile[i]` replaced by the synthesized one (synth[i]), the other tiles of the image staying clean.
 */
export interface TiledValidation {
  readonly good: number[][];
  readonly defects: number[][];
  readonly twinTile: number[];
}

export interface CompiledRun {
  readonly train: Session;
  readonly warmup: Session | null;
  readonly scorer: FeatureScorer;
  /** The training session's execution provider. */
  readonly provider: string;
}

/** What a run opened; `release` frees each of them (in the order they were opened). */
export class RunResources {
  aligner: ImageAligner | undefined;
  trainSession: Session | undefined;
  warmupSession: Session | undefined;
  scorer: FeatureScorer | undefined;

  private constructor(readonly features: FeatureSource) {}

  static async open(plan: RunPlan): Promise<RunResources> {
    const cache = new FeatureCache(plan.project.path('features'));
    return new RunResources(await FeatureSource.create(plan.backbone, plan.preprocess, cache, plan.session, plan.spec.taps.map((t) => t.name)));
  }

  async release(): Promise<void> {
    await this.features.release();
    await this.aligner?.release();
    await this.trainSession?.release();
    await this.warmupSession?.release();
    await this.scorer?.release();
  }
}

/** The run's images: aligned onto the reference when the model aligns, with their features cached. */
export async function prepareImages(plan: RunPlan, res: RunResources, hooks: RunHooks): Promise<RunImages> {
  const { project, data, alignReference } = plan;
  const totalSteps = plan.schedule.totalSteps;
  const toFeat = (imgs: TrainingData['train']) => imgs.map((i) => ({ file: imageFile(project, i.path), sha256: i.sha256 }));
  let images: RunImages = { train: toFeat(data.train), valGood: toFeat(data.valGood), valDefects: toFeat(data.valDefects) };
  if (alignReference) images = await alignImages(plan, res, images, hooks);
  if (plan.settings.tiling) images = await tileImages(plan, images, hooks);
  const warmFrom = alignReference ? 0.02 : 0; // progress only moves forward: alignment took the first 2 %
  const at = { step: 0, totalSteps, epoch: 0, executionProvider: res.features.provider };
  hooks.progress(warmFrom, 'caching backbone features', at);
  await res.features.warm([...images.train, ...images.valGood, ...images.valDefects], hooks.signal, (f, msg) =>
    hooks.progress(warmFrom + (0.04 - warmFrom) * f, `backbone features: ${msg ?? ''}`, at),
  );
  return images;
}

/** Each image becomes its tiles (written once under tiles/); validation remembers which tiles make which image. */
async function tileImages(plan: RunPlan, images: RunImages, hooks: RunHooks): Promise<RunImages> {
  const tiling = plan.settings.tiling!;
  const root = plan.project.path('tiles');
  const at = { step: 0, totalSteps: plan.schedule.totalSteps, epoch: 0, executionProvider: 'cpu' };
  const all = [...images.train, ...images.valGood, ...images.valDefects];
  hooks.progress(0, `cutting ${all.length} images into ${tiling.size}-px tiles`, at);
  const cut = await tileCopies(all, tiling, root, hooks.signal, (f) => hooks.progress(0.02 * f, 'cutting images into tiles', at));
  const nTrain = images.train.length;
  const nGood = images.valGood.length;
  const pick = (from: number, to: number) => {
    const groups = cut.groups.slice(from, to);
    const tiles = groups.flat().map((k) => cut.tiles[k]!);
    const base = groups[0]?.[0] ?? 0;
    return { tiles, groups: groups.map((g) => g.map((k) => k - base)) };
  };
  const train = pick(0, nTrain);
  const good = pick(nTrain, nTrain + nGood);
  const defects = pick(nTrain + nGood, all.length);
  // The schedule counted the tiles from the imported sizes; an image that decodes to another size would make epochs
  // skip tiles or never end (a batch that never fills), so a mismatch stops the run here.
  if (train.tiles.length !== plan.schedule.samples) {
    throw new AppError('conflict', `model ${plan.model.id}: the training images were planned as ${plan.schedule.samples} tiles from their imported sizes but cut into ${train.tiles.length}: an image file changed since it was imported; re-import the dataset`);
  }
  hooks.log('info', `model ${plan.model.id}: tiled ${all.length} images into ${cut.tiles.length} tiles of ${tiling.size} px (overlap ${tiling.overlap}); training on ${train.tiles.length} tiles`);
  return { train: train.tiles, valGood: good.tiles, valDefects: defects.tiles, groups: { good: good.groups, defects: defects.groups } };
}

/** Every image (and so every synthesized twin and its mask) lives in the reference's frame from here on. */
async function alignImages(plan: RunPlan, res: RunResources, images: RunImages, hooks: RunHooks): Promise<RunImages> {
  const { project, settings, preprocess, model } = plan;
  const reference = plan.alignReference!;
  const at = (f: number) => hooks.progress(0.02 * f, 'aligning images to the reference', { step: 0, totalSteps: plan.schedule.totalSteps, epoch: 0, executionProvider: res.features.provider });
  at(0);
  const aligner = await alignerFor(imageFile(project, reference.path), preprocess, settings.align.maxShift, plan.session);
  res.aligner = aligner;
  const all = [...images.train, ...images.valGood, ...images.valDefects];
  const copies = await alignedCopies(aligner, all, { preprocess, reference, maxShift: settings.align.maxShift, root: project.path('aligned'), signal: hooks.signal, progress: at });
  const nTrain = images.train.length;
  const nGood = images.valGood.length;
  if (copies.shifts.length) {
    const sorted = [...copies.shifts].sort((a, b) => a - b);
    const largest = sorted[sorted.length - 1];
    hooks.log('info', `model ${model.id}: aligned ${sorted.length} images to ${reference.path}: median shift ${sorted[sorted.length >> 1].toFixed(2)} px, largest ${largest.toFixed(2)} px`);
    const limit = settings.align.maxShift * Math.max(preprocess.height, preprocess.width);
    if (largest > 0.9 * limit) hooks.log('warn', `model ${model.id}: an image moved ${largest.toFixed(1)} px, near the alignment search limit (${limit.toFixed(1)} px): raise align.maxShift if parts can move further`);
  }
  return { train: copies.images.slice(0, nTrain), valGood: copies.images.slice(nTrain, nTrain + nGood), valDefects: copies.images.slice(nTrain + nGood) };
}

/** Clean held-out images, their synthesized twins (fixed seed, so every epoch validates on the same set), real defects. */
export async function validationSet(plan: RunPlan, features: FeatureSource, images: RunImages, signal?: AbortSignal): Promise<ValidationSet> {
  const good = await features.clean(images.valGood);
  const defects = await features.clean(images.valDefects);
  // Tiled: one twin per validation image, in a tile chosen by the seed (the same every epoch).
  const twinTile = images.groups?.good.map((g, i) => g[(plan.settings.seed + 31 * i) % g.length]!);
  const twinSources = twinTile ? twinTile.map((k) => images.valGood[k]!) : images.valGood;
  const synth: TapFeatures[][] = [];
  for await (const b of synthesisBatches({
    sources: twinSources.map((i) => i.file),
    presets: plan.presets,
    batchSize: 8,
    seed: plan.settings.seed + 7777,
    epoch: 0,
    size: { width: plan.preprocess.width, height: plan.preprocess.height },
    workers: 0,
    shuffle: false,
    signal,
  })) {
    synth.push(...(await features.fromUnitBatch(b.images, b.sourceIndices.length)));
  }
  const tiled = images.groups && twinTile ? { good: images.groups.good, defects: images.groups.defects, twinTile } : undefined;
  const boxOf = (i: FeatureImage) => i.box;
  const boxes = plan.spec.position ? { good: images.valGood.map(boxOf), synth: twinSources.map(boxOf), defects: images.valDefects.map(boxOf) } : undefined;
  return { good, synth, defects, ...(tiled ? { tiled } : {}), ...(boxes ? { boxes } : {}) };
}

/** The run's training defects, loaded at the input size; undefined when there are none or the objective has no twins. */
export async function trainingDefects(plan: RunPlan, hooks: RunHooks, aligner?: ImageAligner): Promise<RealDefects | undefined> {
  const defects = plan.data.trainDefects;
  if (defects.length === 0) return undefined;
  if (!plan.graphs.train.withTwins || plan.settings.realDefectShare === 0) {
    hooks.log('warn', `model ${plan.model.id}: ${defects.length} training defects are not used (${plan.settings.objective === 'fastflow' ? 'FastFlow learns from good images only' : 'realDefectShare is 0'}); they are not trained on as good images either`);
    return undefined;
  }
  const { realDefectShare: share, realDefectPlacement: placement, seed } = plan.settings;
  const real = await RealDefects.load(plan.project, defects, plan.preprocess, { share, seed, placement }, aligner);
  hooks.log('info', `model ${plan.model.id}: ${real.count} real training defects take ${Math.round(share * 100)} % of the twin slots (${placement === 'transplant' ? 'transplanted onto clean images' : 'as they are'})`);
  return real;
}

/** Compiles the plan's training graphs into sessions and opens the validation scorer. */
export async function compileRun(plan: RunPlan, res: RunResources, valGoodCount: number, hooks: RunHooks): Promise<CompiledRun> {
  const options = { ...plan.session, graphOptimization: plan.settings.sessionOptimization };
  const train = await createSession(plan.graphs.train.bytes, options);
  res.trainSession = train;
  hooks.log('info', `training on ${train.provider} (${train.reason})`);
  const warmup = plan.graphs.warmup ? await createSession(plan.graphs.warmup.bytes, options) : null;
  res.warmupSession = warmup ?? undefined;
  if (plan.schedule.warmupSteps > 0) hooks.log('info', `model ${plan.model.id}: ${plan.schedule.warmupSteps} FastFlow warm-up steps, then the CL-Flow terms`);
  const scorer = await FeatureScorer.create(plan.spec, Math.min(8, Math.max(valGoodCount, 1)), plan.session);
  res.scorer = scorer;
  return { train, warmup, scorer, provider: train.provider };
}
