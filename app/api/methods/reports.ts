import { z } from 'zod';
import { defineMethod } from '../define.js';
import { Id, IsoTime, Job } from '../../core/schemas.js';
import { BandsFields, BandsSchema } from '../../core/bands.js';

const ReportSpec = {
  modelId: Id,
  /** Defaults to the model's training dataset; null = every result of the model. */
  datasetId: Id.nullable().optional(),
  title: z.string().trim().min(1).max(300).optional(),
  /** Overrides the model's stored review / reject thresholds for this report. */
  bands: BandsSchema.optional(),
  /** Most flagged parts in the gallery (every image is always in the CSV). */
  galleryLimit: z.number().int().min(0).max(2000).optional(),
};

export const ReportRecordSchema = z.object({
  id: Id,
  modelId: Id,
  datasetId: Id.nullable(),
  title: z.string(),
  /** null only for a stored report whose bands cannot be read. */
  bands: z.object(BandsFields).nullable(),
  /** Project-relative paths (use client.fileUrl to open them). */
  files: z.object({ html: z.string().optional(), pdf: z.string().optional(), csv: z.string().optional(), json: z.string().optional() }),
  createdAt: IsoTime,
});

export const reportMethods = {
  'reports.create': defineMethod({
    summary: 'Start a `report` job writing HTML, PDF (when a printer exists), CSV and JSON into the project.',
    request: z.object({ ...ReportSpec, pdf: z.boolean().default(true) }).strict(),
    response: Job,
  }),
  'reports.list': defineMethod({
    summary: "The open project's reports, newest first.",
    request: z.object({ modelId: Id.optional(), limit: z.number().int().min(1).max(1000).default(100) }).strict(),
    response: z.array(ReportRecordSchema),
  }),
  'reports.preview': defineMethod({
    summary: 'The HTML of a stored report (reportId), or of a report not yet written (model, dataset, bands; small gallery).',
    request: z.union([
      z.object({ reportId: Id }).strict(),
      z.object({ ...ReportSpec, galleryLimit: z.number().int().min(0).max(200).default(12) }).strict(),
    ]),
    response: z.object({ html: z.string(), bands: z.object(BandsFields).nullable(), bandsMethod: z.string() }),
  }),
};
