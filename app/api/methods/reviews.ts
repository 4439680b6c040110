import { z } from 'zod';
import { defineMethod } from '../define.js';
import { Id, IsoTime } from '../../core/schemas.js';

export const ReviewDecision = z.enum(['defect', 'false_alarm', 'skip']);

export const Review = z.object({
  resultId: Id,
  imageId: Id,
  modelId: Id,
  /** null when the model gave no finite score for the image (its verdict is 'error'). */
  score: z.number().nullable(),
  decision: ReviewDecision,
  note: z.string(),
  decidedAt: IsoTime,
});

export const reviewMethods = {
  'reviews.set': defineMethod({
    summary: "Record a reviewer's decision (defect / false alarm / skip) and note on one result; replaces an earlier one.",
    request: z.object({ resultId: Id, decision: ReviewDecision, note: z.string().max(2000).default('') }).strict(),
    response: Review,
  }),
  'reviews.clear': defineMethod({
    summary: 'Remove the decision on a result.',
    request: z.object({ resultId: Id }).strict(),
    response: z.object({ removed: z.boolean() }),
  }),
  'reviews.list': defineMethod({
    summary: 'Decisions, highest score first; optionally for one model and/or one decision.',
    request: z.object({ modelId: Id.optional(), decision: ReviewDecision.optional() }).strict(),
    response: z.array(Review),
  }),
  'reviews.addFalseAlarmsToTraining': defineMethod({
    summary:
      'Relabel every image reviewed as a false alarm under a model as good + train (undoable), ready to retrain. ' +
      'False alarms on images labelled as defects (label, defect type or mask) are refused with `conflict` (details.defects lists them) ' +
      'unless confirmDefects: true, which also clears their defect type and mask.',
    request: z.object({ modelId: Id, confirmDefects: z.boolean().default(false) }).strict(),
    response: z.object({ imageIds: z.array(Id), changed: z.number().int(), defectsCleared: z.number().int() }),
  }),
};
