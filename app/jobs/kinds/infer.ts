/** Job kind `infer`: payload = InferOptions without the callbacks; results land in the `results` table. */
import type { JobContext } from '../../core/job-types.js';
import { openProject } from '../../store/project.js';
import { type InferOptions, runInference, type InferSummary } from '../../infer/run.js';

export type InferPayload = Omit<InferOptions, 'signal' | 'progress' | 'session'>;

export async function run(ctx: JobContext<InferPayload>): Promise<InferSummary> {
  const project = openProject(ctx.projectDir);
  try {
    return await runInference(project, {
      ...ctx.payload,
      signal: ctx.signal,
      progress: (f, msg, data) => ctx.progress(f, msg, data && { kind: 'infer', ...data }),
    });
  } finally {
    project.close();
  }
}
