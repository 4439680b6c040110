import type Database from 'better-sqlite3';
import { writeTransaction } from './write-transaction.js';

export type MaskKind = 'defect' | 'ignore';

/** A polygon is a closed ring of [x, y] image-pixel coordinates. */
export type Polygon = readonly (readonly [number, number])[];

export interface MaskRow {
  readonly id: number;
  readonly imageId: number;
  readonly kind: MaskKind;
  readonly format: 'png' | 'polygons';
  readonly path: string | null;
  readonly polygons: readonly Polygon[] | null;
  readonly updatedAt: string;
}

interface Row {
  id: number;
  image_id: number;
  kind: MaskKind;
  format: 'png' | 'polygons';
  path: string | null;
  polygons_json: string | null;
  updated_at: string;
}

const toMask = (r: Row): MaskRow => ({
  id: r.id,
  imageId: r.image_id,
  kind: r.kind,
  format: r.format,
  path: r.path,
  polygons: r.polygons_json === null ? null : (JSON.parse(r.polygons_json) as Polygon[]),
  updatedAt: r.updated_at,
});

export function getMasks(db: Database.Database, imageId: number): MaskRow[] {
  return (db.prepare('SELECT * FROM masks WHERE image_id = ? ORDER BY kind').all(imageId) as Row[]).map(toMask);
}

export function getMask(db: Database.Database, imageId: number, kind: MaskKind): MaskRow | undefined {
  const r = db.prepare('SELECT * FROM masks WHERE image_id = ? AND kind = ?').get(imageId, kind) as Row | undefined;
  return r && toMask(r);
}

/**
 * Stores (replacing any previous) mask of one kind for an image, as a PNG file path (project-relative) or as
 * polygons. Returns the previous PNG path so the caller can delete the file after the commit.
 */
export function putMask(
  db: Database.Database,
  imageId: number,
  kind: MaskKind,
  mask: { format: 'png'; path: string } | { format: 'polygons'; polygons: readonly Polygon[] },
): { mask: MaskRow; replacedPath: string | null } {
  return writeTransaction(db, () => {
    const before = getMask(db, imageId, kind);
    db.prepare(
      `INSERT INTO masks (image_id, kind, format, path, polygons_json, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (image_id, kind) DO UPDATE SET format = excluded.format, path = excluded.path,
         polygons_json = excluded.polygons_json, updated_at = excluded.updated_at`,
    ).run(
      imageId,
      kind,
      mask.format,
      mask.format === 'png' ? mask.path : null,
      mask.format === 'polygons' ? JSON.stringify(mask.polygons) : null,
      new Date().toISOString(),
    );
    const replacedPath = before?.path && before.path !== (mask.format === 'png' ? mask.path : null) ? before.path : null;
    return { mask: getMask(db, imageId, kind)!, replacedPath };
  });
}

/** Deletes an image's mask of one kind; returns the deleted row (its PNG file is the caller's to remove). */
export function deleteMask(db: Database.Database, imageId: number, kind: MaskKind): MaskRow | undefined {
  return writeTransaction(db, () => {
    const before = getMask(db, imageId, kind);
    if (before) db.prepare('DELETE FROM masks WHERE id = ?').run(before.id);
    return before;
  });
}
