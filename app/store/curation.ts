/**
 * The Curation view's reads: what a list shows of an image, the good images' perceptual hashes, and the good images
 * ranked by a model's scores.
 */
import type Database from 'better-sqlite3';
import type { ImageLabel, Split as ImageSplit } from '../core/domain.js';

export interface ImageSummary {
  readonly id: number;
  readonly originalPath: string;
  readonly thumbnailPath: string | null;
  readonly label: ImageLabel;
  readonly split: ImageSplit;
}

/** What a curation list shows of an image, for many ids at once (unknown ids are left out), in the order given. */
export function imageSummaries(db: Database.Database, ids: readonly number[]): ImageSummary[] {
  const read = db.prepare(
    'SELECT id, COALESCE(original_path, path) AS originalPath, thumbnail_path AS thumbnailPath, label, split FROM images WHERE id = ?',
  );
  return ids.flatMap((id) => {
    const r = read.get(id) as ImageSummary | undefined;
    return r ? [r] : [];
  });
}

/** (id, phash) of a dataset's good images that have a perceptual hash. */
export function goodImagePhashes(db: Database.Database, datasetId: number): { id: number; phash: string }[] {
  return db.prepare("SELECT id, phash FROM images WHERE dataset_id = ? AND label = 'good' AND phash IS NOT NULL ORDER BY id").all(datasetId) as { id: number; phash: string }[];
}

/** How many good images a dataset has. */
export function goodImageCount(db: Database.Database, datasetId: number): number {
  return db.prepare("SELECT COUNT(*) FROM images WHERE dataset_id = ? AND label = 'good'").pluck().get(datasetId) as number;
}

const SCORED_GOODS = `FROM results r JOIN images i ON i.id = r.image_id
  WHERE r.model_id = ? AND i.dataset_id = ? AND i.label = 'good' AND r.score IS NOT NULL`;

/** A dataset's good images scored by a model, highest score first (ties by id), the first `limit`; and how many there are. */
export function goodImagesByScore(db: Database.Database, modelId: number, datasetId: number, limit: number): { total: number; items: { id: number; score: number }[] } {
  const items = db.prepare(`SELECT i.id, r.score ${SCORED_GOODS} ORDER BY r.score DESC, i.id LIMIT ?`).all(modelId, datasetId, limit) as { id: number; score: number }[];
  const total = db.prepare(`SELECT COUNT(*) ${SCORED_GOODS}`).pluck().get(modelId, datasetId) as number;
  return { total, items };
}

/** The newest ready model with scores for some of a dataset's good images, or undefined. */
export function newestModelScoringGoods(db: Database.Database, datasetId: number): { id: number; name: string } | undefined {
  return db
    .prepare(
      `SELECT m.id, m.name FROM models m WHERE m.status = 'ready' AND EXISTS (
         SELECT 1 FROM results r JOIN images i ON i.id = r.image_id
         WHERE r.model_id = m.id AND i.dataset_id = ? AND i.label = 'good' AND r.score IS NOT NULL)
       ORDER BY m.id DESC LIMIT 1`,
    )
    .get(datasetId) as { id: number; name: string } | undefined;
}
