/**
 * Edits to many images at once (label, split, note, tags, clearing a defect's ground truth), each recorded in
 * undo_log so the whole change can be undone.
 */
import type Database from 'better-sqlite3';
import { AppError } from '../core/errors.js';
import type { ImageLabel, Split as ImageSplit } from '../core/domain.js';
import { imageTags } from './images.js';
import { writeTransaction } from './write-transaction.js';

export interface ImageChange {
  readonly label?: ImageLabel;
  readonly split?: ImageSplit;
  readonly note?: string;
  readonly addTags?: readonly string[];
  readonly removeTags?: readonly string[];
  /**
   * Forget the ground truth of a defect: the defect type and the defect mask (an image that becomes a good part
   * must not keep them). The mask's file stays in the project so an undo can restore the row.
   */
  readonly clearDefect?: boolean;
}

/** A defect mask row as stored, kept in the undo log when a change clears it. */
interface StoredDefectMask {
  format: string;
  path: string | null;
  polygons_json: string | null;
  updated_at: string;
}

interface UndoEntry {
  readonly kind: 'images.update';
  readonly before: {
    id: number;
    label: ImageLabel;
    split: ImageSplit;
    note: string;
    tags?: string[];
    /** Present when the change cleared the defect: what to put back. */
    defect?: { type: string | null; mask: StoredDefectMask | null };
  }[];
}

/** Clears an image's defect type and defect mask; returns what was there (for the undo log). */
function clearDefectOf(db: Database.Database, id: number): { type: string | null; mask: StoredDefectMask | null } {
  const type = (db.prepare('SELECT defect_type FROM images WHERE id = ?').pluck().get(id) as string | null | undefined) ?? null;
  const mask = (db.prepare("SELECT format, path, polygons_json, updated_at FROM masks WHERE image_id = ? AND kind = 'defect'").get(id) as StoredDefectMask | undefined) ?? null;
  db.prepare('UPDATE images SET defect_type = NULL WHERE id = ?').run(id);
  db.prepare("DELETE FROM masks WHERE image_id = ? AND kind = 'defect'").run(id);
  return { type, mask };
}

/** Puts back a defect type and mask that a change cleared. */
function restoreDefectOf(db: Database.Database, id: number, defect: NonNullable<UndoEntry['before'][number]['defect']>): void {
  db.prepare('UPDATE images SET defect_type = ? WHERE id = ?').run(defect.type, id);
  if (!defect.mask) return;
  const m = defect.mask;
  db.prepare(
    `INSERT INTO masks (image_id, kind, format, path, polygons_json, updated_at) VALUES (?, 'defect', ?, ?, ?, ?)
     ON CONFLICT (image_id, kind) DO UPDATE SET format = excluded.format, path = excluded.path, polygons_json = excluded.polygons_json, updated_at = excluded.updated_at`,
  ).run(id, m.format, m.path, m.polygons_json, m.updated_at);
}

/**
 * Applies one change to many images in one transaction and records their previous state in undo_log, so the
 * change can be undone as a whole. Unknown ids are refused (nothing is changed).
 */
export function updateImages(db: Database.Database, ids: readonly number[], change: ImageChange, description: string): { updated: number; undoId: number } {
  return writeTransaction(db, () => {
    const read = db.prepare('SELECT id, label, split, note FROM images WHERE id = ?');
    const touchesTags = (change.addTags?.length ?? 0) + (change.removeTags?.length ?? 0) > 0;
    const before: UndoEntry['before'] = [];
    for (const id of ids) {
      const r = read.get(id) as { id: number; label: ImageLabel; split: ImageSplit; note: string } | undefined;
      if (!r) throw new AppError('not_found', `image ${id} does not exist`);
      before.push(touchesTags ? { ...r, tags: imageTags(db, id) } : r);
    }
    const sets: string[] = [];
    const values: unknown[] = [];
    if (change.label !== undefined) {
      sets.push('label = ?');
      values.push(change.label);
    }
    if (change.split !== undefined) {
      sets.push('split = ?');
      values.push(change.split);
    }
    if (change.note !== undefined) {
      sets.push('note = ?');
      values.push(change.note);
    }
    const update = sets.length > 0 ? db.prepare(`UPDATE images SET ${sets.join(', ')} WHERE id = ?`) : null;
    const addTag = db.prepare('INSERT OR IGNORE INTO image_tags (image_id, tag) VALUES (?, ?)');
    const removeTag = db.prepare('DELETE FROM image_tags WHERE image_id = ? AND tag = ?');
    ids.forEach((id, k) => {
      update?.run(...values, id);
      for (const t of change.addTags ?? []) addTag.run(id, t);
      for (const t of change.removeTags ?? []) removeTag.run(id, t);
      if (change.clearDefect) before[k] = { ...before[k]!, defect: clearDefectOf(db, id) };
    });
    const entry: UndoEntry = { kind: 'images.update', before };
    const info = db
      .prepare('INSERT INTO undo_log (description, changes_json, created_at) VALUES (?, ?, ?)')
      .run(description, JSON.stringify(entry), new Date().toISOString());
    return { updated: ids.length, undoId: Number(info.lastInsertRowid) };
  });
}

/** Restores the images changed by the most recent recorded change and forgets it; null when there is nothing. */
export function undoLastImageChange(db: Database.Database): { description: string; restored: number } | null {
  return writeTransaction(db, () => {
    const last = db
      .prepare("SELECT id, description, changes_json FROM undo_log WHERE json_extract(changes_json, '$.kind') = 'images.update' ORDER BY id DESC LIMIT 1")
      .get() as { id: number; description: string; changes_json: string } | undefined;
    if (!last) return null;
    const entry = JSON.parse(last.changes_json) as UndoEntry;
    const restore = db.prepare('UPDATE images SET label = ?, split = ?, note = ? WHERE id = ?');
    const clearTags = db.prepare('DELETE FROM image_tags WHERE image_id = ?');
    const addTag = db.prepare('INSERT OR IGNORE INTO image_tags (image_id, tag) VALUES (?, ?)');
    let restored = 0;
    for (const b of entry.before) {
      // An image deleted since the change has nothing to restore.
      if (restore.run(b.label, b.split, b.note, b.id).changes === 0) continue;
      restored++;
      if (b.tags) {
        clearTags.run(b.id);
        for (const t of b.tags) addTag.run(b.id, t);
      }
      if (b.defect) restoreDefectOf(db, b.id, b.defect);
    }
    db.prepare('DELETE FROM undo_log WHERE id = ?').run(last.id);
    return { description: last.description, restored };
  });
}
