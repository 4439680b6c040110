import { z } from 'zod';
import { ImportPayload } from '../../dataset/import-payload.js';
import { defineMethod, Empty } from '../define.js';
import { Id, IsoTime, Job } from '../../core/schemas.js';
import { ImageLabel as Label, Split } from '../../core/domain.js';

const Tag = z.string().trim().min(1).max(100);

export const Dataset = z.object({
  id: Id,
  name: z.string(),
  category: z.string().nullable(),
  sourceFormat: z.enum(['mvtec', 'btad', 'visa', 'folder', 'demo']),
  sourcePath: z.string().nullable(),
  ignoreMaskPath: z.string().nullable(),
  createdAt: IsoTime,
  counts: z.object({
    images: z.number().int(),
    good: z.number().int(),
    defect: z.number().int(),
    ignore: z.number().int(),
    train: z.number().int(),
    val: z.number().int(),
    test: z.number().int(),
    masks: z.number().int(),
  }),
});

export const ImageItem = z.object({
  id: Id,
  datasetId: Id,
  path: z.string().describe('storage key: the project-relative copy (a sha256 name) or the referenced file'),
  originalPath: z.string().describe("the part's name: its path relative to the imported folder, e.g. metal/test/scratch/003.png"),
  storage: z.enum(['copy', 'reference']),
  sha256: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  channels: z.number().int(),
  bitDepth: z.number().int(),
  format: z.string(),
  label: Label,
  split: Split,
  defectType: z.string().nullable(),
  category: z.string().nullable(),
  note: z.string(),
  phash: z.string().nullable(),
  thumbnailPath: z.string().nullable(),
  createdAt: IsoTime,
  tags: z.array(z.string()),
  hasMask: z.boolean(),
  score: z.number().nullable(),
});

export const ImageFilter = z
  .object({
    datasetId: Id.optional(),
    labels: z.array(Label).max(3).optional(),
    splits: z.array(Split).max(3).optional(),
    category: z.string().max(200).optional(),
    defectType: z.string().max(200).optional(),
    tags: z.array(Tag).max(20).optional(),
    hasMask: z.boolean().optional(),
    search: z.string().max(500).optional(),
    score: z.object({ modelId: Id, min: z.number().optional(), max: z.number().optional() }).strict().optional(),
  })
  .strict();

/** A polygon: a closed ring of at least three [x, y] points in image pixels. */
const Polygon = z.array(z.tuple([z.number().finite(), z.number().finite()])).min(3).max(10_000);
const MaskInput = z.union([
  z.object({ png: z.string().min(1).max(64 * 1024 * 1024).describe('PNG as base64 or a data: URL') }).strict(),
  z.object({ polygons: z.array(Polygon).min(1).max(1000) }).strict(),
]);

export const Mask = z.object({
  id: Id,
  imageId: Id,
  kind: z.enum(['defect', 'ignore']),
  format: z.enum(['png', 'polygons']),
  path: z.string().nullable(),
  polygons: z.array(z.array(z.tuple([z.number(), z.number()]))).nullable(),
  updatedAt: IsoTime,
});

export const datasetMethods = {
  'datasets.list': defineMethod({
    summary: 'Datasets of the open project with image counts by label and split.',
    request: Empty,
    response: z.array(Dataset),
  }),
  'datasets.import': defineMethod({
    summary: 'Start an import job for a dataset folder (MVTec AD, BTAD, VisA CSV or generic folder).',
    request: ImportPayload,
    response: Job,
  }),
  'datasets.images': defineMethod({
    summary: 'One page of images matching a filter, sorted, with the total count.',
    request: ImageFilter.extend({
      sort: z.enum(['id', 'path', 'label', 'split', 'created', 'score']).default('id'),
      order: z.enum(['asc', 'desc']).default('asc'),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(1000).default(100),
      scoreModelId: Id.optional(),
    }).strict(),
    response: z.object({ total: z.number().int(), items: z.array(ImageItem) }),
  }),
  'datasets.image': defineMethod({
    summary: 'One image with its tags and masks.',
    request: z.object({ id: Id }).strict(),
    response: ImageItem.omit({ score: true }).extend({ masks: z.array(Mask) }),
  }),
  'datasets.thumbnail': defineMethod({
    summary: "An image's thumbnail (WebP, at most 256 px) as a data URL.",
    request: z.object({ id: Id }).strict(),
    response: z.object({ dataUrl: z.string() }),
  }),
  'datasets.update': defineMethod({
    summary: 'Set label, split, note and/or tags of images chosen by id or by filter; undoable as one change.',
    request: z
      .object({
        ids: z.array(Id).min(1).max(1_000_000).optional(),
        where: ImageFilter.optional(),
        set: z
          .object({
            label: Label.optional(),
            split: Split.optional(),
            note: z.string().max(10_000).optional(),
            addTags: z.array(Tag).max(50).optional(),
            removeTags: z.array(Tag).max(50).optional(),
          })
          .strict()
          .refine((s) => Object.values(s).some((v) => v !== undefined), 'nothing to change'),
      })
      .strict()
      .refine((r) => (r.ids === undefined) !== (r.where === undefined), 'give either ids or where, not both'),
    response: z.object({ updated: z.number().int(), undoId: Id.nullable() }),
  }),
  'datasets.undo': defineMethod({
    summary: 'Undo the most recent label / split / note / tag change (single or bulk).',
    request: Empty,
    response: z.object({ undone: z.string().nullable(), restored: z.number().int() }),
  }),
  'datasets.duplicates': defineMethod({
    summary: 'Groups of near-duplicate images in a dataset by perceptual hash; the user decides what to do.',
    request: z.object({ datasetId: Id, maxDistance: z.number().int().min(0).max(16).default(4) }).strict(),
    response: z.object({ groups: z.array(z.object({ ids: z.array(Id), maxDistance: z.number().int() })) }),
  }),
  'datasets.setMask': defineMethod({
    summary: "Store or replace an image's defect mask (PNG of the image's size, non-zero = defect) or polygons.",
    request: z.object({ imageId: Id, kind: z.enum(['defect', 'ignore']).default('defect'), mask: MaskInput }).strict(),
    response: Mask,
  }),
  'datasets.deleteMask': defineMethod({
    summary: "Delete an image's mask of one kind.",
    request: z.object({ imageId: Id, kind: z.enum(['defect', 'ignore']).default('defect') }).strict(),
    response: z.object({ deleted: z.boolean() }),
  }),
  'datasets.setIgnoreMask': defineMethod({
    summary: "Set (or clear with null) a dataset's ignore-region mask: pixels never scored nor evaluated.",
    request: z
      .object({
        datasetId: Id,
        mask: z.union([MaskInput, z.null()]),
        /** Needed for polygons (the raster size); a PNG carries its own. */
        width: z.number().int().min(1).max(65_535).optional(),
        height: z.number().int().min(1).max(65_535).optional(),
      })
      .strict(),
    response: Dataset,
  }),
};
