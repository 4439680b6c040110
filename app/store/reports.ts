import type Database from 'better-sqlite3';
import type { ImageLabel, Split } from '../core/domain.js';
import { type Bands, bandsFromStored, type Verdict } from '../core/bands.js';

/**
 * Reports repository: the `reports` table (one row per generated report, its files relative to the project), and
 * the read model a report is built from (results of one model joined with their images, masks and reviews; the
 * dataset's counts and image hashes).
 */

export type ReportFileKind = 'html' | 'pdf' | 'csv' | 'json';

export interface ReportRecord {
  readonly id: number;
  readonly modelId: number;
  readonly datasetId: number | null;
  readonly title: string;
  /** The bands it judged by; null only when a stored row's bands cannot be read. */
  readonly bands: Bands | null;
  /** Project-relative paths of the files written, by kind (pdf absent when no printer was available). */
  readonly files: Partial<Record<ReportFileKind, string>>;
  readonly createdAt: string;
}

interface ReportRow {
  id: number;
  model_id: number;
  dataset_id: number | null;
  title: string;
  bands_json: string;
  files_json: string;
  created_at: string;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function toRecord(row: ReportRow): ReportRecord {
  return {
    id: row.id,
    modelId: row.model_id,
    datasetId: row.dataset_id,
    title: row.title,
    // Reports written before the one vocabulary stored {accept, reject}: converted here, at the read boundary.
    bands: bandsFromStored(parseJson(row.bands_json)) ?? null,
    files: JSON.parse(row.files_json) as ReportRecord['files'],
    createdAt: row.created_at,
  };
}

export function insertReport(
  db: Database.Database,
  report: { modelId: number; datasetId: number | null; title: string; bands: Bands; files: ReportRecord['files'] },
): number {
  const info = db
    .prepare(
      'INSERT INTO reports (model_id, dataset_id, title, bands_json, files_json, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    )
    .run(
      report.modelId,
      report.datasetId,
      report.title,
      JSON.stringify(report.bands),
      JSON.stringify(report.files),
      new Date().toISOString(),
    );
  return Number(info.lastInsertRowid);
}

export function updateReportFiles(db: Database.Database, id: number, files: ReportRecord['files']): void {
  db.prepare('UPDATE reports SET files_json = ? WHERE id = ?').run(JSON.stringify(files), id);
}

export function getReport(db: Database.Database, id: number): ReportRecord | undefined {
  const row = db.prepare('SELECT * FROM reports WHERE id = ?').get(id) as ReportRow | undefined;
  return row && toRecord(row);
}

export function listReports(db: Database.Database, filter: { modelId?: number; limit?: number } = {}): ReportRecord[] {
  const rows = db
    .prepare('SELECT * FROM reports WHERE (@model IS NULL OR model_id = @model) ORDER BY id DESC LIMIT @limit')
    .all({ model: filter.modelId ?? null, limit: filter.limit ?? 100 }) as ReportRow[];
  return rows.map(toRecord);
}

export interface DatasetSummary {
  readonly id: number;
  readonly name: string;
  readonly category: string | null;
  readonly sourceFormat: string;
  /** Image counts by label and split (label 'ignore' counted apart). */
  readonly counts: { total: number; good: number; defect: number; ignore: number; train: number; val: number; test: number };
  /** sha256 of every image's sha256, sorted, one per line: the same set of files gives the same hash. */
  readonly imageHashes: string[];
}

export function readDatasetSummary(db: Database.Database, datasetId: number): DatasetSummary | undefined {
  const ds = db.prepare('SELECT id, name, category, source_format FROM datasets WHERE id = ?').get(datasetId) as
    | { id: number; name: string; category: string | null; source_format: string }
    | undefined;
  if (!ds) return undefined;
  const c = db
    .prepare(
      `SELECT COUNT(*) AS total,
        SUM(label = 'good') AS good, SUM(label = 'defect') AS defect, SUM(label = 'ignore') AS ignore,
        SUM(split = 'train') AS train, SUM(split = 'val') AS val, SUM(split = 'test') AS test
       FROM images WHERE dataset_id = ?`,
    )
    .get(datasetId) as Record<string, number | null>;
  const n = (k: string): number => Number(c[k] ?? 0);
  const imageHashes = db.prepare('SELECT sha256 FROM images WHERE dataset_id = ? ORDER BY sha256').pluck().all(datasetId) as string[];
  return {
    id: ds.id,
    name: ds.name,
    category: ds.category,
    sourceFormat: ds.source_format,
    counts: { total: n('total'), good: n('good'), defect: n('defect'), ignore: n('ignore'), train: n('train'), val: n('val'), test: n('test') },
    imageHashes,
  };
}

/** One per-image result as a report shows and exports it. */
export interface ReportResultRow {
  readonly resultId: number;
  readonly imageId: number;
  readonly datasetId: number;
  readonly imagePath: string;
  /** The part's name: its path relative to the imported folder (what reports show; imagePath is the storage key). */
  readonly originalPath: string;
  readonly imageStorage: 'copy' | 'reference';
  readonly width: number;
  readonly height: number;
  readonly label: ImageLabel;
  readonly split: Split;
  readonly defectType: string | null;
  /** null when the model gave no finite score (stored verdict 'error'). */
  readonly score: number | null;
  readonly mapPath: string | null;
  readonly storedVerdict: Verdict | null;
  readonly executionProvider: string | null;
  /** The image's defect mask: a PNG (maskPath) or polygons in image pixels (maskPolygonsJson). */
  readonly maskPath: string | null;
  readonly maskPolygonsJson: string | null;
  readonly reviewDecision: 'defect' | 'false_alarm' | 'skip' | null;
  readonly reviewNote: string | null;
  readonly reviewedAt: string | null;
}

/** Every result of a model (optionally on one dataset): unjudged ones (no score) first, then highest score first; ties by image id. */
export function readResultsForReport(
  db: Database.Database,
  modelId: number,
  datasetId: number | null,
): ReportResultRow[] {
  return db
    .prepare(
      `SELECT r.id AS resultId, i.id AS imageId, i.dataset_id AS datasetId, i.path AS imagePath, COALESCE(i.original_path, i.path) AS originalPath,
         i.storage AS imageStorage, i.width, i.height, i.label, i.split, i.defect_type AS defectType,
         r.score, r.map_path AS mapPath, r.verdict AS storedVerdict, r.execution_provider AS executionProvider,
         m.path AS maskPath, m.polygons_json AS maskPolygonsJson, v.decision AS reviewDecision, v.note AS reviewNote, v.decided_at AS reviewedAt
       FROM results r
       JOIN images i ON i.id = r.image_id
       LEFT JOIN masks m ON m.image_id = i.id AND m.kind = 'defect'
       LEFT JOIN reviews v ON v.result_id = r.id
       WHERE r.model_id = @model AND (@dataset IS NULL OR i.dataset_id = @dataset)
       ORDER BY r.score IS NOT NULL, r.score DESC, i.id ASC`,
    )
    .all({ model: modelId, dataset: datasetId }) as ReportResultRow[];
}

/** Whether a model has any stored result (a report needs at least one). */
export function modelHasResults(db: Database.Database, modelId: number): boolean {
  return db.prepare('SELECT EXISTS (SELECT 1 FROM results WHERE model_id = ?)').pluck().get(modelId) === 1;
}
