import type { Migration } from './types.js';

/**
 * A covering index for the curation list's score filter and sort (`datasets.images` with `score` or
 * `sort: 'score'`): counting and paging by score read only the index, never the results table.
 */
export const scoreIndex: Migration = {
  version: 3,
  name: 'score-index',
  up(db) {
    db.exec('CREATE INDEX results_model_score_image ON results(model_id, score, image_id);');
  },
};
