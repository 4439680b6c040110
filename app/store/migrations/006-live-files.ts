import type { Migration } from './types.js';

/**
 * The live watcher's ledger (`flowspect watch`, the Live view): one row per file it judged, keyed by where the file
 * arrived plus its size and modification time, so a restarted watcher scores only new files and never one twice
 * (the results file alone cannot promise that: it may be elsewhere, rotated or lost). `message` is the line message
 * as sent; `emitted` turns 1 once it is in the results file and handed to the webhook/MQTT outboxes, so a crash
 * between storing a verdict and sending it is made good on the next start. The image and result rows (if the file
 * could be read at all) are written in the same transaction.
 */
export const liveFiles: Migration = {
  version: 6,
  name: 'live-files',
  up(db) {
    db.exec(`
      CREATE TABLE live_files (
        id INTEGER PRIMARY KEY,
        source_path TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ms REAL NOT NULL,
        sha256 TEXT,
        model_id INTEGER REFERENCES models(id) ON DELETE SET NULL,
        dataset_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
        image_id INTEGER REFERENCES images(id) ON DELETE SET NULL,
        verdict TEXT NOT NULL CHECK (verdict IN ('accept','review','reject','error')),
        reason TEXT,
        message TEXT NOT NULL,
        emitted INTEGER NOT NULL DEFAULT 0 CHECK (emitted IN (0, 1)),
        scored_at TEXT NOT NULL,
        UNIQUE (source_path, size, mtime_ms)
      );
      CREATE INDEX live_files_unemitted ON live_files(id) WHERE emitted = 0;
    `);
  },
};
