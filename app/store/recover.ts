/**
 * What a crashed writer left behind, put right by the next writer when it takes the project lock: jobs left queued
 * or running and models left training become interrupted (resumable), in one transaction. Why only then: see
 * markOrphanedJobsInterrupted.
 */
import type Database from 'better-sqlite3';
import { markOrphanedJobsInterrupted } from './jobs.js';
import { markModelInterrupted } from './models.js';
import { writeTransaction } from './write-transaction.js';

export interface Recovered {
  /** Jobs marked interrupted. */
  readonly jobs: readonly number[];
  /** Models marked interrupted. */
  readonly models: readonly number[];
}

export const NOTHING_RECOVERED: Recovered = Object.freeze({ jobs: [], models: [] });

/**
 * Every model still 'training' becomes 'interrupted'; returns their ids. Like markOrphanedJobsInterrupted, only for
 * the holder of a freshly taken writer lock: no live process can be training then (a CLI `train` killed with
 * SIGKILL never got to say it stopped).
 */
function markOrphanedModelsInterrupted(db: Database.Database): number[] {
  const ids = db.prepare("SELECT id FROM models WHERE status = 'training' ORDER BY id").pluck().all() as number[];
  for (const id of ids) markModelInterrupted(db, id);
  return ids;
}

export function recoverAbandonedWork(db: Database.Database): Recovered {
  return writeTransaction(db, () => ({ jobs: markOrphanedJobsInterrupted(db), models: markOrphanedModelsInterrupted(db) }));
}

/** One line per recovered thing, for the log or stderr. */
export function describeRecovered(r: Recovered): string[] {
  return [
    ...r.jobs.map((id) => `job ${id} was left unfinished by a process that is gone: marked interrupted`),
    ...r.models.map((id) => `model ${id} was left training by a process that is gone (killed?): marked interrupted; resume it to continue from its last checkpoint`),
  ];
}
