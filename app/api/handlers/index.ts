import type { HandlerContext } from '../../context.js';
import type { Methods } from '../contract.js';
import type { HandlerGroup } from '../define.js';
import { appHandlers } from './app.js';
import { backboneHandlers } from './backbones.js';
import { datasetHandlers } from './datasets.js';
import { jobHandlers } from './jobs.js';
import { liveHandlers } from './live.js';
import { modelHandlers } from './models.js';
import { projectHandlers } from './projects.js';
import { synthesisHandlers } from './synthesis.js';
import { reportHandlers } from './reports.js';
import { reviewHandlers } from './reviews.js';
import { resultMapHandlers } from './result-maps.js';
import { modelExportHandlers } from './model-export.js';
import { curationHandlers } from './curation.js';
import { modelCompareHandlers } from './model-compare.js';

/** The one handler table; both transports (IPC and serve mode) dispatch into it. */
export const handlers: HandlerGroup<Methods, HandlerContext> = {
  ...appHandlers,
  ...backboneHandlers,
  ...datasetHandlers,
  ...projectHandlers,
  ...synthesisHandlers,
  ...jobHandlers,
  ...modelHandlers,
  ...reportHandlers,
  ...reviewHandlers,
  ...resultMapHandlers,
  ...modelExportHandlers,
  ...curationHandlers,
  ...modelCompareHandlers,
  ...liveHandlers,
};
