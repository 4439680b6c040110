import { z } from 'zod';
import { JobProgressData } from './job-types.js';
import { LiveStatusSchema, LiveVerdictEventSchema } from './live.js';
import { Id, JobStatus } from './schemas.js';

/** Every event the main process pushes to clients. Transports forward them unchanged. */
export const eventSchemas = {
  'job.progress': z.object({
    jobId: Id,
    kind: z.string(),
    fraction: z.number(),
    etaSeconds: z.number().nullable(),
    message: z.string(),
    /** The kind's progress record (its `kind` names the job kind), when the kind reports one. */
    data: JobProgressData.optional(),
  }),
  'job.finished': z.object({
    jobId: Id,
    kind: z.string(),
    status: JobStatus,
    result: z.unknown().optional(),
    error: z.string().optional(),
  }),
  /** One part judged by the live watcher (app/watch): the line message plus what the Live view shows. */
  'live.verdict': LiveVerdictEventSchema,
  /** The live watcher started, paused, resumed, stopped or failed. */
  'live.state': LiveStatusSchema,
  log: z.object({
    level: z.enum(['debug', 'info', 'warn', 'error']),
    message: z.string(),
    time: z.string(),
    data: z.unknown().optional(),
  }),
};

export type EventName = keyof typeof eventSchemas;
export type EventPayload<E extends EventName> = z.infer<(typeof eventSchemas)[E]>;
/** A discriminated union over event names: checking `e.event` narrows `e.payload`. */
export type AppEvent<E extends EventName = EventName> = E extends EventName
  ? { readonly event: E; readonly payload: EventPayload<E> }
  : never;
