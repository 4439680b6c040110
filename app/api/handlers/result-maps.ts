/**
 * A result's stored anomaly map: decoded for the views (app/model/map-files.ts reads every stored form), and
 * accepted, thresholded, as its image's defect mask ("mask from the map", issue 23), to be refined in the Dataset view.
 */
import type { HandlerContext } from '../../context.js';
import { AppError } from '../../core/errors.js';
import { levelInMapUnits, mapMaximum, maskFromMap } from '../../core/map-mask.js';
import { encodeMaskPng } from '../../dataset/mask-input.js';
import { storePngMask } from '../../dataset/mask-store.js';
import { readAnomalyMap } from '../../model/map-files.js';
import { getImage } from '../../store/images.js';
import { getModel } from '../../store/models.js';
import type { Project } from '../../store/project.js';
import { resultMapPath } from '../../store/results.js';
import type { HandlerGroup } from '../define.js';
import type { resultMapMethods } from '../methods/result-maps.js';
import { maskResponse } from './mask-response.js';

/** The result's row with its map file, or the error that says why there is none. */
function mustResultWithMap(project: Project, resultId: number): { mapPath: string; modelId: number; imageId: number } {
  const row = resultMapPath(project.db, resultId);
  if (!row) throw new AppError('not_found', `result ${resultId} does not exist`);
  if (!row.mapPath) throw new AppError('not_found', `result ${resultId} has no stored anomaly map (it was scored with maps: none)`);
  return { ...row, mapPath: row.mapPath };
}

/** The cut in score units (the request's, else the model's reject threshold) and as the stored map holds it. */
function cutLevels(project: Project, row: { mapPath: string; modelId: number }, requested: number | undefined): { threshold: number; mapThreshold: number } {
  const reject = getModel(project.db, row.modelId)?.thresholds?.reject;
  const threshold = requested ?? reject;
  if (threshold === undefined) {
    throw new AppError('invalid_request', `model ${row.modelId} has no reject threshold to cut its map at: give a threshold`);
  }
  const mapThreshold = levelInMapUnits(row.mapPath, threshold, reject);
  if (!Number.isFinite(mapThreshold)) {
    throw new AppError('invalid_request', `the stored map is a display PNG scaled by the reject threshold, and model ${row.modelId} has no usable one`);
  }
  return { threshold, mapThreshold };
}

export const resultMapHandlers: HandlerGroup<typeof resultMapMethods, HandlerContext> = {
  'results.map': async (req, { app }) => {
    const project = app.project();
    const row = mustResultWithMap(project, req.resultId);
    const map = await readAnomalyMap(project.path(row.mapPath));
    const bytes = Buffer.from(map.data.buffer, map.data.byteOffset, map.data.byteLength);
    return {
      width: map.width,
      height: map.height,
      // A display PNG keeps only relative grey levels; the other forms hold the model's values.
      scale: /\.(png|tiff?)$/i.test(row.mapPath) ? ('relative' as const) : ('score' as const),
      valuesBase64: bytes.toString('base64'),
    };
  },

  'results.maskFromMap': async (req, { app }) => {
    const project = app.project();
    const row = mustResultWithMap(project, req.resultId);
    const { threshold, mapThreshold } = cutLevels(project, row, req.threshold);
    const image = getImage(project.db, row.imageId);
    if (!image) throw new AppError('not_found', `image ${row.imageId} of result ${req.resultId} does not exist`);
    const map = await readAnomalyMap(project.path(row.mapPath));
    const { pixels, area } = maskFromMap(map, mapThreshold, image.width, image.height);
    if (area === 0) {
      const peak = mapMaximum(map);
      const inScore = mapThreshold === threshold ? peak : (peak * threshold) / mapThreshold;
      throw new AppError(
        'invalid_request',
        `no pixel of result ${req.resultId}'s anomaly map reaches the threshold ${threshold} (its highest is ${Number.isFinite(inScore) ? inScore.toPrecision(4) : 'none'}): nothing to use as a mask; give a lower threshold or draw the mask`,
      );
    }
    const mask = storePngMask(project, image, 'defect', await encodeMaskPng(pixels, image.width, image.height));
    return { mask: maskResponse(mask), imageId: image.id, threshold, mapThreshold, area, coverage: area / (image.width * image.height) };
  },
};
