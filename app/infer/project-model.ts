/**
 * A project's own model file (models/model-<id>.onnx), checked and completed before use. The trainer writes it with
 * its content hash only (app/model/flow/graphs.ts): recording the reference output needs an ONNX Runtime session,
 * so it is added on first use — here, after the hash has shown the file is the one training wrote — and written
 * back, so that from then on every load also checks the reference. A file whose hash does not match is refused
 * (retrain or restore it). A file from before integrity checks (no record at all) is the project's own and is
 * sealed as it is; that trust ends at the project: an exported file without a record is refused (ModelRunner).
 */
import { FileReadError, readBoundedFile } from '../core/bounded-read.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { AppError } from '../core/errors.js';
import { checkContentHash, type IntegrityRecord, sealModel } from '../model/integrity.js';
import type { ModelRecord } from '../store/models.js';
import type { Project } from '../store/project.js';
import type { SessionConfig } from '../runtime/index.js';
import { decodeModelFile, ModelRunner } from './model-runner.js';

export interface ProjectModelBytes {
  /** The sealed file content (hash + reference). */
  readonly bytes: Uint8Array;
  /** True when the reference was computed now (the file had none). */
  readonly sealedNow: boolean;
  readonly label: string;
}

const labelOf = (model: ModelRecord): string => `model ${model.id} (${model.onnxPath})`;

/** Reads the project's file bounded and checks its content hash (a file without a record passes: see above). */
export async function readProjectModelFile(project: Project, model: ModelRecord): Promise<{ bytes: Uint8Array; record: IntegrityRecord | null; label: string }> {
  if (!model.onnxPath) throw new AppError('conflict', `model ${model.id} has no ONNX file (status ${model.status})`);
  const label = labelOf(model);
  const bytes = await readBoundedFile(project.path(model.onnxPath), 'model').catch((err: Error) => {
    throw new AppError('invalid_file', `${label}: its ONNX file cannot be read (${err instanceof FileReadError ? err.reason : err.message})`, { file: model.onnxPath });
  });
  return { bytes, record: checkContentHash(bytes, label), label };
}

/** {@link readProjectModelFile}, sealed in memory if it has no reference output yet. */
export async function readProjectModel(project: Project, model: ModelRecord, config: SessionConfig = {}): Promise<ProjectModelBytes> {
  const { bytes, record, label } = await readProjectModelFile(project, model);
  if (record?.reference) return { bytes, sealedNow: false, label };
  const { metadata } = decodeModelFile(bytes, label);
  return { bytes: await sealModel(bytes, metadata, label, config), sealedNow: true, label };
}

/** Opens the project's model for scoring, sealing the file on first use (written back unless the project is read-only). */
export async function openProjectModel(project: Project, model: ModelRecord, config: SessionConfig = {}): Promise<ModelRunner> {
  const { bytes, sealedNow, label } = await readProjectModel(project, model, config);
  if (sealedNow && !project.readonly) writeFileAtomic(project.path(model.onnxPath!), bytes);
  return ModelRunner.open(bytes, config, label);
}
