import { z } from 'zod';
import { defineMethod } from '../define.js';
import { AbsPath, Id, IsoTime, Job } from '../../core/schemas.js';
import { Objective, Precision, Split } from '../../core/domain.js';
import { BandsFields, refineBands, VerdictSchema } from '../../core/bands.js';
import { ModelConfig, ModelThresholds, ScoreNorm } from '../../core/model-record.js';

export const ModelStatus = z.enum(['training', 'ready', 'failed', 'cancelled', 'interrupted']);

export const Model = z.object({
  id: Id,
  name: z.string(),
  datasetId: Id.nullable(),
  status: ModelStatus,
  objective: Objective,
  backbone: z.string(),
  config: ModelConfig,
  paramCount: z.number().int().nullable(),
  metrics: z.record(z.string(), z.unknown()),
  onnxPath: z.string().nullable(),
  checkpointPath: z.string().nullable(),
  /** null until training chose them, or when the stored ones give no usable bands (verdicts are then 'error'). */
  thresholds: ModelThresholds.nullable(),
  scoreNorm: ScoreNorm.nullable(),
  trainDataHash: z.string().nullable(),
  trainingSeconds: z.number().nullable(),
  executionProvider: z.string().nullable(),
  jobId: Id.nullable(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
});

export const TrainingEvent = z.object({
  id: Id,
  modelId: Id,
  step: z.number().int(),
  epoch: z.number().int(),
  kind: z.enum(['train', 'val', 'nan', 'checkpoint']),
  data: z.record(z.string(), z.unknown()),
  createdAt: IsoTime,
});

export const ResultItem = z.object({
  id: Id,
  imageId: Id,
  modelId: Id,
  /** null when the model gave no finite score (the verdict is then 'error'). */
  score: z.number().nullable(),
  mapPath: z.string().nullable(),
  verdict: VerdictSchema.nullable(),
  executionProvider: z.string().nullable(),
  createdAt: IsoTime,
  imagePath: z.string().describe('storage key of the image file (for fileUrl)'),
  originalPath: z.string().describe("the part's name: its path relative to the imported folder"),
  label: z.string(),
  split: z.string(),
  thumbnailPath: z.string().nullable(),
  review: z.string().nullable(),
  hasMask: z.boolean().describe('the image has a defect mask: a labelled defect of split train with one is a training defect'),
});


export const modelMethods = {
  'models.list': defineMethod({
    summary: "The open project's models, newest first.",
    request: z.object({ datasetId: Id.optional(), status: ModelStatus.optional() }).strict(),
    response: z.array(Model),
  }),
  'models.get': defineMethod({
    summary: 'One model with its config, metrics and thresholds.',
    request: z.object({ id: Id }).strict(),
    response: Model,
  }),
  'models.train': defineMethod({
    summary: 'Start a `train` job (CL-Flow or FastFlow) on a category or dataset; settings are validated first.',
    request: z
      .object({
        category: z.string().min(1).optional(),
        datasetId: Id.optional(),
        objective: Objective.optional(),
        settings: z.record(z.string(), z.unknown()).optional(),
        name: z.string().trim().min(1).max(200).optional(),
      })
      .strict(),
    response: Job,
  }),
  'models.history': defineMethod({
    summary: 'Loss terms per step, validation AUROC per epoch, NaN and checkpoint events (curves for the UI).',
    request: z.object({ id: Id, kind: z.enum(['train', 'val', 'nan', 'checkpoint']).optional(), afterStep: z.number().int().min(-1).optional() }).strict(),
    response: z.array(TrainingEvent),
  }),
  'models.setThresholds': defineMethod({
    summary: 'Set the review and reject thresholds (stored in SQLite, written into exports); verdicts are recomputed.',
    request: z.strictObject({ id: Id, ...BandsFields }).superRefine(refineBands),
    response: Model,
  }),
  'models.infer': defineMethod({
    summary: 'Start an `infer` job scoring a dataset / split with a ready model.',
    request: z
      .object({
        id: Id,
        datasetId: Id.optional(),
        split: Split.optional(),
        maps: z.enum(['png', 'f16', 'none']).default('png'),
        evaluate: z.boolean().default(false),
        batchSize: z.number().int().min(1).max(256).default(8),
      })
      .strict(),
    response: Job,
  }),
  'models.export': defineMethod({
    summary: 'Write the model as one ONNX file (thresholds and facts in metadata_props).',
    request: z.object({ id: Id, out: AbsPath, precision: Precision.default('fp32') }).strict(),
    response: z.object({ modelId: Id, path: z.string(), bytes: z.number().int(), sha256: z.string(), precision: Precision }),
  }),
  'results.list': defineMethod({
    summary: "A model's results with image, verdict and review decision; sorted by score, paginated.",
    request: z
      .object({
        modelId: Id,
        datasetId: Id.optional(),
        split: Split.optional(),
        verdict: VerdictSchema.optional(),
        sort: z.enum(['score_desc', 'score_asc', 'image']).default('score_desc'),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(100),
      })
      .strict(),
    response: z.object({ total: z.number().int(), items: z.array(ResultItem) }),
  }),
};
