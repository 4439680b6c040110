/**
 * Export of a trained model as one ONNX file (the reports helper builds model cards and Triton folders on top of
 * `exportModel`). The file is the project's model — its content hash checked first — with its metadata_props
 * refreshed from SQLite (thresholds may have been changed since training), sealed again (new content hash and
 * reference output, app/model/integrity.ts) and written atomically. `precision: 'int8'` writes the quantized model
 * instead, checked against the float one first (app/infer/int8/export.ts).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../core/errors.js';
import { PRECISIONS, type Precision } from '../core/domain.js';
import { getModel, type ModelRecord } from '../store/models.js';
import type { Project } from '../store/project.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { type ModelMetadata, withMetadata } from '../model/metadata.js';
import { sealModel } from '../model/integrity.js';
import { decodeModelFile } from './model-runner.js';
import { readProjectModelFile } from './project-model.js';
import { type Int8Options, int8ModelBytes } from './int8/export.js';

export interface ExportedModel {
  readonly modelId: number;
  /** Absolute path of the written file. */
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly metadata: ModelMetadata;
}

/** The model's sealed ONNX bytes with metadata matching the database (thresholds, score normalisation). */
export async function modelOnnxBytes(project: Project, modelId: number): Promise<{ model: ModelRecord; bytes: Uint8Array; metadata: ModelMetadata }> {
  const model = getModel(project.db, modelId);
  if (!model) throw new AppError('not_found', `model ${modelId} does not exist`);
  if (model.status !== 'ready' || !model.onnxPath) throw new AppError('conflict', `model ${modelId} is ${model.status}; only a ready model can be exported`);
  const { bytes, label } = await readProjectModelFile(project, model);
  const stored = decodeModelFile(bytes, label).metadata;
  const t = model.thresholds as ModelMetadata['thresholds'];
  const metadata: ModelMetadata = {
    ...stored,
    modelId: model.id,
    name: model.name,
    thresholds: { ...stored.thresholds, ...t },
    scoreNorm: { ...stored.scoreNorm, ...(model.scoreNorm as Partial<ModelMetadata['scoreNorm']>) },
  };
  return { model, bytes: await sealModel(withMetadata(bytes, metadata), metadata, label), metadata };
}

export interface ExportOptions extends Int8Options {
  /** 'fp32' (default) or 'int8' (app/infer/int8/export.ts: checked against fp32 before it is written). */
  readonly precision?: Precision;
  /** Runs once the file's bytes are ready, just before they are written (nothing runs when the export fails before). */
  readonly beforeWrite?: () => void;
}

export async function exportModel(project: Project, modelId: number, outFile: string, o: ExportOptions = {}): Promise<ExportedModel> {
  if (!outFile.toLowerCase().endsWith('.onnx')) throw new AppError('invalid_request', `--out must name a .onnx file, got "${outFile}"`);
  const precision = o.precision ?? 'fp32';
  if (!PRECISIONS.includes(precision)) throw new AppError('invalid_request', `precision must be one of ${PRECISIONS.join(', ')}, got "${String(precision)}"`);
  const out = path.resolve(outFile);
  if (!fs.existsSync(path.dirname(out))) throw new AppError('invalid_request', `output folder ${path.dirname(out)} does not exist`);
  const fp32 = await modelOnnxBytes(project, modelId);
  const { bytes, metadata } = precision === 'int8' ? await int8ModelBytes(project, fp32.model, fp32.bytes, fp32.metadata, o) : fp32;
  o.beforeWrite?.();
  writeFileAtomic(out, bytes);
  return { modelId, path: out, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), metadata };
}
