/**
 * The live watcher's ledger (table live_files, migration 6): which arrived files were judged, keyed by path + size +
 * modification time, with the line message as sent and whether it has gone out yet. The watcher (app/watch) asks it
 * before tracking a file and writes it in the same transaction as the part's image and result rows.
 */
import type Database from 'better-sqlite3';
import type { Verdict } from '../core/bands.js';
import { writeTransaction } from './write-transaction.js';

/** What identifies one arrival: the same name rewritten (new size or time) is a new part. */
export interface LiveFileKey {
  /** Absolute path where the file arrived. */
  readonly sourcePath: string;
  readonly size: number;
  readonly mtimeMs: number;
}

export interface LiveFileInput extends LiveFileKey {
  readonly sha256: string | null;
  readonly modelId: number;
  readonly datasetId: number | null;
  readonly imageId: number | null;
  readonly verdict: Verdict;
  readonly reason: string | null;
  /** The line message, JSON. */
  readonly message: string;
}

export interface UnemittedLiveFile {
  readonly id: number;
  readonly sourcePath: string;
  readonly message: string;
}

/** True when this arrival was judged already (by this watcher or an earlier run). */
export function isLiveFileScored(db: Database.Database, key: LiveFileKey): boolean {
  return db.prepare('SELECT 1 FROM live_files WHERE source_path = ? AND size = ? AND mtime_ms = ?').get(key.sourcePath, key.size, key.mtimeMs) !== undefined;
}

/**
 * Records a judged arrival; call it inside the transaction that stores the part's image and result. Returns the
 * ledger id, or null when the arrival was recorded before (the caller then drops its copy of the verdict).
 */
export function insertLiveFile(db: Database.Database, f: LiveFileInput): number | null {
  const info = db
    .prepare(
      `INSERT INTO live_files (source_path, size, mtime_ms, sha256, model_id, dataset_id, image_id, verdict, reason, message, emitted, scored_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?) ON CONFLICT (source_path, size, mtime_ms) DO NOTHING`,
    )
    .run(f.sourcePath, f.size, f.mtimeMs, f.sha256, f.modelId, f.datasetId, f.imageId, f.verdict, f.reason, f.message, new Date().toISOString());
  return info.changes === 0 ? null : Number(info.lastInsertRowid);
}

/** Verdicts stored but not yet sent (a crash came between the two), oldest first. */
export function unemittedLiveFiles(db: Database.Database, limit = 1000): UnemittedLiveFile[] {
  return db.prepare('SELECT id, source_path AS sourcePath, message FROM live_files WHERE emitted = 0 ORDER BY id LIMIT ?').all(limit) as UnemittedLiveFile[];
}

/** Marks verdicts as written to the results file and handed to the outboxes. */
export function markLiveFilesEmitted(db: Database.Database, ids: readonly number[]): void {
  const stmt = db.prepare('UPDATE live_files SET emitted = 1 WHERE id = ?');
  writeTransaction(db, () => {
    for (const id of ids) stmt.run(id);
  });
}

/** How many arrivals the ledger holds (status lines, tests). */
export function countLiveFiles(db: Database.Database): number {
  return (db.prepare('SELECT COUNT(*) AS n FROM live_files').get() as { n: number }).n;
}

/** The id of the image with this content in a dataset (a live part that arrived before under another name). */
export function imageIdBySha(db: Database.Database, datasetId: number, sha256: string): number | null {
  const row = db.prepare('SELECT id FROM images WHERE dataset_id = ? AND sha256 = ?').get(datasetId, sha256) as { id: number } | undefined;
  return row?.id ?? null;
}

/** The id of a model's result row for an image (what `results.map` and Review's list know a result by). */
export function resultIdOf(db: Database.Database, modelId: number, imageId: number): number | null {
  const row = db.prepare('SELECT id FROM results WHERE model_id = ? AND image_id = ?').get(modelId, imageId) as { id: number } | undefined;
  return row?.id ?? null;
}
