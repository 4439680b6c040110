import type Database from 'better-sqlite3';
import { AppError } from '../core/errors.js';
import { plural } from '../core/plural.js';
import { updateImages } from './image-edits.js';
import { writeTransaction } from './write-transaction.js';

/** A reviewer's decision on one inference result (one image under one model). */
export type ReviewDecision = 'defect' | 'false_alarm' | 'skip';

export interface Review {
  readonly resultId: number;
  readonly imageId: number;
  readonly modelId: number;
  readonly score: number | null;
  readonly decision: ReviewDecision;
  readonly note: string;
  readonly decidedAt: string;
}

interface ReviewRow {
  result_id: number;
  image_id: number;
  model_id: number;
  score: number | null;
  decision: ReviewDecision;
  note: string;
  decided_at: string;
}

const toReview = (r: ReviewRow): Review => ({
  resultId: r.result_id,
  imageId: r.image_id,
  modelId: r.model_id,
  score: r.score,
  decision: r.decision,
  note: r.note,
  decidedAt: r.decided_at,
});

const SELECT = `SELECT rv.result_id, r.image_id, r.model_id, r.score, rv.decision, rv.note, rv.decided_at
  FROM reviews rv JOIN results r ON r.id = rv.result_id`;

/** Records (or replaces) the decision on a result; the note is kept as given (trimmed). */
export function setReview(db: Database.Database, resultId: number, decision: ReviewDecision, note: string): Review {
  return writeTransaction(db, () => {
    const exists = db.prepare('SELECT 1 FROM results WHERE id = ?').get(resultId);
    if (!exists) throw new AppError('not_found', `result ${resultId} does not exist`);
    db.prepare(
      `INSERT INTO reviews (result_id, decision, note, decided_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(result_id) DO UPDATE SET decision = excluded.decision, note = excluded.note, decided_at = excluded.decided_at`,
    ).run(resultId, decision, note.trim(), new Date().toISOString());
    return toReview(db.prepare(`${SELECT} WHERE rv.result_id = ?`).get(resultId) as ReviewRow);
  });
}

export function clearReview(db: Database.Database, resultId: number): boolean {
  return db.prepare('DELETE FROM reviews WHERE result_id = ?').run(resultId).changes > 0;
}

export function listReviews(db: Database.Database, filter: { modelId?: number; decision?: ReviewDecision }): Review[] {
  const rows = db
    .prepare(
      `${SELECT} WHERE (@model IS NULL OR r.model_id = @model) AND (@decision IS NULL OR rv.decision = @decision)
       ORDER BY r.score DESC, rv.result_id`,
    )
    .all({ model: filter.modelId ?? null, decision: filter.decision ?? null }) as ReviewRow[];
  return rows.map(toReview);
}

export interface RelabelOutcome {
  readonly imageIds: number[];
  /** Images whose label or split actually changed. */
  readonly changed: number;
  /** Images whose defect type and defect mask were cleared (confirmed ground-truth defects). */
  readonly defectsCleared: number;
}

/** A false alarm whose image carries ground truth of a defect: a defect label, a defect type or a defect mask. */
export interface LabelledDefect {
  readonly imageId: number;
  readonly originalPath: string;
  readonly label: string;
  readonly defectType: string | null;
  readonly hasMask: boolean;
}

interface FalseAlarmRow {
  id: number;
  label: string;
  split: string;
  defect_type: string | null;
  original_path: string;
  has_mask: number;
}

const isLabelledDefect = (r: FalseAlarmRow): boolean => r.label === 'defect' || r.defect_type !== null || r.has_mask === 1;

/**
 * "Learning from misses": every image a reviewer marked as a false alarm under `modelId` becomes a good training
 * image (label good, split train). The previous label/split of each changed image is written to the undo log in
 * the same transaction, so the change can be reverted like any bulk edit.
 *
 * A false alarm on an image labelled as a defect (label, defect type or mask) contradicts the ground truth: it is
 * refused (`conflict`, the parts listed in details.defects) unless `confirmDefects` is given, and then those images
 * lose their defect type and mask too (undoable), so no good training image keeps a defect's annotation.
 */
export function addFalseAlarmsToTraining(db: Database.Database, modelId: number, options: { confirmDefects?: boolean } = {}): RelabelOutcome {
  return writeTransaction(db, () => {
    const model = db.prepare('SELECT 1 FROM models WHERE id = ?').get(modelId);
    if (!model) throw new AppError('not_found', `model ${modelId} does not exist`);
    const rows = db
      .prepare(
        `SELECT i.id, i.label, i.split, i.defect_type, COALESCE(i.original_path, i.path) AS original_path,
                EXISTS (SELECT 1 FROM masks m WHERE m.image_id = i.id AND m.kind = 'defect') AS has_mask
         FROM reviews rv JOIN results r ON r.id = rv.result_id JOIN images i ON i.id = r.image_id
         WHERE r.model_id = ? AND rv.decision = 'false_alarm' ORDER BY i.id`,
      )
      .all(modelId) as FalseAlarmRow[];
    const defects = rows.filter(isLabelledDefect);
    if (defects.length && !options.confirmDefects) {
      const names = defects.slice(0, 5).map((d) => d.original_path).join(', ') + (defects.length > 5 ? `, … (${defects.length - 5} more)` : '');
      throw new AppError(
        'conflict',
        `${defects.length} of the ${plural(rows.length, 'false alarm')} ${defects.length === 1 ? 'is labelled as a defect' : 'are labelled as defects'} (${names}); nothing was changed. ` +
          'Adding them as good training images teaches the model that these defects are normal: confirm (confirmDefects) to relabel them and clear their defect type and mask, or review them again.',
        { defects: defects.map((d): LabelledDefect => ({ imageId: d.id, originalPath: d.original_path, label: d.label, defectType: d.defect_type, hasMask: d.has_mask === 1 })) },
      );
    }
    const changed = rows.filter((r) => r.label !== 'good' || r.split !== 'train' || isLabelledDefect(r));
    // One bulk edit, the same as the Dataset view's, so one `datasets.undo` reverts all of it (defects included).
    if (changed.length) {
      updateImages(
        db,
        changed.map((r) => r.id),
        { label: 'good', split: 'train', ...(defects.length ? { clearDefect: true } : {}) },
        `add ${plural(changed.length, 'reviewed false alarm')} to the training set` + (defects.length ? ` (${plural(defects.length, 'labelled defect')}: defect type and mask cleared)` : ''),
      );
    }
    return { imageIds: rows.map((r) => r.id), changed: changed.length, defectsCleared: defects.length };
  });
}
