import fs from 'node:fs';
import type { HandlerContext } from '../../context.js';
import { nearDuplicateGroups } from '../../dataset/duplicates.js';
import { decodeBase64Image, rasterisePolygons, validatePolygons } from '../../dataset/mask-input.js';
import { removeBlob, storePngMask, storePolygonMask, writeBlob } from '../../dataset/mask-store.js';
import { DEFAULT_LIMITS, normalizeMask, RejectedFile } from '../../dataset/read-image.js';
import { datasetImageSizes, listDatasets, setDatasetIgnoreMask } from '../../store/datasets.js';
import {
  datasetPhashes,
  getImage,
  imageIdsMatching,
  imageTags,
  queryImages,
} from '../../store/images.js';
import { undoLastImageChange, updateImages } from '../../store/image-edits.js';
import { deleteMask, getMasks } from '../../store/masks.js';
import { maskResponse } from './mask-response.js';
import type { Project } from '../../store/project.js';
import type { HandlerGroup } from '../define.js';
import { AppError } from '../../core/errors.js';
import type { datasetMethods } from '../methods/datasets.js';
import { mustDataset } from './lookups.js';

const mustImage = (p: Project, id: number) => {
  const image = getImage(p.db, id);
  if (!image) throw new AppError('not_found', `image ${id} does not exist`);
  return image;
};

/** Runs mask validation, turning a rejected mask into a 400 with the reason. */
async function asRequest<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof RejectedFile) throw new AppError('invalid_request', `${what}: ${err.message}`);
    throw err;
  }
}

/**
 * A dataset's ignore mask is drawn on its images (and resized onto images of another size when it is applied), so
 * it must have the size of one of them; an empty dataset's is bounded by the image pixel limit. Checked before a
 * pixel is allocated: a 65535² polygon raster would need 4 GiB.
 */
function checkIgnoreMaskSize(p: Project, datasetId: number, width: number, height: number): void {
  const sizes = datasetImageSizes(p.db, datasetId);
  if (sizes.length === 0) {
    if (width * height > DEFAULT_LIMITS.maxPixels) {
      throw new AppError('invalid_request', `ignore mask: ${width}x${height} is over the limit of ${DEFAULT_LIMITS.maxPixels} pixels`);
    }
    return;
  }
  if (sizes.some((s) => s.width === width && s.height === height)) return;
  const named = sizes.slice(0, 3).map((s) => `${s.width}x${s.height} (image ${s.imageId})`).join(', ');
  throw new AppError(
    'invalid_request',
    `ignore mask: the mask is ${width}x${height} but the images of dataset ${datasetId} are ${named}${sizes.length > 3 ? ', …' : ''}: draw it at an image's size`,
    { mask: { width, height }, images: sizes.slice(0, 3) },
  );
}

export const datasetHandlers: HandlerGroup<typeof datasetMethods, HandlerContext> = {
  'datasets.list': (_req, { app }) => listDatasets(app.project().db),

  'datasets.import': (req, { app }) => app.jobs.start(app.project(), 'import', req),

  'datasets.images': (req, { app }) => {
    if (req.sort === 'score' && req.scoreModelId === undefined && req.score === undefined) {
      throw new AppError('invalid_request', 'sorting by score needs scoreModelId (or a score filter)');
    }
    return queryImages(app.project().db, req);
  },

  'datasets.image': (req, { app }) => {
    const p = app.project();
    const image = mustImage(p, req.id);
    const masks = getMasks(p.db, image.id);
    return { ...image, tags: imageTags(p.db, image.id), hasMask: masks.some((m) => m.kind === 'defect'), masks: masks.map(maskResponse) };
  },

  'datasets.thumbnail': (req, { app }) => {
    const p = app.project();
    const image = mustImage(p, req.id);
    if (!image.thumbnailPath) throw new AppError('not_found', `image ${req.id} has no thumbnail`);
    try {
      return { dataUrl: `data:image/webp;base64,${fs.readFileSync(p.path(image.thumbnailPath)).toString('base64')}` };
    } catch (err) {
      throw new AppError('not_found', `thumbnail of image ${req.id} is missing: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  },

  'datasets.update': (req, { app }) => {
    const p = app.project();
    const ids = req.ids ?? imageIdsMatching(p.db, req.where!);
    if (ids.length === 0) return { updated: 0, undoId: null };
    const what = Object.entries(req.set)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(', ') : JSON.stringify(v)}`)
      .join('; ');
    try {
      return updateImages(p.db, ids, req.set, `${ids.length === 1 ? 'image' : `${ids.length} images`}: ${what}`);
    } catch (err) {
      if (/does not exist/.test((err as Error).message)) throw new AppError('not_found', (err as Error).message);
      throw err;
    }
  },

  'datasets.undo': (_req, { app }) => {
    const r = undoLastImageChange(app.project().db);
    return r ? { undone: r.description, restored: r.restored } : { undone: null, restored: 0 };
  },

  'datasets.duplicates': (req, { app }) => {
    const p = app.project();
    mustDataset(p.db, req.datasetId);
    return { groups: nearDuplicateGroups(datasetPhashes(p.db, req.datasetId), req.maxDistance) };
  },

  'datasets.setMask': async (req, { app }) => {
    const p = app.project();
    const image = mustImage(p, req.imageId);
    let m;
    if ('png' in req.mask) {
      const bytes = decodeBase64Image(req.mask.png);
      const { png } = await asRequest('mask', () => normalizeMask(bytes, image.width, image.height));
      m = storePngMask(p, image, req.kind, png);
    } else {
      const polygons = req.mask.polygons;
      await asRequest('mask', async () => validatePolygons(polygons, image.width, image.height));
      m = storePolygonMask(p, image, req.kind, polygons);
    }
    return maskResponse(m);
  },

  'datasets.deleteMask': (req, { app }) => {
    const p = app.project();
    mustImage(p, req.imageId);
    const gone = deleteMask(p.db, req.imageId, req.kind);
    removeBlob(p, gone?.path);
    return { deleted: gone !== undefined };
  },

  'datasets.setIgnoreMask': async (req, { app }) => {
    const p = app.project();
    const ds = mustDataset(p.db, req.datasetId);
    let rel: string | null = null;
    if (req.mask !== null) {
      let png: Buffer;
      if ('png' in req.mask) {
        const bytes = decodeBase64Image(req.mask.png);
        const meta = await asRequest('ignore mask', async () => {
          const { default: sharp } = await import('sharp');
          try {
            return await sharp(bytes).metadata();
          } catch (err) {
            throw new RejectedFile(`not a readable image (${(err as Error).message.split('\n')[0]})`);
          }
        });
        checkIgnoreMaskSize(p, ds.id, meta.width ?? 0, meta.height ?? 0);
        png = (await asRequest('ignore mask', () => normalizeMask(bytes, meta.width ?? 0, meta.height ?? 0))).png;
      } else {
        if (!req.width || !req.height) throw new AppError('invalid_request', 'polygons need width and height (the raster size)');
        checkIgnoreMaskSize(p, ds.id, req.width, req.height);
        const polygons = req.mask.polygons;
        png = (await asRequest('ignore mask', () => rasterisePolygons(polygons, req.width!, req.height!))).png;
      }
      rel = writeBlob(p, `masks/${ds.id}/dataset-ignore.${Date.now()}.png`, png);
    }
    let previous: string | null;
    try {
      previous = setDatasetIgnoreMask(p.db, ds.id, rel);
    } catch (err) {
      removeBlob(p, rel);
      throw err;
    }
    if (previous !== rel) removeBlob(p, previous);
    return listDatasets(p.db).find((d) => d.id === ds.id)!;
  },
};
