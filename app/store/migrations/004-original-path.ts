import { originalPathOf } from '../part-name.js';
import type { Migration } from './types.js';

/**
 * A part's name: `images.original_path`, the file's path relative to the folder it was imported from
 * (`metal/test/scratch/003.png`, always with `/`), which people and reports read; `path` stays the storage key
 * (a sha256 name for copies). Rows imported before this column get what is known of their name: a referenced
 * file's path relative to its dataset's source folder (or its absolute path when it lies elsewhere), else the
 * stored path. New rows always carry it (store/images.ts insertImages).
 */
export const originalPath: Migration = {
  version: 4,
  name: 'original-path',
  up(db) {
    db.exec(`
      ALTER TABLE images ADD COLUMN original_path TEXT;
      CREATE INDEX images_dataset_original_path ON images(dataset_id, original_path);
    `);
    const refs = db
      .prepare(`SELECT i.id, i.path, d.source_path AS source FROM images i JOIN datasets d ON d.id = i.dataset_id WHERE i.storage = 'reference'`)
      .all() as { id: number; path: string; source: string | null }[];
    const set = db.prepare('UPDATE images SET original_path = ? WHERE id = ?');
    for (const r of refs) set.run(originalPathOf(r.source, r.path), r.id);
    db.exec('UPDATE images SET original_path = path WHERE original_path IS NULL');
  },
};
