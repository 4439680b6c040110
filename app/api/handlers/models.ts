import type { HandlerContext } from '../../context.js';
import { exportModel } from '../../infer/export.js';
import { listModels, updateModel } from '../../store/models.js';
import { listResults, reapplyVerdicts } from '../../store/results.js';
import { listTrainingEvents } from '../../store/training-events.js';
import { selectTrainingData } from '../../train/data.js';
import { parseTrainSettings } from '../../train/settings.js';
import type { HandlerGroup } from '../define.js';
import { AppError } from '../../core/errors.js';
import { bandsProblem } from '../../core/bands.js';
import type { modelMethods } from '../methods/models.js';
import { mustModel } from './lookups.js';
import { writeTransaction } from '../../store/write-transaction.js';

export const modelHandlers: HandlerGroup<typeof modelMethods, HandlerContext> = {
  'models.list': (req, { app }) => listModels(app.project().db, req),
  'models.get': (req, { app }) => mustModel(app.project().db, req.id),
  'models.train': (req, { app }) => {
    const project = app.project();
    // Validate now, so a bad setting or an empty selection is an error of this call, not a failed job later.
    const settings = parseTrainSettings({ ...(req.settings ?? {}), ...(req.objective ? { objective: req.objective } : {}) });
    selectTrainingData(project, { category: req.category, datasetId: req.datasetId }, settings.seed, settings.valFraction);
    return app.jobs.start(project, 'train', req);
  },
  'models.history': (req, { app }) => {
    mustModel(app.project().db, req.id);
    return listTrainingEvents(app.project().db, req.id, { kind: req.kind, afterStep: req.afterStep });
  },
  'models.setThresholds': (req, { app }) => {
    const db = app.project().db;
    const m = mustModel(db, req.id);
    if (m.status !== 'ready') throw new AppError('conflict', `model ${m.id} is ${m.status}; thresholds apply to ready models`);
    const bands = { review: req.review, reject: req.reject };
    const problem = bandsProblem(bands);
    if (problem) throw new AppError('invalid_request', `thresholds of model ${m.id}: ${problem}`);
    return writeTransaction(db, () => {
      const updated = updateModel(db, m.id, { thresholds: { ...m.thresholds, ...bands, method: 'manual', detail: 'set by the user' } });
      reapplyVerdicts(db, m.id, bands);
      return updated;
    });
  },
  'models.infer': (req, { app }) => {
    const project = app.project();
    const m = mustModel(project.db, req.id);
    if (m.status !== 'ready') throw new AppError('conflict', `model ${m.id} is ${m.status}; only a ready model can run inference`);
    return app.jobs.start(project, 'infer', { modelId: m.id, datasetId: req.datasetId, split: req.split, maps: req.maps, evaluate: req.evaluate, batchSize: req.batchSize });
  },
  'models.export': async (req, { app }) => {
    const r = await exportModel(app.project(), req.id, req.out, { precision: req.precision });
    return { modelId: r.modelId, path: r.path, bytes: r.bytes, sha256: r.sha256, precision: r.metadata.precision ?? 'fp32' };
  },
  'results.list': (req, { app }) => {
    mustModel(app.project().db, req.modelId);
    return listResults(app.project().db, req);
  },
};
