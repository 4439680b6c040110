import type { z } from 'zod';
import { appMethods } from './methods/app.js';
import { backboneMethods } from './methods/backbones.js';
import { datasetMethods } from './methods/datasets.js';
import { jobMethods } from './methods/jobs.js';
import { liveMethods } from './methods/live.js';
import { modelMethods } from './methods/models.js';
import { projectMethods } from './methods/projects.js';
import { synthesisMethods } from './methods/synthesis.js';
import { reportMethods } from './methods/reports.js';
import { reviewMethods } from './methods/reviews.js';
import { resultMapMethods } from './methods/result-maps.js';
import { modelExportMethods } from './methods/model-export.js';
import { curationMethods } from './methods/curation.js';
import { modelCompareMethods } from './methods/model-compare.js';

/**
 * The one typed contract. Every method the renderer, the CLI and serve mode can call is declared here (by group).
 * The renderer imports types only; the main process validates every request against these schemas.
 */
export const methods = {
  ...appMethods,
  ...backboneMethods,
  ...datasetMethods,
  ...projectMethods,
  ...synthesisMethods,
  ...jobMethods,
  ...modelMethods,
  ...reportMethods,
  ...reviewMethods,
  ...resultMapMethods,
  ...modelExportMethods,
  ...curationMethods,
  ...modelCompareMethods,
  ...liveMethods,
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
/** What a caller sends (defaults may be omitted). */
export type RequestOf<M extends MethodName> = z.input<Methods[M]['request']>;
/** What a caller receives. */
export type ResponseOf<M extends MethodName> = z.output<Methods[M]['response']>;

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}

export type { EventName, EventPayload, AppEvent } from '../core/events.js';
export type { ApiErrorBody, ErrorCode } from '../core/errors.js';
