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
  /** fraction in [0, 1]; data is job-specific (loss terms, counts) and reaches progress events unchanged. */
  progress(fraction: number, message?: string, data?: unknown): void;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>): void;
}

export interface JobModule<P = unknown, R = unknown> {
  run(ctx: JobContext<P>): Promise<R>;
}

/** Messages between the runner (main thread) and a job's worker. */
export type WorkerToMain =
  | { type: 'progress'; fraction: number; message: string; data?: unknown }
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
