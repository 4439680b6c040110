/**
 * Training settings, validated with zod: unknown keys and out-of-range values are rejected with the field named.
 * Defaults are the product defaults; tests and the demo's quick mode pass smaller ones.
 */
import { z } from 'zod';
import { Objective } from '../core/domain.js';
import { AppError } from '../core/errors.js';
import { FlowConfig, ObjectiveWeights } from '../model/flow/config.js';
import { TilingSettings } from '../model/tiling.js';

export const AlignSettings = z
  .object({
    mode: z.enum(['none', 'translation']).default('none'),
    maxShift: z.number().positive().max(0.25).default(0.05),
  })
  .strict();

export const TrainSettings = z
  .object({
    objective: Objective.default('clflow'),
    /** Model input size (square unless width is given); a multiple of the backbone's largest stride. */
    imageSize: z.number().int().min(32).max(1024).default(256),
    imageWidth: z.number().int().min(32).max(1024).optional(),
    fit: z.enum(['stretch', 'letterbox']).default('stretch'),
    batchSize: z.number().int().min(1).max(64).default(8),
    epochs: z.number().int().min(1).max(1000).default(20),
    /** Cap on the total number of steps (the epoch schedule stops early when reached). */
    maxSteps: z.number().int().min(1).max(1_000_000).optional(),
    lr: z.number().positive().max(1).default(1e-3),
    weightDecay: z.number().min(0).max(1).default(1e-5),
    /** Global gradient-norm clip; 0 disables. */
    clipNorm: z.number().min(0).max(1e6).default(5),
    /**
     * Start of the per-tap LayerNorm affine: 'data' standardises each feature position over the clean training
     * images (ActNorm-style), 'identity' starts at scale 1, bias 0 (FastFlow's init).
     */
    /**
     * CL-Flow only: fraction of the steps trained with the clean NLL alone (plain FastFlow) before the contrastive
     * terms join — the flow is fine-tuned with the proxy tasks, not trained from scratch on them.
     */
    warmup: z.number().min(0).max(0.95).default(0.5),
    layerNormInit: z.enum(['data', 'identity']).default('data'),
    /**
     * Which backbone taps get a flow, by stride (README, "Architecture"). Omitted: the taps at stride 8 and coarser
     * (all of them if the backbone has none): stride-4 features describe grain and weave more than the part, and
     * cost most of the compute.
     */
    strides: z.array(z.number().int().min(1).max(64)).min(1).max(8).optional(),
    /**
     * A colour-statistics tap (log brightness and chroma per 8 × 8 cell) next to the backbone's: stains and
     * discolouration, which ImageNet features barely encode (README, "Architecture").
     */
    colourTap: z.boolean().default(true),
    /**
     * The backbone by name: a built-in one (`mobilenetv2-imagenet`, the fast default; `inceptionv3-imagenet`, the
     * accurate one) or one imported into the project (docs/model.md, "Backbones").
     */
    backbone: z.string().min(1).max(128).optional(),
    /**
     * Wide statistics next to the colour tap (docs/model.md, "Statistics taps"): colour and local contrast averaged
     * over 40 × 40 pixels, for stains and smears too faint to show in one 8 × 8 cell of a busy texture.
     */
    wideStats: z.boolean().default(false),
    /**
     * Gaussian noise on the training features, × each channel's spread (app/train/feature-noise.ts): a flow trained on
     * few, overlapping images then generalises to unseen good regions of the same surface instead of memorising them.
     */
    featureNoise: z.number().min(0).max(2).default(0),
    /**
     * Each image's channels brought to a fixed mean ('mean') or mean and spread ('mean-std') before the backbone
     * (app/model/backbone/photometric.ts): lighting, white balance and contrast drift stop looking like defects;
     * a change of the whole part's brightness or colour is then not seen.
     */
    photometricNorm: z.enum(['none', 'mean', 'mean-std']).default('none'),
    /**
     * CL-Flow with training defects (label 'defect', split 'train', masked): the share of the synthesized twins
     * replaced by a real defect in each step (app/train/real-defects.ts). 0 ignores them.
     */
    realDefectShare: z.number().min(0).max(1).default(0.25),
    /**
     * How a training defect fills its twin slot: 'transplant' cuts it out under its mask and pastes it onto the
     * slot's clean image (textures: anywhere, mirrored; aligned parts: in place), 'as-is' uses its own image.
     */
    realDefectPlacement: z.enum(['transplant', 'as-is']).default('transplant'),
    /**
     * Registration of fixtured parts (README, "Alignment"): 'translation' moves every image onto a reference training
     * image (sub-pixel shift, found up to `maxShift` × the longer side) before the backbone, in training and inside
     * the exported model. For parts that sit slightly differently in each photo; not for textures.
     */
    align: AlignSettings.default(AlignSettings.parse({})),
    /**
     * Large parts (docs/tiling.md): cut every image at its native resolution into `size`-pixel tiles overlapping by
     * `overlap`; one flow learns all tiles, synthesis works per tile, validation and thresholds score whole images
     * (the maximum over their tiles) and maps are stitched at the source resolution. `imageSize` must equal `size`.
     */
    tiling: TilingSettings.optional(),
    weights: ObjectiveWeights.default(ObjectiveWeights.parse({})),
    flow: FlowConfig.default(FlowConfig.parse({})),
    /** Synthesis presets used for the twins: built-in names or the project's own presets. */
    presets: z.array(z.string().min(1)).min(1).default(['mixed']),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(42),
    /** Early stopping: epochs without a better validation image AUROC. */
    patience: z.number().int().min(1).max(1000).default(5),
    /** Checkpoint every N steps (and at each epoch end). */
    checkpointEvery: z.number().int().min(1).max(100_000).default(50),
    /** Fraction of the good training images held out for validation when the project has no val split. */
    valFraction: z.number().min(0.05).max(0.5).default(0.15),
    /** Quantile of clean validation scores used as the reject threshold when no labelled defects exist. */
    quantile: z.number().min(0.5).max(1).default(0.995),
    /** Quantile of clean validation scores where the review band starts. */
    reviewQuantile: z.number().min(0.5).max(1).default(0.95),
    /** Non-finite steps in a row before training stops. */
    maxNanSteps: z.number().int().min(1).max(100).default(5),
    threads: z.number().int().min(0).max(64).default(0),
    provider: z.enum(['auto', 'cpu', 'cuda']).default('auto'),
    /** ORT graph optimisation of the training session: 'disabled' starts fastest (small models, tests). */
    sessionOptimization: z.enum(['disabled', 'basic', 'all']).default('basic'),
    /** Synthesis worker threads (0 = the training thread). */
    synthWorkers: z.number().int().min(0).max(8).default(1),
    /** Testing aid: feed NaN features at these global steps (checks the recovery path). */
    injectNanAtSteps: z.array(z.number().int().min(0)).default([]),
  })
  .strict();
export type TrainSettings = z.output<typeof TrainSettings>;

/** Parses settings (e.g. from `--config JSON`) with a message naming every bad field. */
export function parseTrainSettings(input: unknown): TrainSettings {
  const r = TrainSettings.safeParse(input ?? {});
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(settings)'}: ${i.message}`);
    throw new AppError('invalid_request', `invalid training settings: ${issues.join('; ')}`, { issues });
  }
  if (r.data.reviewQuantile > r.data.quantile) {
    throw new AppError('invalid_request', `invalid training settings: reviewQuantile (${r.data.reviewQuantile}) must not exceed quantile (${r.data.quantile})`);
  }
  const t = r.data.tiling;
  if (t) {
    if (r.data.imageSize !== t.size || (r.data.imageWidth !== undefined && r.data.imageWidth !== t.size)) {
      throw new AppError('invalid_request', `invalid training settings: with tiling the model input is the tile: imageSize (${r.data.imageSize}) must equal tiling.size (${t.size}), and imageWidth must be left out`);
    }
    if (r.data.align.mode !== 'none') throw new AppError('invalid_request', 'invalid training settings: tiling and align cannot be combined (tiles of an aligned part: align the parts before importing them)');
  }
  return r.data;
}
