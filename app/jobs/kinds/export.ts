/** Job kind `export`: writes a model's export package (ONNX, model card, Triton repository) with progress. */
import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import { Precision } from '../../core/domain.js';
import type { JobContext } from '../../core/job-types.js';
import { openProject } from '../../store/project.js';
import { exportPackage, type ExportedPackage } from '../../workflows/export-package.js';

/** What an `export` job receives (validated again here: a job row may be old). */
export const ExportJobPayload = z
  .object({
    modelId: z.number().int().positive(),
    outDir: z.string().min(1),
    triton: z.boolean().default(true),
    maxBatchSize: z.number().int().min(1).max(1024).optional(),
    precision: Precision.default('fp32'),
  })
  .strict();
export type ExportJobPayload = z.input<typeof ExportJobPayload>;

export async function run(ctx: JobContext<unknown>): Promise<ExportedPackage> {
  const parsed = ExportJobPayload.safeParse(ctx.payload);
  if (!parsed.success) throw new AppError('invalid_request', `export job payload: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const p = parsed.data;
  // An export only reads the project.
  const project = openProject(ctx.projectDir, { readonly: true });
  try {
    return await exportPackage(project, p.modelId, { ...p, signal: ctx.signal, progress: (f, m) => ctx.progress(f, m) });
  } finally {
    project.close();
  }
}
