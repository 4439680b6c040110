import { z } from 'zod';
import { BandsFields } from '../../core/bands.js';
import type { JobContext } from '../../core/job-types.js';
import { openProject } from '../../store/project.js';
import { ReportError } from '../../report/errors.js';
import { generateReport, type GeneratedReport } from '../../report/generate.js';
import { defaultPdfPrinter } from '../../report/pdf.js';

/** What a `report` job receives (the reports.create request, validated again here: a job row may be old). */
export const ReportJobPayload = z
  .object({
    modelId: z.number().int().positive(),
    datasetId: z.number().int().positive().nullable().optional(),
    title: z.string().max(300).optional(),
    // Jobs queued before the one vocabulary carry {accept, reject}: read as {review, reject}.
    bands: z
      .union([z.strictObject(BandsFields), z.strictObject({ accept: z.number(), reject: z.number() }).transform((b) => ({ review: b.accept, reject: b.reject }))])
      .optional(),
    galleryLimit: z.number().int().min(0).max(2000).optional(),
    pdf: z.boolean().default(true),
    /** The Electron main process prints after the job (webContents.printToPDF); the worker skips the PDF. */
    printInMain: z.boolean().default(false),
  })
  .strict();
export type ReportJobPayload = z.input<typeof ReportJobPayload>;

/** Job kind `report`: builds and writes one report with progress; cancellable between pictures. */
export async function run(ctx: JobContext<unknown>): Promise<GeneratedReport> {
  const parsed = ReportJobPayload.safeParse(ctx.payload);
  if (!parsed.success) throw new ReportError('invalid_request', `report job payload: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const p = parsed.data;
  const project = openProject(ctx.projectDir);
  try {
    return await generateReport(
      project,
      { ...p, pdf: p.pdf && !p.printInMain },
      { signal: ctx.signal, progress: (f, m) => ctx.progress(f, m), printer: p.pdf && !p.printInMain ? defaultPdfPrinter() : null },
    );
  } finally {
    project.close();
  }
}
