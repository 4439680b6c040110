import type { Migration } from './types.js';

/**
 * Results that could not be judged: `verdict` may be 'error' and `score` NULL (the model gave no finite score; SQLite
 * cannot hold NaN, and a NOT NULL score made such a batch fail to store). SQLite cannot change a CHECK in place, so
 * the table is rebuilt with the same ids. Dropping the old table would cascade to its reviews, so they are kept
 * aside and put back. A stored ±Infinity score (possible before) becomes NULL with an 'error' verdict: −Infinity
 * would otherwise read as a clear accept.
 */
export const verdictError: Migration = {
  version: 5,
  name: 'verdict-error',
  up(db) {
    db.exec(`
      CREATE TABLE results_next (
        id INTEGER PRIMARY KEY,
        image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        score REAL,
        map_path TEXT,
        verdict TEXT CHECK (verdict IN ('accept','review','reject','error')),
        execution_provider TEXT,
        created_at TEXT NOT NULL,
        UNIQUE (model_id, image_id),
        CHECK (score IS NOT NULL OR verdict IS NULL OR verdict = 'error')
      );
      INSERT INTO results_next (id, image_id, model_id, score, map_path, verdict, execution_provider, created_at)
        SELECT id, image_id, model_id,
               CASE WHEN score IN (9e999, -9e999) THEN NULL ELSE score END,
               map_path,
               CASE WHEN score IN (9e999, -9e999) THEN 'error' ELSE verdict END,
               execution_provider, created_at
        FROM results;
      CREATE TEMP TABLE reviews_kept AS SELECT * FROM reviews;
      DROP TABLE results;
      ALTER TABLE results_next RENAME TO results;
      INSERT INTO reviews SELECT * FROM temp.reviews_kept;
      DROP TABLE temp.reviews_kept;
      CREATE INDEX results_model_score ON results(model_id, score);
      CREATE INDEX results_image ON results(image_id);
      CREATE INDEX results_model_score_image ON results(model_id, score, image_id);
    `);
  },
};
