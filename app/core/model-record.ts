/**
 * Shapes of a model's stored JSON facts (models.thresholds_json, score_norm_json, config_json) as the store hands
 * them out and the contract sends them, so no view or service has to cast `Record<string, unknown>`.
 * The trainer writes them (app/train/thresholds.ts, app/train/trainer.ts); `models.setThresholds` rewrites the bands.
 */
import { z } from 'zod';
import { BandsFields, refineBands } from './bands.js';

/**
 * A model's decision thresholds: the bands plus how they were chosen. `method` is 'f1-max' or 'clean-quantile'
 * (the trainer), 'manual' (set in Review) or an older name; `validation` counts the images they were chosen on.
 */
export const ThresholdValidation = z.object({ clean: z.number().int().min(0), defects: z.number().int().min(0) });

export const ModelThresholds = z
  .object({ ...BandsFields, method: z.string().default('unknown'), detail: z.string().default(''), validation: ThresholdValidation.optional() })
  .superRefine(refineBands);
export type ModelThresholds = z.infer<typeof ModelThresholds>;

/** Display normalisation of scores: (score − offset) / scale, so 0 ≈ a typical good part and 1 = reject. */
export const ScoreNorm = z.object({ method: z.string(), offset: z.number(), scale: z.number() });
export type ScoreNorm = z.infer<typeof ScoreNorm>;

/**
 * The stored training config: validated settings, the data selection, the graph spec, the backbone and the alignment
 * reference. Every part is optional (models from older versions lack some) and unknown keys are kept.
 */
export const ModelConfig = z.looseObject({
  settings: z.record(z.string(), z.unknown()).optional(),
  selection: z.object({ category: z.string().optional(), datasetId: z.number().int().optional() }).optional(),
  spec: z
    .looseObject({
      height: z.number().int(),
      width: z.number().int(),
      seed: z.number(),
      taps: z.array(z.looseObject({ name: z.string(), channels: z.number(), stride: z.number() })),
    })
    .optional(),
  backbone: z.looseObject({ name: z.string(), sha256: z.string() }).optional(),
  alignReference: z.object({ sha256: z.string(), path: z.string() }).optional(),
});
export type ModelConfig = z.infer<typeof ModelConfig>;
