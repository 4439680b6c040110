import { z } from 'zod';
import { defineMethod } from '../define.js';
import { Id, Job, JobStatus } from '../../core/schemas.js';

export const jobMethods = {
  'jobs.list': defineMethod({
    summary: "The open project's jobs, newest first.",
    request: z
      .object({ status: JobStatus.optional(), kind: z.string().optional(), limit: z.number().int().min(1).max(1000).default(100) })
      .strict(),
    response: z.array(Job),
  }),
  'jobs.get': defineMethod({
    summary: 'One job.',
    request: z.object({ id: Id }).strict(),
    response: Job,
  }),
  'jobs.cancel': defineMethod({
    summary: 'Ask a queued or running job to stop; it ends as cancelled.',
    request: z.object({ id: Id }).strict(),
    response: Job,
  }),
  'jobs.resume': defineMethod({
    summary: 'Start an interrupted job again from its last checkpoint (kinds that support it).',
    request: z.object({ id: Id }).strict(),
    response: Job,
  }),
};
