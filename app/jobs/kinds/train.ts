/**
 * Job kind `train` (resumable): payload { category?, datasetId?, objective?, settings?, name? }. On resume the
 * model row of this job continues from its last checkpoint.
 */
import type { Objective } from '../../core/domain.js';
import { AppError } from '../../core/errors.js';
import type { JobContext } from '../../core/job-types.js';
import { getModelByJob } from '../../store/models.js';
import { openProject } from '../../store/project.js';
import { trainModel, type TrainProgress, type TrainResult } from '../../train/trainer.js';
import { averageRate } from '../progress-rate.js';

export interface TrainPayload {
  readonly category?: string;
  readonly datasetId?: number;
  readonly objective?: Objective;
  readonly settings?: unknown;
  readonly name?: string;
}

export async function run(ctx: JobContext<TrainPayload>): Promise<TrainResult> {
  const project = openProject(ctx.projectDir);
  const report = trainProgress(ctx);
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
      progress: report,
      log: (level, msg, data) => ctx.log(level, msg, data),
    });
  } finally {
    project.close();
  }
}

/** Relays the trainer's progress as `train` progress data, adding steps/s over the steps this run has trained. */
function trainProgress(ctx: JobContext<TrainPayload>): (fraction: number, message: string, data?: TrainProgress) => void {
  const rate = averageRate();
  let stepsPerSecond: number | undefined;
  return (fraction, message, data) => {
    if (data?.event === 'train') stepsPerSecond = rate(data.step) ?? stepsPerSecond;
    ctx.progress(fraction, message, data && { kind: 'train', ...data, ...(stepsPerSecond !== undefined ? { stepsPerSecond } : {}) });
  };
}
