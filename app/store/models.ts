/** Models repository: one row per trained (or training) model, plus the image selections training reads. */
import type Database from 'better-sqlite3';
import type { ImageLabel, Objective, Split } from '../core/domain.js';
import { bandsFromStored } from '../core/bands.js';
import { AppError } from '../core/errors.js';
import { ModelConfig, ModelThresholds, ScoreNorm, ThresholdValidation } from '../core/model-record.js';
import { writeTransaction } from './write-transaction.js';

export type ModelStatus = 'training' | 'ready' | 'failed' | 'cancelled' | 'interrupted';
export type ObjectiveName = Objective;

export interface ModelRecord {
  readonly id: number;
  readonly name: string;
  readonly datasetId: number | null;
  readonly status: ModelStatus;
  readonly objective: ObjectiveName;
  readonly backbone: string;
  readonly config: ModelConfig;
  readonly paramCount: number | null;
  readonly metrics: Record<string, unknown>;
  readonly onnxPath: string | null;
  readonly checkpointPath: string | null;
  /** null until training chose them (or when what is stored cannot give bands: verdicts are then 'error'). */
  readonly thresholds: ModelThresholds | null;
  readonly scoreNorm: ScoreNorm | null;
  readonly trainDataHash: string | null;
  readonly trainingSeconds: number | null;
  readonly executionProvider: string | null;
  readonly jobId: number | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

interface Row {
  id: number;
  name: string;
  dataset_id: number | null;
  status: ModelStatus;
  objective: ObjectiveName;
  backbone: string;
  config_json: string;
  param_count: number | null;
  metrics_json: string;
  onnx_path: string | null;
  checkpoint_path: string | null;
  thresholds_json: string;
  score_norm_json: string;
  train_data_hash: string | null;
  training_seconds: number | null;
  execution_provider: string | null;
  job_id: number | null;
  created_at: string;
  updated_at: string;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * thresholds_json in today's shape. Older shapes ({low, high}, {accept, reject}, {threshold}, nested under `bands`)
 * are converted here, at the read boundary; anything that gives no usable bands reads as null.
 */
export function readStoredThresholds(json: string): ModelThresholds | null {
  const raw = parseJson(json);
  const current = ModelThresholds.safeParse(raw);
  if (current.success) return current.data;
  const bands = bandsFromStored(raw);
  if (!bands) return null;
  const o = raw as Record<string, unknown>;
  const validation = ThresholdValidation.safeParse(o.validation);
  return {
    ...bands,
    method: text(o.method) ?? text(o.source) ?? text(o.how) ?? 'unknown',
    detail: text(o.detail) ?? text(o.description) ?? '',
    ...(validation.success ? { validation: validation.data } : {}),
  };
}

function readStoredScoreNorm(json: string): ScoreNorm | null {
  const r = ScoreNorm.safeParse(parseJson(json));
  return r.success ? r.data : null;
}

function readStoredConfig(json: string): ModelConfig {
  const r = ModelConfig.safeParse(parseJson(json));
  return r.success ? r.data : {};
}

const toModel = (r: Row): ModelRecord => ({
  id: r.id,
  name: r.name,
  datasetId: r.dataset_id,
  status: r.status,
  objective: r.objective,
  backbone: r.backbone,
  config: readStoredConfig(r.config_json),
  paramCount: r.param_count,
  metrics: JSON.parse(r.metrics_json),
  onnxPath: r.onnx_path,
  checkpointPath: r.checkpoint_path,
  thresholds: readStoredThresholds(r.thresholds_json),
  scoreNorm: readStoredScoreNorm(r.score_norm_json),
  trainDataHash: r.train_data_hash,
  trainingSeconds: r.training_seconds,
  executionProvider: r.execution_provider,
  jobId: r.job_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const now = (): string => new Date().toISOString();

export function insertModel(
  db: Database.Database,
  m: { name: string; datasetId: number | null; objective: ObjectiveName; backbone: string; config: unknown; paramCount: number; trainDataHash: string; jobId: number | null },
): ModelRecord {
  const t = now();
  const info = db
    .prepare(
      `INSERT INTO models (name, dataset_id, status, objective, backbone, config_json, param_count, train_data_hash, job_id, created_at, updated_at)
       VALUES (?, ?, 'training', ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(m.name, m.datasetId, m.objective, m.backbone, JSON.stringify(m.config), m.paramCount, m.trainDataHash, m.jobId, t, t);
  return getModel(db, Number(info.lastInsertRowid))!;
}

export function getModel(db: Database.Database, id: number): ModelRecord | undefined {
  const r = db.prepare('SELECT * FROM models WHERE id = ?').get(id) as Row | undefined;
  return r && toModel(r);
}

export function getModelByJob(db: Database.Database, jobId: number): ModelRecord | undefined {
  const r = db.prepare('SELECT * FROM models WHERE job_id = ? ORDER BY id DESC LIMIT 1').get(jobId) as Row | undefined;
  return r && toModel(r);
}

export function listModels(db: Database.Database, filter: { datasetId?: number; status?: ModelStatus } = {}): ModelRecord[] {
  const rows = db
    .prepare(
      `SELECT * FROM models WHERE (@datasetId IS NULL OR dataset_id = @datasetId) AND (@status IS NULL OR status = @status)
       ORDER BY id DESC`,
    )
    .all({ datasetId: filter.datasetId ?? null, status: filter.status ?? null }) as Row[];
  return rows.map(toModel);
}

export interface ModelUpdate {
  status?: ModelStatus;
  metrics?: Record<string, unknown>;
  onnxPath?: string | null;
  checkpointPath?: string | null;
  /** Validated against ModelThresholds before anything is written (a loose record is accepted for the trainer); null clears them. */
  thresholds?: ModelThresholds | Record<string, unknown> | null;
  scoreNorm?: ScoreNorm | Record<string, unknown>;
  trainingSeconds?: number;
  executionProvider?: string;
  name?: string;
}

/** The value parsed by `schema`, or an error naming the thing and every reason (nothing is written then). */
function validated<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new AppError('invalid_request', `${what}: ${r.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ')}`);
}

export function updateModel(db: Database.Database, id: number, u: ModelUpdate): ModelRecord {
  const cols: [string, unknown][] = [];
  if (u.status !== undefined) cols.push(['status', u.status]);
  if (u.metrics !== undefined) cols.push(['metrics_json', JSON.stringify(u.metrics)]);
  if (u.onnxPath !== undefined) cols.push(['onnx_path', u.onnxPath]);
  if (u.checkpointPath !== undefined) cols.push(['checkpoint_path', u.checkpointPath]);
  if (u.thresholds !== undefined) cols.push(['thresholds_json', u.thresholds === null ? '{}' : JSON.stringify(validated(ModelThresholds, u.thresholds, `model ${id}: thresholds`))]);
  if (u.scoreNorm !== undefined) cols.push(['score_norm_json', JSON.stringify(validated(ScoreNorm, u.scoreNorm, `model ${id}: score normalisation`))]);
  if (u.trainingSeconds !== undefined) cols.push(['training_seconds', u.trainingSeconds]);
  if (u.executionProvider !== undefined) cols.push(['execution_provider', u.executionProvider]);
  if (u.name !== undefined) cols.push(['name', u.name]);
  cols.push(['updated_at', now()]);
  writeTransaction(db, () => {
    const info = db.prepare(`UPDATE models SET ${cols.map(([c]) => `${c} = ?`).join(', ')} WHERE id = ?`).run(...cols.map(([, v]) => v), id);
    if (info.changes !== 1) throw new AppError('not_found', `model ${id} does not exist`);
  });
  return getModel(db, id)!;
}

/** Models left in 'training' by a process that is gone become 'interrupted' (resumable from their checkpoint). */
export function markModelInterrupted(db: Database.Database, id: number): void {
  db.prepare("UPDATE models SET status = 'interrupted', updated_at = ? WHERE id = ? AND status = 'training'").run(now(), id);
}

export function deleteModel(db: Database.Database, id: number): boolean {
  return db.prepare('DELETE FROM models WHERE id = ?').run(id).changes === 1;
}

/** One image as training and inference read it. `path` is as stored (relative to the project, or absolute). */
export interface ModelImage {
  readonly id: number;
  readonly datasetId: number;
  readonly path: string;
  readonly sha256: string;
  readonly label: ImageLabel;
  readonly split: Split;
  readonly category: string | null;
  readonly defectType: string | null;
  /** Path of the defect mask PNG, when one is stored. */
  readonly maskPath: string | null;
  /** Pixel size as imported (tiled training counts its tiles from it). */
  readonly width: number;
  readonly height: number;
}

/**
 * Images of a dataset selection: by dataset id, or by category (the dataset's or the image's), or all.
 * Ignored images never come back.
 */
export function selectModelImages(
  db: Database.Database,
  filter: { datasetId?: number; category?: string; split?: Split; label?: 'good' | 'defect' },
): ModelImage[] {
  return db
    .prepare(
      `SELECT i.id, i.dataset_id AS datasetId, i.path, i.sha256, i.label, i.split, COALESCE(i.category, d.category) AS category,
              i.defect_type AS defectType, m.path AS maskPath, i.width, i.height
       FROM images i JOIN datasets d ON d.id = i.dataset_id
       LEFT JOIN masks m ON m.image_id = i.id AND m.kind = 'defect' AND m.format = 'png'
       WHERE i.label != 'ignore'
         AND (@datasetId IS NULL OR i.dataset_id = @datasetId)
         AND (@category IS NULL OR COALESCE(i.category, d.category) = @category)
         AND (@split IS NULL OR i.split = @split)
         AND (@label IS NULL OR i.label = @label)
       ORDER BY i.id`,
    )
    .all({ datasetId: filter.datasetId ?? null, category: filter.category ?? null, split: filter.split ?? null, label: filter.label ?? null }) as ModelImage[];
}

/** A labelled defect of split `train`: a real defect a model learns from (its mask, PNG or polygons, if any). */
export interface TrainingDefect {
  readonly id: number;
  readonly path: string;
  readonly sha256: string;
  readonly width: number;
  readonly height: number;
  readonly defectType: string | null;
  readonly maskPath: string | null;
  readonly maskPolygonsJson: string | null;
  readonly maskUpdatedAt: string | null;
}

/** The training defects of a selection (label 'defect', split 'train'), by id. */
export function selectTrainingDefects(db: Database.Database, filter: { datasetId?: number; category?: string }): TrainingDefect[] {
  return db
    .prepare(
      `SELECT i.id, i.path, i.sha256, i.width, i.height, i.defect_type AS defectType,
              m.path AS maskPath, m.polygons_json AS maskPolygonsJson, m.updated_at AS maskUpdatedAt
       FROM images i JOIN datasets d ON d.id = i.dataset_id
       LEFT JOIN masks m ON m.image_id = i.id AND m.kind = 'defect'
       WHERE i.label = 'defect' AND i.split = 'train'
         AND (@datasetId IS NULL OR i.dataset_id = @datasetId)
         AND (@category IS NULL OR COALESCE(i.category, d.category) = @category)
       ORDER BY i.id`,
    )
    .all({ datasetId: filter.datasetId ?? null, category: filter.category ?? null }) as TrainingDefect[];
}

/** Distinct categories with training images (to ask the user to pick one when there are several). */
export function trainableCategories(db: Database.Database): { category: string | null; datasetId: number; images: number }[] {
  return db
    .prepare(
      `SELECT COALESCE(i.category, d.category) AS category, i.dataset_id AS datasetId, COUNT(*) AS images
       FROM images i JOIN datasets d ON d.id = i.dataset_id
       WHERE i.split = 'train' AND i.label = 'good'
       GROUP BY COALESCE(i.category, d.category), i.dataset_id ORDER BY i.dataset_id`,
    )
    .all() as { category: string | null; datasetId: number; images: number }[];
}
