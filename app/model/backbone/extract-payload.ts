/** The `features.extract` job's payload (zod only: shared by the API contract, the renderer and the job). */
import { z } from 'zod';
import { ImageLabel, Split } from '../../core/domain.js';

export const ExtractPayload = z
  .object({
    backbone: z.string().min(1),
    datasetId: z.number().int().positive(),
    splits: z.array(Split).default(['train']),
    labels: z.array(ImageLabel).default(['good']),
    width: z.number().int().min(16).max(4096).default(256),
    height: z.number().int().min(16).max(4096).default(256),
    fit: z.enum(['stretch', 'letterbox']).default('stretch'),
    batchSize: z.number().int().min(1).max(64).default(8),
    /** Intra-op threads; 0 = ONNX Runtime's choice. */
    threads: z.number().int().min(0).max(64).default(0),
    cacheBytes: z.number().int().positive().optional(),
  })
  .strict();
export type ExtractPayload = z.input<typeof ExtractPayload>;
