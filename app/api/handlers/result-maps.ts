/** Decodes a result's stored anomaly map for the views (app/model/map-files.ts reads every stored form). */
import type { HandlerContext } from '../../context.js';
import { AppError } from '../../core/errors.js';
import { readAnomalyMap } from '../../model/map-files.js';
import { resultMapPath } from '../../store/results.js';
import type { HandlerGroup } from '../define.js';
import type { resultMapMethods } from '../methods/result-maps.js';

export const resultMapHandlers: HandlerGroup<typeof resultMapMethods, HandlerContext> = {
  'results.map': async (req, { app }) => {
    const project = app.project();
    const row = resultMapPath(project.db, req.resultId);
    if (!row) throw new AppError('not_found', `result ${req.resultId} does not exist`);
    if (!row.mapPath) throw new AppError('not_found', `result ${req.resultId} has no stored anomaly map (it was scored with maps: none)`);
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
};
