/**
 * The workstation's live inspection, as the contract speaks of it: the watcher's status (the `live.*` methods
 * answer it and the `live.state` event pushes it) and the `live.verdict` event (one per part, with what the Live view
 * needs to show it: the stored image and map and the running counts). Pure zod, shared by app/api, core/events.ts
 * and the renderer's types; the watcher itself is app/watch.
 */
import { z } from 'zod';
import { LineMessageSchema } from './line-message.js';

/** Verdict counts since the watcher started. */
export const VerdictCountsSchema = /* @__PURE__ */ z.strictObject({
  accept: z.number().int().nonnegative(),
  review: z.number().int().nonnegative(),
  reject: z.number().int().nonnegative(),
  error: z.number().int().nonnegative(),
});

export const LIVE_STATES = ['idle', 'starting', 'running', 'paused', 'stopping', 'failed'] as const;
export const LiveStateSchema = /* @__PURE__ */ z.enum(LIVE_STATES);
export type LiveState = (typeof LIVE_STATES)[number];

export const LiveStatusSchema = /* @__PURE__ */ z.strictObject({
  state: LiveStateSchema,
  modelId: z.number().int().positive().nullable(),
  /** The watched folder (absolute), or null when idle. */
  dir: z.string().nullable(),
  /** Where scored files are moved, when set. */
  moveTo: z.string().nullable(),
  /** The dataset the parts are stored in ("live: <folder name>"). */
  datasetId: z.number().int().positive().nullable(),
  startedAt: z.string().nullable(),
  counts: VerdictCountsSchema,
  /** Parts judged per second over the last few seconds. */
  partsPerSecond: z.number().nonnegative(),
  /** Complete files waiting to be scored (at most the queue's cap; more wait on disk). */
  queued: z.number().int().nonnegative(),
  /** Why the watcher stopped on its own (state 'failed'). */
  error: z.string().nullable(),
});
export type LiveStatus = z.infer<typeof LiveStatusSchema>;

export const LiveVerdictEventSchema = /* @__PURE__ */ z.strictObject({
  message: LineMessageSchema,
  /** The stored image (project-relative paths, for client.fileUrl), or null when nothing could be stored. */
  imageId: z.number().int().positive().nullable(),
  /** The part's result row (for `results.map`), or null when nothing could be stored. */
  resultId: z.number().int().positive().nullable(),
  imagePath: z.string().nullable(),
  mapPath: z.string().nullable(),
  counts: VerdictCountsSchema,
  partsPerSecond: z.number().nonnegative(),
  queued: z.number().int().nonnegative(),
});
export type LiveVerdictEvent = z.infer<typeof LiveVerdictEventSchema>;
