import type { Migration } from './types.js';

/**
 * Indexes for the curation list at 100k+ images: each supports one filter or sort of `datasets.images` without a
 * full scan or a sort of every matching row (measured in bench/import.ts).
 */
export const datasetIndexes: Migration = {
  version: 2,
  name: 'datasets',
  up(db) {
    db.exec(`
      CREATE INDEX images_dataset_id ON images(dataset_id, id);
      CREATE INDEX images_dataset_path ON images(dataset_id, path);
      CREATE INDEX images_dataset_created ON images(dataset_id, created_at);
      CREATE INDEX images_dataset_defect_type ON images(dataset_id, defect_type);
      CREATE INDEX images_dataset_split_label ON images(dataset_id, split, label);
    `);
  },
};
