import { openProject } from '../../store/project.js';
import { AppError } from '../../core/errors.js';
import type { JobContext } from '../../core/job-types.js';
import { importDataset, type ImportReport } from '../../dataset/import.js';
import { ImportPayload } from '../../dataset/import-payload.js';
import { averageRate, everyMs } from '../progress-rate.js';

/** Job kind `import`: runs an import in its worker thread and returns the import report as the job result. */
export async function run(ctx: JobContext): Promise<ImportReport> {
  const parsed = ImportPayload.safeParse(ctx.payload);
  if (!parsed.success) throw new AppError('invalid_request', `invalid import request: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ')}`);
  const p = parsed.data;
  const project = openProject(ctx.projectDir);
  const rate = averageRate();
  // Counts go out at most four times a second: progress with data skips the runner's event throttle.
  const countsDue = everyMs(250);
  try {
    const report = await importDataset(project, {
      source: p.source,
      format: p.format,
      storage: p.storage,
      csv: p.csv,
      categories: p.categories,
      namePrefix: p.namePrefix,
      threads: p.threads,
      limits: p.maxPixels ? { maxPixels: p.maxPixels } : undefined,
      signal: ctx.signal,
      progress: (f, m, counts) => {
        const perSecond = counts && rate(counts.done);
        if (counts && perSecond !== undefined && countsDue(counts.done === counts.total)) ctx.progress(f, m, { kind: 'import', ...counts, imagesPerSecond: perSecond });
        else ctx.progress(f, m);
      },
    });
    ctx.log('info', `import of ${report.source}: ${report.imported} imported, ${report.duplicates} duplicates, ${report.failed.length} failed`);
    return report;
  } finally {
    project.close();
  }
}
