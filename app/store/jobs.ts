import type Database from 'better-sqlite3';
import type { Job, JobStatus } from '../core/schemas.js';

interface JobRow {
  id: number;
  kind: string;
  status: JobStatus;
  progress: number;
  eta_seconds: number | null;
  message: string;
  payload_json: string;
  result_json: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

const now = (): string => new Date().toISOString();

function toJob(row: JobRow, resumable: (kind: string) => boolean): Job {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    progress: row.progress,
    etaSeconds: row.eta_seconds,
    message: row.message,
    payload: JSON.parse(row.payload_json),
    result: row.result_json === null ? null : JSON.parse(row.result_json),
    error: row.error,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    resumable: row.status === 'interrupted' && resumable(row.kind),
  };
}

export type ResumableTest = (kind: string) => boolean;
const never: ResumableTest = () => false;

export function insertJob(db: Database.Database, kind: string, payload: unknown): number {
  const info = db
    .prepare("INSERT INTO jobs (kind, status, payload_json, created_at) VALUES (?, 'queued', ?, ?)")
    .run(kind, JSON.stringify(payload ?? null), now());
  return Number(info.lastInsertRowid);
}

export function getJob(db: Database.Database, id: number, resumable: ResumableTest = never): Job | undefined {
  const row = db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
  return row && toJob(row, resumable);
}

export function listJobs(
  db: Database.Database,
  filter: { status?: JobStatus; kind?: string; limit?: number },
  resumable: ResumableTest = never,
): Job[] {
  const rows = db
    .prepare(
      `SELECT * FROM jobs WHERE (@status IS NULL OR status = @status) AND (@kind IS NULL OR kind = @kind)
       ORDER BY id DESC LIMIT @limit`,
    )
    .all({ status: filter.status ?? null, kind: filter.kind ?? null, limit: filter.limit ?? 100 }) as JobRow[];
  return rows.map((r) => toJob(r, resumable));
}

export function markJobRunning(db: Database.Database, id: number): void {
  db.prepare(
    "UPDATE jobs SET status = 'running', started_at = ?, finished_at = NULL, error = NULL WHERE id = ?",
  ).run(now(), id);
}

export function updateJobProgress(
  db: Database.Database,
  id: number,
  progress: number,
  etaSeconds: number | null,
  message: string,
): void {
  db.prepare('UPDATE jobs SET progress = ?, eta_seconds = ?, message = ? WHERE id = ?').run(progress, etaSeconds, message, id);
}

export function finishJob(
  db: Database.Database,
  id: number,
  status: Extract<JobStatus, 'succeeded' | 'failed' | 'cancelled'>,
  outcome: { result?: unknown; error?: string },
): void {
  db.prepare(
    `UPDATE jobs SET status = ?, finished_at = ?, eta_seconds = NULL,
       progress = CASE WHEN ? = 'succeeded' THEN 1 ELSE progress END,
       result_json = ?, error = ? WHERE id = ?`,
  ).run(
    status,
    now(),
    status,
    outcome.result === undefined ? null : JSON.stringify(outcome.result),
    outcome.error ?? null,
    id,
  );
}

/**
 * Jobs left queued or running by a process that died are shown as interrupted (and may be resumed); returns their
 * ids. Only the holder of a freshly taken writer lock calls this (store/project.ts): then no other process may be
 * running a job of this project (a live one would still hold the lock) and none of this process's runs yet, so every
 * queued or running row belongs to a dead process. A second process opening the project never gets here.
 */
export function markOrphanedJobsInterrupted(db: Database.Database): number[] {
  return (
    db
      .prepare("UPDATE jobs SET status = 'interrupted', eta_seconds = NULL WHERE status IN ('queued', 'running') RETURNING id")
      .all() as { id: number }[]
  )
    .map((r) => r.id)
    .sort((a, b) => a - b);
}
