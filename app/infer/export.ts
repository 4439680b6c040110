/**
 * Export of a trained model as one ONNX file (the reports helper builds model cards and Triton folders on top of
 * `exportModel`). The file is the project's model with its metadata_props refreshed from SQLite (thresholds may
 * have been changed since training), written atomically.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { AppError } from '../core/errors.js';
import { getModel, type ModelRecord } from '../store/models.js';
import type { Project } from '../store/project.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { type ModelMetadata, readMetadata, withMetadata } from '../model/metadata.js';

export interface ExportedModel {
  readonly modelId: number;
  /** Absolute path of the written file. */
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly metadata: ModelMetadata;
}

/** The model's ONNX bytes with metadata matching the database (thresholds, score normalisation). */
export function modelOnnxBytes(project: Project, modelId: number): { model: ModelRecord; bytes: Uint8Array; metadata: ModelMetadata } {
  const model = getModel(project.db, modelId);
  if (!model) throw new AppError('not_found', `model ${modelId} does not exist`);
  if (model.status !== 'ready' || !model.onnxPath) throw new AppError('conflict', `model ${modelId} is ${model.status}; only a ready model can be exported`);
  const file = project.path(model.onnxPath);
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new AppError('not_found', `model ${modelId}: its ONNX file ${model.onnxPath} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const stored = readMetadata(onnxProto.onnx.ModelProto.decode(bytes), model.onnxPath);
  const t = model.thresholds as ModelMetadata['thresholds'];
  const metadata: ModelMetadata = {
    ...stored,
    modelId: model.id,
    name: model.name,
    thresholds: { ...stored.thresholds, ...t },
    scoreNorm: { ...stored.scoreNorm, ...(model.scoreNorm as Partial<ModelMetadata['scoreNorm']>) },
  };
  return { model, bytes: withMetadata(bytes, metadata), metadata };
}

export function exportModel(project: Project, modelId: number, outFile: string): ExportedModel {
  if (!outFile.toLowerCase().endsWith('.onnx')) throw new AppError('invalid_request', `--out must name a .onnx file, got "${outFile}"`);
  const out = path.resolve(outFile);
  if (!fs.existsSync(path.dirname(out))) throw new AppError('invalid_request', `output folder ${path.dirname(out)} does not exist`);
  const { bytes, metadata } = modelOnnxBytes(project, modelId);
  writeFileAtomic(out, bytes);
  return { modelId, path: out, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), metadata };
}
