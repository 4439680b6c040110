/**
 * Inference results: one row per (model, image) with score, map file, verdict; listed with review decisions.
 * A score that is not a finite number is stored as NULL with the verdict 'error' (core/bands.ts decides verdicts).
 */
import type Database from 'better-sqlite3';
import type { Split } from '../core/domain.js';
import { type Bands, type Verdict, verdictOf } from '../core/bands.js';
import { writeTransaction } from './write-transaction.js';

export type { Verdict } from '../core/bands.js';

export interface ResultInput {
  readonly imageId: number;
  /** As the model gave it; NaN or ±Infinity is stored as NULL (and its verdict must be 'error'). */
  readonly score: number;
  readonly mapPath: string | null;
  readonly verdict: Verdict | null;
  readonly executionProvider: string;
}

/** Writes a batch atomically; a rerun of the same model on the same image replaces the earlier row. */
export function upsertResults(db: Database.Database, modelId: number, rows: readonly ResultInput[]): void {
  const stmt = db.prepare(
    `INSERT INTO results (image_id, model_id, score, map_path, verdict, execution_provider, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (model_id, image_id) DO UPDATE SET score = excluded.score, map_path = excluded.map_path,
       verdict = excluded.verdict, execution_provider = excluded.execution_provider, created_at = excluded.created_at`,
  );
  const t = new Date().toISOString();
  writeTransaction(db, () => {
    for (const r of rows) {
      const finite = Number.isFinite(r.score);
      // Whatever the caller computed, a row without a finite score is an error, never a pass.
      const verdict = finite ? r.verdict : 'error';
      stmt.run(r.imageId, modelId, finite ? r.score : null, r.mapPath, verdict, r.executionProvider, t);
    }
  });
}

export interface ResultRow {
  readonly id: number;
  readonly imageId: number;
  readonly modelId: number;
  /** null when the model gave no finite score (verdict 'error'). */
  readonly score: number | null;
  readonly mapPath: string | null;
  readonly verdict: Verdict | null;
  readonly executionProvider: string | null;
  readonly createdAt: string;
  readonly imagePath: string;
  /** The part's name (images.original_path; the stored path for a row written without one). */
  readonly originalPath: string;
  readonly label: string;
  readonly split: string;
  readonly thumbnailPath: string | null;
  readonly review: string | null;
  /** Whether the image has a defect mask (a labelled train defect is a training defect only with one). */
  readonly hasMask: boolean;
}

export interface ResultQuery {
  readonly modelId: number;
  readonly datasetId?: number;
  readonly split?: Split;
  readonly verdict?: Verdict;
  readonly sort?: 'score_desc' | 'score_asc' | 'image';
  readonly offset?: number;
  readonly limit?: number;
}

/** Results without a score (verdict 'error') come first either way: they are the ones nobody could judge. */
const ORDER: Record<NonNullable<ResultQuery['sort']>, string> = {
  score_desc: 'r.score IS NOT NULL, r.score DESC, r.id',
  score_asc: 'r.score ASC, r.id',
  image: 'r.image_id',
};

export function listResults(db: Database.Database, q: ResultQuery): { total: number; items: ResultRow[] } {
  const where = `r.model_id = @modelId AND (@datasetId IS NULL OR i.dataset_id = @datasetId) AND (@split IS NULL OR i.split = @split)
     AND (@verdict IS NULL OR r.verdict = @verdict)`;
  const params = { modelId: q.modelId, datasetId: q.datasetId ?? null, split: q.split ?? null, verdict: q.verdict ?? null };
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM results r JOIN images i ON i.id = r.image_id WHERE ${where}`).get(params) as { n: number }).n;
  const items = db
    .prepare(
      `SELECT r.id, r.image_id AS imageId, r.model_id AS modelId, r.score, r.map_path AS mapPath, r.verdict,
              r.execution_provider AS executionProvider, r.created_at AS createdAt, i.path AS imagePath, COALESCE(i.original_path, i.path) AS originalPath, i.label, i.split,
              i.thumbnail_path AS thumbnailPath, v.decision AS review,
              EXISTS (SELECT 1 FROM masks m WHERE m.image_id = i.id AND m.kind = 'defect') AS hasMask
       FROM results r JOIN images i ON i.id = r.image_id LEFT JOIN reviews v ON v.result_id = r.id
       WHERE ${where} ORDER BY ${ORDER[q.sort ?? 'score_desc']} LIMIT @limit OFFSET @offset`,
    )
    .all({ ...params, limit: q.limit ?? 100, offset: q.offset ?? 0 }) as (Omit<ResultRow, 'hasMask'> & { hasMask: number })[];
  return { total, items: items.map((r) => ({ ...r, hasMask: r.hasMask === 1 })) };
}

/**
 * Recomputes verdicts after the thresholds changed (scores stay), with the one rule in core/bands.ts registered as
 * an SQL function rather than restated in SQL.
 */
export function reapplyVerdicts(db: Database.Database, modelId: number, bands: Bands): number {
  db.function('flowspect_verdict', { deterministic: true }, (score: unknown, review: unknown, reject: unknown) =>
    verdictOf(typeof score === 'number' ? score : null, { review: review as number, reject: reject as number }),
  );
  return db.prepare('UPDATE results SET verdict = flowspect_verdict(score, ?, ?) WHERE model_id = ?').run(bands.review, bands.reject, modelId).changes;
}

/** The stored map file (project-relative), model and image of one result; undefined when the result does not exist. */
export function resultMapPath(db: Database.Database, resultId: number): { mapPath: string | null; modelId: number; imageId: number } | undefined {
  return db.prepare('SELECT map_path AS mapPath, model_id AS modelId, image_id AS imageId FROM results WHERE id = ?').get(resultId) as
    | { mapPath: string | null; modelId: number; imageId: number }
    | undefined;
}
