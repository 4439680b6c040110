import path from 'node:path';
import type Database from 'better-sqlite3';
import { AppError } from '../core/errors.js';
import type { ImageLabel, Split as ImageSplit } from '../core/domain.js';
import type { Project } from './project.js';
import { writeTransaction } from './write-transaction.js';

export type { ImageLabel, Split as ImageSplit } from '../core/domain.js';

export interface ImageRow {
  readonly id: number;
  readonly datasetId: number;
  /** Storage key: the project-relative copy (a sha256 name) or the referenced file's absolute path. */
  readonly path: string;
  /** The part's name: its path relative to the imported folder (`metal/test/scratch/003.png`), what people read. */
  readonly originalPath: string;
  readonly storage: 'copy' | 'reference';
  readonly sha256: string;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly bitDepth: number;
  readonly format: string;
  readonly label: ImageLabel;
  readonly split: ImageSplit;
  readonly defectType: string | null;
  readonly category: string | null;
  readonly note: string;
  readonly phash: string | null;
  readonly thumbnailPath: string | null;
  readonly createdAt: string;
}

/** A page row: the image plus what list views show next to it. */
export interface ImageListItem extends ImageRow {
  readonly tags: string[];
  readonly hasMask: boolean;
  /** Score under the query's model, when the query names one. */
  readonly score: number | null;
}

interface Row {
  id: number;
  dataset_id: number;
  path: string;
  original_path: string | null;
  storage: 'copy' | 'reference';
  sha256: string;
  width: number;
  height: number;
  channels: number;
  bit_depth: number;
  format: string;
  label: ImageLabel;
  split: ImageSplit;
  defect_type: string | null;
  category: string | null;
  note: string;
  phash: string | null;
  thumbnail_path: string | null;
  created_at: string;
}

const toImage = (r: Row): ImageRow => ({
  id: r.id,
  datasetId: r.dataset_id,
  path: r.path,
  // Only a row written by hand outside insertImages lacks the name; its storage path is all that is known.
  originalPath: r.original_path ?? r.path,
  storage: r.storage,
  sha256: r.sha256,
  width: r.width,
  height: r.height,
  channels: r.channels,
  bitDepth: r.bit_depth,
  format: r.format,
  label: r.label,
  split: r.split,
  defectType: r.defect_type,
  category: r.category,
  note: r.note,
  phash: r.phash,
  thumbnailPath: r.thumbnail_path,
  createdAt: r.created_at,
});

/** Absolute path of an image file: copies live in the project, references where they were imported from. */
export function imageFilePath(project: Project, image: Pick<ImageRow, 'path' | 'storage'>): string {
  return image.storage === 'copy' ? project.path(image.path) : path.resolve(image.path);
}

export { originalPathOf } from './part-name.js';

/** What an import inserts: an image row before it has an id, a note or a time, plus its defect mask. */
export type NewImage = Omit<ImageRow, 'id' | 'note' | 'createdAt'> & {
  /** Project-relative PNG of the image's defect mask. */
  readonly maskPath: string | null;
};

/**
 * Inserts a batch of images (and their masks) in one transaction: all or nothing. Rows whose (dataset, sha256)
 * already exist are skipped; returns the ids of the inserted rows in input order (null for skipped ones).
 */
export function insertImages(db: Database.Database, images: readonly NewImage[]): (number | null)[] {
  const insert = db.prepare(
    `INSERT INTO images (dataset_id, path, original_path, storage, sha256, width, height, channels, bit_depth, format, label, split,
       defect_type, category, phash, thumbnail_path, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dataset_id, sha256) DO NOTHING`,
  );
  const mask = db.prepare("INSERT INTO masks (image_id, kind, format, path, updated_at) VALUES (?, 'defect', 'png', ?, ?)");
  return writeTransaction(db, () => {
    const now = new Date().toISOString();
    return images.map((im) => {
      const info = insert.run(im.datasetId, im.path, im.originalPath, im.storage, im.sha256, im.width, im.height, im.channels, im.bitDepth, im.format, im.label, im.split, im.defectType, im.category, im.phash, im.thumbnailPath, now);
      if (info.changes === 0) return null;
      const id = Number(info.lastInsertRowid);
      if (im.maskPath) mask.run(id, im.maskPath, now);
      return id;
    });
  });
}

/** The sha256 of every image already in a dataset (for de-duplication before any file is read twice). */
export function datasetShas(db: Database.Database, datasetId: number): Set<string> {
  return new Set(db.prepare('SELECT sha256 FROM images WHERE dataset_id = ?').pluck().all(datasetId) as string[]);
}

export function getImage(db: Database.Database, id: number): ImageRow | undefined {
  const r = db.prepare('SELECT * FROM images WHERE id = ?').get(id) as Row | undefined;
  return r && toImage(r);
}

export function imageTags(db: Database.Database, id: number): string[] {
  return db.prepare('SELECT tag FROM image_tags WHERE image_id = ? ORDER BY tag').pluck().all(id) as string[];
}

export interface ImageFilter {
  readonly datasetId?: number;
  readonly labels?: readonly ImageLabel[];
  readonly splits?: readonly ImageSplit[];
  readonly category?: string;
  readonly defectType?: string;
  /** Images carrying every one of these tags. */
  readonly tags?: readonly string[];
  readonly hasMask?: boolean;
  /** Substring of the part's name or of its stored path (case-insensitive). */
  readonly search?: string;
  /** Score range under one model's results (inclusive bounds). */
  readonly score?: { readonly modelId: number; readonly min?: number; readonly max?: number };
}

export type ImageSort = 'id' | 'path' | 'label' | 'split' | 'created' | 'score';

export interface ImageQuery extends ImageFilter {
  readonly sort?: ImageSort;
  readonly order?: 'asc' | 'desc';
  readonly offset?: number;
  readonly limit?: number;
  /** Model whose score is returned (and sorted by); defaults to score.modelId. */
  readonly scoreModelId?: number;
}

/** Builds the WHERE clause of a filter; every value is bound. */
function whereOf(f: ImageFilter, params: unknown[]): string {
  const clauses: string[] = [];
  if (f.datasetId !== undefined) {
    clauses.push('i.dataset_id = ?');
    params.push(f.datasetId);
  }
  if (f.labels && f.labels.length > 0) {
    clauses.push(`i.label IN (${f.labels.map(() => '?').join(',')})`);
    params.push(...f.labels);
  }
  if (f.splits && f.splits.length > 0) {
    clauses.push(`i.split IN (${f.splits.map(() => '?').join(',')})`);
    params.push(...f.splits);
  }
  if (f.category !== undefined) {
    clauses.push('i.category = ?');
    params.push(f.category);
  }
  if (f.defectType !== undefined) {
    clauses.push('i.defect_type = ?');
    params.push(f.defectType);
  }
  for (const tag of f.tags ?? []) {
    // IN (subquery) lets SQLite start from the tag index instead of probing every image.
    clauses.push('i.id IN (SELECT t.image_id FROM image_tags t WHERE t.tag = ?)');
    params.push(tag);
  }
  if (f.hasMask !== undefined) {
    clauses.push(`i.id ${f.hasMask ? '' : 'NOT '}IN (SELECT m.image_id FROM masks m WHERE m.kind = 'defect')`);
  }
  if (f.search) {
    const pattern = `%${f.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    clauses.push("(i.original_path LIKE ? ESCAPE '\\' OR i.path LIKE ? ESCAPE '\\')");
    params.push(pattern, pattern);
  }
  if (f.score) {
    if (f.score.min !== undefined) {
      clauses.push('r.score >= ?');
      params.push(f.score.min);
    }
    if (f.score.max !== undefined) {
      clauses.push('r.score <= ?');
      params.push(f.score.max);
    }
  }
  return clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
}

function joinOf(f: ImageFilter, scoreModelId: number | undefined, params: unknown[]): string {
  if (f.score) {
    params.push(f.score.modelId);
    return 'JOIN results r ON r.image_id = i.id AND r.model_id = ?';
  }
  if (scoreModelId !== undefined) {
    params.push(scoreModelId);
    return 'LEFT JOIN results r ON r.image_id = i.id AND r.model_id = ?';
  }
  return '';
}

const SORT_COLUMNS: Record<ImageSort, string> = {
  id: 'i.id',
  // By the part's name (a copy's stored path is a hash, meaningless as an order).
  path: 'i.original_path',
  label: 'i.label',
  split: 'i.split',
  created: 'i.created_at',
  score: 'r.score',
};

/** True when the filter only constrains the score, so counting can read the results index alone. */
const scoreOnly = (f: ImageFilter) =>
  f.score !== undefined && f.datasetId === undefined && !f.labels?.length && !f.splits?.length && f.category === undefined &&
  f.defectType === undefined && !f.tags?.length && f.hasMask === undefined && !f.search;

/**
 * One page of images matching a filter, with the total count; sorted with id as the tie-breaker. The page's ids are
 * found first and only those rows are then read with their tags and mask flag, so the cost does not grow with the
 * number of matching rows (SQLite would otherwise compute every row's extras before sorting).
 */
export function queryImages(db: Database.Database, q: ImageQuery): { total: number; items: ImageListItem[] } {
  const scoreModelId = q.scoreModelId ?? q.score?.modelId;
  const sort = q.sort ?? 'id';
  if (sort === 'score' && scoreModelId === undefined) throw new AppError('invalid_request', 'sorting by score needs a model (scoreModelId)');
  const params: unknown[] = [];
  const join = joinOf(q, scoreModelId, params);
  const where = whereOf(q, params);
  const total = scoreOnly(q)
    ? (db
        .prepare('SELECT COUNT(*) FROM results r WHERE r.model_id = ? AND r.score >= ? AND r.score <= ?')
        .pluck()
        .get(q.score!.modelId, q.score!.min ?? -Infinity, q.score!.max ?? Infinity) as number)
    : ((db.prepare(`SELECT COUNT(*) FROM images i ${join} ${where}`).pluck().get(...params) as number) ?? 0);
  const dir = q.order === 'desc' ? 'DESC' : 'ASC';
  const orderBy = sort === 'id' ? `i.id ${dir}` : `${SORT_COLUMNS[sort]} ${dir}, i.id ${dir}`;
  const page = db
    .prepare(`SELECT i.id AS id, ${scoreModelId !== undefined ? 'r.score' : 'NULL'} AS score FROM images i ${join} ${where} ORDER BY ${orderBy} LIMIT ? OFFSET ?`)
    .all(...params, q.limit ?? 100, q.offset ?? 0) as { id: number; score: number | null }[];
  if (page.length === 0) return { total, items: [] };
  const rows = db
    .prepare(
      `SELECT i.*, EXISTS (SELECT 1 FROM masks m WHERE m.image_id = i.id AND m.kind = 'defect') AS has_mask,
         (SELECT group_concat(tag, char(31)) FROM (SELECT tag FROM image_tags t WHERE t.image_id = i.id ORDER BY tag)) AS tag_list
       FROM images i WHERE i.id IN (${page.map(() => '?').join(',')})`,
    )
    .all(...page.map((p) => p.id)) as (Row & { has_mask: number; tag_list: string | null })[];
  const byId = new Map(rows.map((r) => [r.id, r]));
  return {
    total,
    items: page.map((p) => {
      const r = byId.get(p.id)!;
      return { ...toImage(r), score: p.score, hasMask: r.has_mask === 1, tags: r.tag_list ? r.tag_list.split('\u001f') : [] };
    }),
  };
}

/** Ids of every image matching a filter (for bulk edits of a selection made by filter). */
export function imageIdsMatching(db: Database.Database, f: ImageFilter): number[] {
  const params: unknown[] = [];
  const join = joinOf(f, undefined, params);
  const where = whereOf(f, params);
  return db.prepare(`SELECT i.id FROM images i ${join} ${where} ORDER BY i.id`).pluck().all(...params) as number[];
}

/** (id, phash) of a dataset's images that have a perceptual hash. */
export function datasetPhashes(db: Database.Database, datasetId: number): { id: number; phash: string }[] {
  return db.prepare('SELECT id, phash FROM images WHERE dataset_id = ? AND phash IS NOT NULL ORDER BY id').all(datasetId) as { id: number; phash: string }[];
}
