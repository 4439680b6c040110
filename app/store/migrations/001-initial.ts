import type { Migration } from './types.js';

/**
 * The whole initial schema. Paths are relative to the project folder so a project can be zipped and moved.
 * JSON columns hold documents whose shape is owned by a zod schema in app/api (one source of truth).
 */
export const initial: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE project (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        app_version TEXT NOT NULL,
        settings_json TEXT NOT NULL DEFAULT '{}'
      );

      CREATE TABLE datasets (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        category TEXT,
        source_format TEXT NOT NULL CHECK (source_format IN ('mvtec','btad','visa','folder','demo')),
        source_path TEXT,
        ignore_mask_path TEXT,
        created_at TEXT NOT NULL
      );

      CREATE TABLE images (
        id INTEGER PRIMARY KEY,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        storage TEXT NOT NULL CHECK (storage IN ('copy','reference')),
        sha256 TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        channels INTEGER NOT NULL,
        bit_depth INTEGER NOT NULL,
        format TEXT NOT NULL,
        label TEXT NOT NULL CHECK (label IN ('good','defect','ignore')),
        split TEXT NOT NULL CHECK (split IN ('train','val','test')),
        defect_type TEXT,
        category TEXT,
        note TEXT NOT NULL DEFAULT '',
        phash TEXT,
        thumbnail_path TEXT,
        created_at TEXT NOT NULL,
        UNIQUE (dataset_id, sha256)
      );
      CREATE INDEX images_dataset_label ON images(dataset_id, label, split);
      CREATE INDEX images_dataset_split ON images(dataset_id, split);
      CREATE INDEX images_category ON images(dataset_id, category);
      CREATE INDEX images_phash ON images(phash);

      CREATE TABLE image_tags (
        image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        tag TEXT NOT NULL,
        PRIMARY KEY (image_id, tag)
      ) WITHOUT ROWID;
      CREATE INDEX image_tags_tag ON image_tags(tag, image_id);

      CREATE TABLE masks (
        id INTEGER PRIMARY KEY,
        image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('defect','ignore')),
        format TEXT NOT NULL CHECK (format IN ('png','polygons')),
        path TEXT,
        polygons_json TEXT,
        updated_at TEXT NOT NULL,
        UNIQUE (image_id, kind)
      );

      CREATE TABLE synthesis_presets (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        params_json TEXT NOT NULL,
        builtin INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      CREATE TABLE backbones (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('builtin','imported')),
        sha256 TEXT NOT NULL,
        path TEXT NOT NULL,
        taps_json TEXT NOT NULL,
        input_json TEXT NOT NULL,
        created_at TEXT NOT NULL
      );

      CREATE TABLE models (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        dataset_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
        status TEXT NOT NULL CHECK (status IN ('training','ready','failed','cancelled','interrupted')),
        objective TEXT NOT NULL CHECK (objective IN ('clflow','fastflow')),
        backbone TEXT NOT NULL,
        config_json TEXT NOT NULL,
        param_count INTEGER,
        metrics_json TEXT NOT NULL DEFAULT '{}',
        onnx_path TEXT,
        checkpoint_path TEXT,
        thresholds_json TEXT NOT NULL DEFAULT '{}',
        score_norm_json TEXT NOT NULL DEFAULT '{}',
        train_data_hash TEXT,
        training_seconds REAL,
        execution_provider TEXT,
        job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      CREATE TABLE training_events (
        id INTEGER PRIMARY KEY,
        model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        epoch INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('train','val','nan','checkpoint')),
        data_json TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX training_events_model ON training_events(model_id, step);

      CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued','running','succeeded','failed','cancelled','interrupted')),
        progress REAL NOT NULL DEFAULT 0,
        eta_seconds REAL,
        message TEXT NOT NULL DEFAULT '',
        payload_json TEXT NOT NULL,
        result_json TEXT,
        error TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT
      );
      CREATE INDEX jobs_status ON jobs(status);

      CREATE TABLE results (
        id INTEGER PRIMARY KEY,
        image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        score REAL NOT NULL,
        map_path TEXT,
        verdict TEXT CHECK (verdict IN ('accept','review','reject')),
        execution_provider TEXT,
        created_at TEXT NOT NULL,
        UNIQUE (model_id, image_id)
      );
      CREATE INDEX results_model_score ON results(model_id, score);
      CREATE INDEX results_image ON results(image_id);

      CREATE TABLE reviews (
        id INTEGER PRIMARY KEY,
        result_id INTEGER NOT NULL UNIQUE REFERENCES results(id) ON DELETE CASCADE,
        decision TEXT NOT NULL CHECK (decision IN ('defect','false_alarm','skip')),
        note TEXT NOT NULL DEFAULT '',
        decided_at TEXT NOT NULL
      );

      CREATE TABLE reports (
        id INTEGER PRIMARY KEY,
        model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        dataset_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
        title TEXT NOT NULL,
        bands_json TEXT NOT NULL,
        files_json TEXT NOT NULL,
        created_at TEXT NOT NULL
      );

      CREATE TABLE undo_log (
        id INTEGER PRIMARY KEY,
        description TEXT NOT NULL,
        changes_json TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
    `);
  },
};
