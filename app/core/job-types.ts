/**
 * The job system's shared vocabulary: what a job kind's worker receives, the messages between runner and worker,
 * and the progress data each kind reports (a union keyed by kind, like GitHub Desktop's models/progress.ts), which
 * reaches clients unchanged in `job.progress` events.
 */
import { z } from 'zod';

/** `import`: images read so far, of how many, and the average rate since the first was read. */
export const ImportProgressData = z.object({
  kind: z.literal('import'),
  done: z.number().int().min(0),
  total: z.number().int().min(0),
  imagesPerSecond: z.number(),
});

/** `infer`: images scored so far, of how many, where, and how fast. */
export const InferProgressData = z.object({
  kind: z.literal('infer'),
  done: z.number().int().min(0),
  total: z.number().int().min(0),
  executionProvider: z.string(),
  imagesPerSecond: z.number(),
});

/** `train`: where the run is (step, epoch), its losses and validation AUROC as they come, and its speed. */
export const TrainProgressData = z.object({
  kind: z.literal('train'),
  step: z.number().int().min(0),
  totalSteps: z.number().int().min(0),
  epoch: z.number().int().min(0),
  losses: z.record(z.string(), z.number()).optional(),
  lr: z.number().optional(),
  valImageAuroc: z.number().optional(),
  /** Images through the training step per second of step time (as the trainer measures it). */
  imagesPerSecond: z.number().optional(),
  /** Training steps per second of wall time since this run's first step (a resumed run counts from its resume). */
  stepsPerSecond: z.number().optional(),
  etaSeconds: z.number().optional(),
  executionProvider: z.string(),
  event: z.enum(['train', 'val', 'nan', 'checkpoint']).optional(),
});

export const JobProgressData = z.discriminatedUnion('kind', [ImportProgressData, InferProgressData, TrainProgressData]);
export type JobProgressData = z.infer<typeof JobProgressData>;
export type JobProgressKind = JobProgressData['kind'];
/** The progress data of one job kind. */
export type ProgressDataOf<K extends JobProgressKind> = Extract<JobProgressData, { kind: K }>;

/** What a job kind's `run` receives inside its worker thread. */
export interface JobContext<P = unknown> {
  readonly jobId: number;
  readonly kind: string;
  readonly payload: P;
  /** Absolute project folder; the worker opens its own SQLite connection when it needs one. */
  readonly projectDir: string;
  /** True when the job was started again after an interruption (resume from its checkpoint). */
  readonly resumed: boolean;
  /** Aborted when the user cancels; long loops check it and throw `signal.reason` (or call throwIfAborted). */
  readonly signal: AbortSignal;
  /** fraction in [0, 1]; data is the kind's own progress record (counts, rate, losses), passed on unchanged. */
  progress(fraction: number, message?: string, data?: JobProgressData): void;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>): void;
}

export interface JobModule<P = unknown, R = unknown> {
  run(ctx: JobContext<P>): Promise<R>;
}

/** Messages between the runner (main thread) and a job's worker. */
export type WorkerToMain =
  | { type: 'progress'; fraction: number; message: string; data?: JobProgressData }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; message: string; data?: Record<string, unknown> }
  | { type: 'done'; result: unknown }
  | { type: 'error'; message: string; cancelled: boolean };

export type MainToWorker = { type: 'cancel' };

export interface WorkerInit {
  readonly entry: string;
  readonly module: string;
  readonly jobId: number;
  readonly kind: string;
  readonly payload: unknown;
  readonly projectDir: string;
  readonly resumed: boolean;
}
