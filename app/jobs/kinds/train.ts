/**
 * Job kind `train` (resumable): payload { category?, datasetId?, objective?, settings?, name? }. On resume the
 * model row of this job continues from its last checkpoint.
 */
import type { Objective } from '../../core/domain.js';
import { AppError } from '../../core/errors.js';
import type { JobContext } from '../../core/job-types.js';
import { getModelByJob } from '../../store/models.js';
import { openProject } from '../../store/project.js';
import { trainModel, type TrainResult } from '../../train/trainer.js';

export interface TrainPayload {
  readonly category?: string;
  readonly datasetId?: number;
  readonly objective?: Objective;
  readonly settings?: unknown;
  readonly name?: string;
}

export async function run(ctx: JobContext<TrainPayload>): Promise<TrainResult> {
  const project = openProject(ctx.projectDir);
  try {
    const p = ctx.payload ?? {};
    const previous = ctx.resumed ? getModelByJob(project.db, ctx.jobId) : undefined;
    if (previous?.status === 'ready') {
      throw new AppError('conflict', `job ${ctx.jobId} already produced model ${previous.id} (ready); start a new training instead of resuming`);
    }
    return await trainModel(project, {
      ...(previous
        ? { resumeModelId: previous.id }
        : { category: p.category, datasetId: p.datasetId, objective: p.objective, settings: p.settings, name: p.name }),
      jobId: ctx.jobId,
      signal: ctx.signal,
      progress: (f, msg, data) => ctx.progress(f, msg, data),
      log: (level, msg, data) => ctx.log(level, msg, data),
    });
  } finally {
    project.close();
  }
}
