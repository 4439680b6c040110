/** Two models on the same held-out images, from stored results: Review's before/after of a retrain (issue 23). */
import { z } from 'zod';
import { defineMethod } from '../define.js';
import { VerdictSchema } from '../../core/bands.js';
import { Split } from '../../core/domain.js';
import { Id } from '../../core/schemas.js';

const VerdictCounts = z.record(VerdictSchema, z.number().int().min(0));
const ComparedModel = z.object({
  modelId: Id,
  name: z.string(),
  imageAuroc: z.number().min(0).max(1).nullable().describe('over the shared images both models scored; null without both classes'),
  verdicts: z.object({ good: VerdictCounts, defect: VerdictCounts }).describe("stored verdicts (each model's own thresholds) by label"),
});

export const modelCompareMethods = {
  'models.compare': defineMethod({
    summary: 'Two models side by side on the same images of a split (default test) from their stored results: image AUROC and verdict counts by label.',
    request: z.object({ baselineId: Id, candidateId: Id, split: Split.default('test'), datasetId: Id.optional() }).strict(),
    response: z.object({
      split: Split,
      images: z.object({ shared: z.number().int(), good: z.number().int(), defect: z.number().int(), aurocImages: z.number().int() }),
      baseline: ComparedModel,
      candidate: ComparedModel,
      onlyBaseline: z.number().int(),
      onlyCandidate: z.number().int(),
    }),
  }),
};
