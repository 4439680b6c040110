import type Database from 'better-sqlite3';
import { AppError } from '../core/errors.js';
import { writeTransaction } from './write-transaction.js';

export type DatasetSourceFormat = 'mvtec' | 'btad' | 'visa' | 'folder' | 'demo';

export interface DatasetRow {
  readonly id: number;
  readonly name: string;
  readonly category: string | null;
  readonly sourceFormat: DatasetSourceFormat;
  readonly sourcePath: string | null;
  readonly ignoreMaskPath: string | null;
  readonly createdAt: string;
}

export interface DatasetSummary extends DatasetRow {
  readonly counts: { readonly images: number; readonly good: number; readonly defect: number; readonly ignore: number; readonly train: number; readonly val: number; readonly test: number; readonly masks: number };
}

interface Row {
  id: number;
  name: string;
  category: string | null;
  source_format: DatasetSourceFormat;
  source_path: string | null;
  ignore_mask_path: string | null;
  created_at: string;
}

const toDataset = (r: Row): DatasetRow => ({
  id: r.id,
  name: r.name,
  category: r.category,
  sourceFormat: r.source_format,
  sourcePath: r.source_path,
  ignoreMaskPath: r.ignore_mask_path,
  createdAt: r.created_at,
});

/** The dataset with this name, created if missing (re-imports land in the same dataset). */
export function ensureDataset(
  db: Database.Database,
  spec: { name: string; category: string | null; sourceFormat: DatasetSourceFormat; sourcePath: string | null },
): DatasetRow {
  return writeTransaction(db, () => {
    const found = db.prepare('SELECT * FROM datasets WHERE name = ?').get(spec.name) as Row | undefined;
    if (found) return toDataset(found);
    const info = db
      .prepare('INSERT INTO datasets (name, category, source_format, source_path, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(spec.name, spec.category, spec.sourceFormat, spec.sourcePath, new Date().toISOString());
    return toDataset(db.prepare('SELECT * FROM datasets WHERE id = ?').get(info.lastInsertRowid) as Row);
  });
}

export function getDataset(db: Database.Database, id: number): DatasetRow | undefined {
  const r = db.prepare('SELECT * FROM datasets WHERE id = ?').get(id) as Row | undefined;
  return r && toDataset(r);
}

export function getDatasetByName(db: Database.Database, name: string): DatasetRow | undefined {
  const r = db.prepare('SELECT * FROM datasets WHERE name = ?').get(name) as Row | undefined;
  return r && toDataset(r);
}

/** Every dataset with its image counts by label and split, in one grouped query. */
export function listDatasets(db: Database.Database): DatasetSummary[] {
  const rows = db.prepare('SELECT * FROM datasets ORDER BY name').all() as Row[];
  const counts = db
    .prepare(
      `SELECT dataset_id AS id, COUNT(*) AS images,
         SUM(label = 'good') AS good, SUM(label = 'defect') AS defect, SUM(label = 'ignore') AS ignore,
         SUM(split = 'train') AS train, SUM(split = 'val') AS val, SUM(split = 'test') AS test,
         SUM(EXISTS (SELECT 1 FROM masks m WHERE m.image_id = images.id AND m.kind = 'defect')) AS masks
       FROM images GROUP BY dataset_id`,
    )
    .all() as ({ id: number } & DatasetSummary['counts'])[];
  const byId = new Map(counts.map((c) => [c.id, c]));
  const zero = { images: 0, good: 0, defect: 0, ignore: 0, train: 0, val: 0, test: 0, masks: 0 };
  return rows.map((r) => {
    const c = byId.get(r.id);
    return { ...toDataset(r), counts: c ? { images: c.images, good: c.good, defect: c.defect, ignore: c.ignore, train: c.train, val: c.val, test: c.test, masks: c.masks } : zero };
  });
}

/** The distinct sizes of a dataset's images, most common first, each with the lowest id of an image that has it. */
export function datasetImageSizes(db: Database.Database, id: number): { width: number; height: number; imageId: number }[] {
  return db
    .prepare('SELECT width, height, MIN(id) AS imageId FROM images WHERE dataset_id = ? GROUP BY width, height ORDER BY COUNT(*) DESC, MIN(id)')
    .all(id) as { width: number; height: number; imageId: number }[];
}

/** Sets (or clears, with null) the dataset's ignore-region mask file; returns the previous path. */
export function setDatasetIgnoreMask(db: Database.Database, id: number, path: string | null): string | null {
  return writeTransaction(db, () => {
    const before = db.prepare('SELECT ignore_mask_path AS p FROM datasets WHERE id = ?').get(id) as { p: string | null } | undefined;
    if (!before) throw new AppError('not_found', `dataset ${id} does not exist`);
    db.prepare('UPDATE datasets SET ignore_mask_path = ? WHERE id = ?').run(path, id);
    return before.p;
  });
}
