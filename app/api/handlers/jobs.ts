import type { HandlerContext } from '../../context.js';
import { getJob, listJobs } from '../../store/jobs.js';
import { AppError } from '../../core/errors.js';
import type { HandlerGroup } from '../define.js';
import type { jobMethods } from '../methods/jobs.js';

export const jobHandlers: HandlerGroup<typeof jobMethods, HandlerContext> = {
  'jobs.list': (req, { app }) => listJobs(app.project().db, req, app.jobs.isResumable),
  'jobs.get': (req, { app }) => {
    const job = getJob(app.project().db, req.id, app.jobs.isResumable);
    if (!job) throw new AppError('not_found', `job ${req.id} does not exist`);
    return job;
  },
  'jobs.cancel': (req, { app }) => app.jobs.cancel(app.project(), req.id),
  'jobs.resume': (req, { app }) => app.jobs.resume(app.project(), req.id),
};
