/** Live job state for the views: progress, rate and outcome of every job this window has heard of. */
import type { AppEvent } from '../../../app/api/contract';
import type { JobProgressData, JobProgressKind } from '../../../app/core/job-types';
import { client } from './client';

export interface JobView {
  readonly jobId: number;
  readonly kind: string;
  readonly fraction: number;
  readonly etaSeconds: number | null;
  readonly message: string;
  readonly data: JobProgressData | undefined;
  readonly status: 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted' | 'queued';
  readonly error?: string;
  readonly result?: unknown;
  /** The job's rate in {@link rateUnitOf} its kind, when its progress data carries one. */
  readonly rate: number | null;
}

/** What each kind's rate counts: images for an import and for inference, optimiser steps for training. */
const RATE_UNITS: Record<JobProgressKind, string> = { import: 'images/s', infer: 'images/s', train: 'steps/s' };

/** The unit of a job kind's rate; undefined for kinds that report none. */
export function rateUnitOf(kind: string): string | undefined {
  return Object.hasOwn(RATE_UNITS, kind) ? RATE_UNITS[kind as JobProgressKind] : undefined;
}

/** The rate in a job's progress data: one typed field per kind. */
export function rateOf(data: JobProgressData | undefined): number | null {
  const rate = data?.kind === 'train' ? data.stepsPerSecond : data?.imagesPerSecond;
  return rate !== undefined && Number.isFinite(rate) ? rate : null;
}

/** Live state of every job this window has heard of, fed by `job.progress` / `job.finished` events. */
class JobTracker {
  jobs = $state<Record<number, JobView>>({});
  private listeners = new Set<(e: AppEvent) => void>();
  private unsubscribe: (() => void) | null = null;

  start(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = client.subscribe((e) => this.apply(e));
  }

  /** Extra listeners (charts collect their series from progress data). */
  onEvent(listener: (e: AppEvent) => void): () => void {
    this.start();
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  track(jobId: number, kind: string): void {
    this.start();
    if (!this.jobs[jobId]) {
      this.jobs[jobId] = { jobId, kind, fraction: 0, etaSeconds: null, message: 'queued', data: undefined, status: 'queued', rate: null };
    }
  }

  /** Tracks a job found in the project (jobs.list / jobs.get), starting from its stored progress. */
  adopt(job: { id: number; kind: string; status: JobView['status']; progress: number; etaSeconds: number | null; message: string }): void {
    this.start();
    if (this.jobs[job.id]) return;
    this.jobs[job.id] = { jobId: job.id, kind: job.kind, fraction: job.progress, etaSeconds: job.etaSeconds, message: job.message, data: undefined, status: job.status, rate: null };
  }

  apply(e: AppEvent): void {
    if (e.event === 'job.progress') {
      const p = e.payload as AppEvent<'job.progress'>['payload'];
      const prev = this.jobs[p.jobId];
      this.jobs[p.jobId] = {
        jobId: p.jobId,
        kind: p.kind,
        fraction: p.fraction,
        etaSeconds: p.etaSeconds,
        message: p.message,
        data: p.data,
        status: 'running',
        rate: rateOf(p.data) ?? prev?.rate ?? null,
      };
    } else if (e.event === 'job.finished') {
      const p = e.payload as AppEvent<'job.finished'>['payload'];
      const prev = this.jobs[p.jobId];
      this.jobs[p.jobId] = {
        jobId: p.jobId,
        kind: p.kind,
        fraction: p.status === 'succeeded' ? 1 : (prev?.fraction ?? 0),
        etaSeconds: null,
        message: p.status === 'succeeded' ? 'done' : (p.error ?? p.status),
        data: prev?.data,
        status: p.status as JobView['status'],
        error: p.error,
        result: p.result,
        rate: prev?.rate ?? null,
      };
    }
    for (const l of this.listeners) l(e);
  }

  /** Resolves when the job finishes (any status). */
  async finished(jobId: number): Promise<JobView> {
    this.start();
    return new Promise((resolve) => {
      const check = (): boolean => {
        const j = this.jobs[jobId];
        if (j && j.status !== 'running' && j.status !== 'queued') {
          resolve(j);
          return true;
        }
        return false;
      };
      if (check()) return;
      const off = this.onEvent(() => {
        if (check()) off();
      });
    });
  }
}

export const jobs = new JobTracker();

export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
