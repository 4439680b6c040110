import type { JobContext } from '../jobs/types.js';
import { importDataset, type ImportReport } from '../dataset/import.js';
import { openProject } from '../store/project.js';
import { generateDemoDataset } from './generate.js';

/**
 * Job kind `demo`: generates the demo dataset inside the open project (`demo-source/`, MVTec AD layout) and
 * imports it, so the app can offer a ready project on first launch. Payload: `{ quick?: boolean }`.
 */
export async function run(ctx: JobContext<{ quick?: boolean } | null>): Promise<ImportReport> {
  const quick = ctx.payload?.quick === true;
  const project = openProject(ctx.projectDir);
  try {
    const source = project.path('demo-source');
    await generateDemoDataset({ outDir: source, size: quick ? 'quick' : 'full', signal: ctx.signal, progress: (f, m) => ctx.progress(0.6 * f, m) });
    return await importDataset(project, {
      source,
      format: 'mvtec',
      recordAs: 'demo',
      signal: ctx.signal,
      progress: (f, m) => ctx.progress(0.6 + 0.4 * f, m),
    });
  } finally {
    project.close();
  }
}
