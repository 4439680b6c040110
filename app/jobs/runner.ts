import { Worker } from 'node:worker_threads';
import type { EventBus } from '../core/event-bus.js';
import { AppError } from '../core/errors.js';
import type { Job } from '../core/schemas.js';
import type { Logger } from '../core/log.js';
import { finishJob, getJob, insertJob, markJobRunning, updateJobProgress } from '../store/jobs.js';
import { openProject, type Project } from '../store/project.js';
import { jobKinds as defaultKinds, type JobKindSpec } from './kinds.js';
import type { MainToWorker, WorkerInit, WorkerToMain } from '../core/job-types.js';

const BOOT = new URL('./worker-boot.mjs', import.meta.url);
const HOST = new URL('./worker-host.ts', import.meta.url).href;
/** Progress rows are written at most this often; events go out at most twice as often. */
const DB_WRITE_INTERVAL_MS = 250;
const EVENT_INTERVAL_MS = 100;

interface Running {
  readonly jobId: number;
  readonly projectDir: string;
  readonly worker?: Worker;
  cancelRequested: boolean;
  readonly done: Promise<Job>;
}

export interface JobRunnerOptions {
  readonly events: EventBus;
  readonly log: Logger;
  readonly kinds?: Record<string, JobKindSpec>;
  /** Jobs running at once; the rest wait queued. Two suits a 2-core desktop. */
  readonly concurrency?: number;
}

/**
 * Runs long work in worker threads. A job is a row in the project's SQLite (so it survives restarts and shows as
 * interrupted after a crash); progress goes to the row (throttled) and to the event bus with an ETA.
 */
export class JobRunner {
  private readonly kinds: Record<string, JobKindSpec>;
  private readonly running = new Map<string, Running>();
  private readonly queue: Array<() => void> = [];
  private active = 0;

  constructor(private readonly options: JobRunnerOptions) {
    this.kinds = options.kinds ?? defaultKinds;
  }

  isResumable = (kind: string): boolean => this.kinds[kind]?.resumable ?? false;

  kindNames(): string[] {
    return Object.keys(this.kinds);
  }

  /** Inserts the job row and schedules it; returns the queued job at once. */
  start(project: Project, kind: string, payload: unknown): Job {
    const spec = this.kinds[kind];
    if (!spec) throw new AppError('invalid_request', `unknown job kind "${kind}"`, { known: Object.keys(this.kinds) });
    const jobId = insertJob(project.db, kind, payload);
    this.schedule(project.dir, jobId, kind, spec, payload, false);
    return getJob(project.db, jobId, this.isResumable)!;
  }

  /** Starts an interrupted job again under the same id; the kind resumes from its own checkpoint. */
  resume(project: Project, jobId: number): Job {
    const job = getJob(project.db, jobId, this.isResumable);
    if (!job) throw new AppError('not_found', `job ${jobId} does not exist`);
    if (!job.resumable) throw new AppError('conflict', `job ${jobId} (${job.kind}, ${job.status}) cannot be resumed`);
    project.db.prepare("UPDATE jobs SET status = 'queued', error = NULL WHERE id = ?").run(jobId);
    this.schedule(project.dir, jobId, job.kind, this.kinds[job.kind]!, job.payload, true);
    return getJob(project.db, jobId, this.isResumable)!;
  }

  cancel(project: Project, jobId: number): Job {
    const key = `${project.dir}#${jobId}`;
    const run = this.running.get(key);
    const job = getJob(project.db, jobId, this.isResumable);
    if (!job) throw new AppError('not_found', `job ${jobId} does not exist`);
    if (!run) {
      if (job.status === 'interrupted' || job.status === 'queued') {
        finishJob(project.db, jobId, 'cancelled', { error: 'cancelled by the user' });
      }
      return getJob(project.db, jobId, this.isResumable)!;
    }
    run.cancelRequested = true;
    run.worker?.postMessage({ type: 'cancel' } satisfies MainToWorker);
    return getJob(project.db, jobId, this.isResumable)!;
  }

  /** Resolves when the job has finished (any terminal status). */
  async wait(project: Project, jobId: number): Promise<Job> {
    const run = this.running.get(`${project.dir}#${jobId}`);
    if (run) return run.done;
    const job = getJob(project.db, jobId, this.isResumable);
    if (!job) throw new AppError('not_found', `job ${jobId} does not exist`);
    return job;
  }

  /** Cancels everything (app quit) and waits for the workers to end. */
  async shutdown(): Promise<void> {
    const all = [...this.running.values()];
    for (const r of all) {
      r.cancelRequested = true;
      r.worker?.postMessage({ type: 'cancel' } satisfies MainToWorker);
    }
    await Promise.allSettled(all.map((r) => r.done));
  }

  private schedule(projectDir: string, jobId: number, kind: string, spec: JobKindSpec, payload: unknown, resumed: boolean): void {
    const key = `${projectDir}#${jobId}`;
    let resolveDone!: (job: Job) => void;
    const done = new Promise<Job>((r) => (resolveDone = r));
    const entry: Running = { jobId, projectDir, cancelRequested: false, done };
    this.running.set(key, entry);
    const launch = (): void => {
      this.active++;
      void this.execute(entry, kind, spec, payload, resumed)
        .then(resolveDone)
        .finally(() => {
          this.running.delete(key);
          this.active--;
          this.queue.shift()?.();
        });
    };
    if (this.active < (this.options.concurrency ?? 2)) launch();
    else this.queue.push(launch);
  }

  private async execute(entry: Running, kind: string, spec: JobKindSpec, payload: unknown, resumed: boolean): Promise<Job> {
    const { events, log } = this.options;
    const project = openProject(entry.projectDir);
    const { jobId } = entry;
    try {
      if (entry.cancelRequested) {
        finishJob(project.db, jobId, 'cancelled', { error: 'cancelled by the user' });
        events.emit('job.finished', { jobId, kind, status: 'cancelled', error: 'cancelled by the user' });
        return getJob(project.db, jobId, this.isResumable)!;
      }
      markJobRunning(project.db, jobId);
      const init: WorkerInit = { entry: HOST, module: spec.module, jobId, kind, payload, projectDir: project.dir, resumed };
      const worker = new Worker(BOOT, { workerData: init });
      (entry as { worker?: Worker }).worker = worker;
      if (entry.cancelRequested) worker.postMessage({ type: 'cancel' } satisfies MainToWorker);

      const outcome = await this.outcomeOf(worker, entry, project, kind);
      await worker.terminate();
      finishJob(project.db, jobId, outcome.status, { result: outcome.result, error: outcome.error });
      if (outcome.status === 'failed') log.error(`job ${jobId} (${kind}) failed: ${outcome.error}`, { jobId, kind, project: project.dir });
      events.emit('job.finished', {
        jobId,
        kind,
        status: outcome.status,
        ...(outcome.result !== undefined ? { result: outcome.result } : {}),
        ...(outcome.error ? { error: outcome.error } : {}),
      });
      return getJob(project.db, jobId, this.isResumable)!;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      finishJob(project.db, jobId, 'failed', { error: message });
      events.emit('job.finished', { jobId, kind, status: 'failed', error: message });
      return getJob(project.db, jobId, this.isResumable)!;
    } finally {
      project.close();
    }
  }

  /** Relays the worker's progress and logs until it reports done or an error, or exits; what it ended with. */
  private outcomeOf(worker: Worker, entry: Running, project: Project, kind: string): Promise<Outcome> {
    const { log } = this.options;
    const { jobId } = entry;
    const relayProgress = progressRelay(project, jobId, kind, this.options.events);
    return new Promise<Outcome>((resolve) => {
      let settled = false;
      const settle = (o: Outcome): void => {
        if (!settled) {
          settled = true;
          resolve(o);
        }
      };
      worker.on('message', (m: WorkerToMain) => {
        switch (m.type) {
          case 'progress':
            relayProgress(m);
            break;
          case 'log':
            log.log(m.level, m.message, { ...m.data, jobId, kind, project: project.dir });
            break;
          case 'done':
            settle({ status: 'succeeded', result: m.result });
            break;
          case 'error':
            settle(m.cancelled || entry.cancelRequested ? { status: 'cancelled', error: 'cancelled by the user' } : { status: 'failed', error: m.message });
            break;
        }
      });
      worker.on('error', (err) => settle({ status: 'failed', error: err.message }));
      worker.on('exit', (code) => {
        settle(
          entry.cancelRequested
            ? { status: 'cancelled', error: 'cancelled by the user' }
            : { status: 'failed', error: `worker exited with code ${code} before finishing` },
        );
      });
    });
  }
}

type Outcome = { status: 'succeeded' | 'failed' | 'cancelled'; result?: unknown; error?: string };

/**
 * Writes progress to the job row and the event bus with an ETA from the time since now, throttled (the last step,
 * and any message with data, always go out).
 */
function progressRelay(project: Project, jobId: number, kind: string, events: EventBus): (m: Extract<WorkerToMain, { type: 'progress' }>) => void {
  const started = Date.now();
  let lastDb = 0;
  let lastEvent = 0;
  return (m) => {
    const t = Date.now();
    const elapsed = (t - started) / 1000;
    const eta = m.fraction > 0.01 && m.fraction < 1 ? (elapsed * (1 - m.fraction)) / m.fraction : null;
    if (t - lastDb >= DB_WRITE_INTERVAL_MS || m.fraction >= 1) {
      lastDb = t;
      updateJobProgress(project.db, jobId, m.fraction, eta, m.message);
    }
    if (t - lastEvent >= EVENT_INTERVAL_MS || m.fraction >= 1 || m.data !== undefined) {
      lastEvent = t;
      events.emit('job.progress', { jobId, kind, fraction: m.fraction, etaSeconds: eta, message: m.message, data: m.data });
    }
  };
}
