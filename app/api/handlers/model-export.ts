/** Starts a model's export job once the model and the output folder have been checked (errors of this call, not a failed job). */
import type { HandlerContext } from '../../context.js';
import { checkExportFolder } from '../../workflows/export-package.js';
import type { HandlerGroup } from '../define.js';
import type { modelExportMethods } from '../methods/model-export.js';

export const modelExportHandlers: HandlerGroup<typeof modelExportMethods, HandlerContext> = {
  'models.exportPackage': (req, { app }) => {
    const project = app.project();
    const { dir } = checkExportFolder(project, req.id, req.outDir);
    return app.jobs.start(project, 'export', { modelId: req.id, outDir: dir, triton: req.triton, precision: req.precision, ...(req.maxBatchSize ? { maxBatchSize: req.maxBatchSize } : {}) });
  },
};
