/**
 * The Curation view's questions about a dataset: which images are near-duplicates of each other, and which "good"
 * images are the most unusual (likely mislabelled or foreign) — each with what the view shows of an image, so the
 * user can exclude them (datasets.update label: ignore, undoable) in one click.
 */
import { z } from 'zod';
import { defineMethod } from '../define.js';
import { Id } from '../../core/schemas.js';
import { ImageLabel, Split } from '../../core/domain.js';

const CurationImage = z.object({
  id: Id,
  originalPath: z.string(),
  thumbnailPath: z.string().nullable(),
  label: ImageLabel,
  split: Split,
});

export const curationMethods = {
  'curation.duplicates': defineMethod({
    summary: 'Near-duplicate groups of a dataset (perceptual hash within maxDistance bits), largest first, with the images to show.',
    request: z.object({ datasetId: Id, maxDistance: z.number().int().min(0).max(16).default(4), limit: z.number().int().min(1).max(500).default(50) }).strict(),
    response: z.object({
      total: z.number().int().describe('groups found (at most `limit` are returned)'),
      groups: z.array(z.object({ maxDistance: z.number().int(), images: z.array(CurationImage) })),
    }),
  }),
  'curation.unusualGood': defineMethod({
    summary:
      "A dataset's good images ranked from the most unusual: by a model's scores (modelId, or the newest ready model that scored them), " +
      'else by appearance (mean perceptual-hash distance to the 5 most similar good images).',
    request: z.object({ datasetId: Id, modelId: Id.optional(), limit: z.number().int().min(1).max(500).default(24) }).strict(),
    response: z.object({
      by: z.enum(['model', 'appearance']),
      model: z.object({ id: Id, name: z.string() }).nullable(),
      /** Good images in the dataset, and how many of them the ranking covers. */
      goods: z.number().int(),
      ranked: z.number().int(),
      items: z.array(CurationImage.extend({ value: z.number().describe("the model's score, or the mean hash distance in bits") })),
    }),
  }),
};
