/**
 * The Export view's package — what `flowspect export --triton` writes — in one output folder: `<name>.onnx`
 * (app/infer/export.ts: the sealed model with its thresholds), `<name>.card.json` beside it and a Triton model
 * repository under `triton/` (app/report/export-companions.ts). The folder must be absolute and new (its parents
 * are made), empty, or hold only an earlier export of these files (which is replaced); anything else is refused
 * before writing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../core/errors.js';
import type { Precision } from '../core/domain.js';
import { makeFolders, missingFolders } from '../core/make-folders.js';
import { exportModel } from '../infer/export.js';
import { writeExportCompanions } from '../report/export-companions.js';
import { tritonName } from '../report/triton.js';
import { getModel } from '../store/models.js';
import type { Project } from '../store/project.js';

export interface ExportPackageOptions {
  readonly outDir: string;
  /** Also write the Triton model repository (default true). */
  readonly triton?: boolean;
  readonly maxBatchSize?: number;
  /** 'int8': the quantized model, checked against the float one first (app/infer/int8/export.ts). */
  readonly precision?: Precision;
  readonly signal?: AbortSignal;
  readonly progress?: (fraction: number, message: string) => void;
}

export interface ExportedPackage {
  readonly modelId: number;
  readonly dir: string;
  readonly onnx: { readonly path: string; readonly bytes: number; readonly sha256: string; readonly precision: Precision };
  readonly card: string;
  readonly triton: { readonly dir: string; readonly config: string; readonly maxBatchSize: number } | null;
  /** Every file written, absolute. */
  readonly files: string[];
}

/** The names a package of `stem` writes into its folder. */
const packageEntries = (stem: string): string[] => [`${stem}.onnx`, `${stem}.card.json`, 'triton'];

/**
 * Checks the output folder of `modelId`'s package before anything is written; returns the resolved folder and the
 * file stem. Refuses a relative path, a file in the way, and a folder holding anything but an earlier package of
 * the same model name.
 */
export function checkExportFolder(project: Project, modelId: number, outDir: string): { dir: string; stem: string } {
  const model = getModel(project.db, modelId);
  if (!model) throw new AppError('not_found', `model ${modelId} does not exist`);
  if (model.status !== 'ready' || !model.onnxPath) throw new AppError('conflict', `model ${modelId} is ${model.status}; only a ready model can be exported`);
  if (!path.isAbsolute(outDir)) throw new AppError('invalid_request', `export folder "${outDir}" is a relative path: give an absolute path`);
  const dir = path.resolve(outDir);
  const stem = tritonName(model.name);
  // A file in the way (the folder or above it) is refused here; missing folders are made when writing.
  const missing = missingFolders(dir, 'the export folder');
  if (missing.length === 0) {
    const allowed = new Set(packageEntries(stem));
    const other = fs.readdirSync(dir).filter((e) => !allowed.has(e));
    if (other.length) {
      throw new AppError('invalid_request', `cannot export into ${dir}: it holds other files (${other.slice(0, 3).join(', ')}${other.length > 3 ? ', …' : ''}); choose a new or empty folder`);
    }
  }
  return { dir, stem };
}

function removeEarlierCompanions(dir: string, stem: string): void {
  for (const entry of packageEntries(stem).filter((e) => e !== `${stem}.onnx`)) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
}

/** Writes the package; progress runs through the three parts. */
export async function exportPackage(project: Project, modelId: number, options: ExportPackageOptions): Promise<ExportedPackage> {
  const { dir, stem } = checkExportFolder(project, modelId, options.outDir);
  const step = (fraction: number, message: string): void => {
    if (options.signal?.aborted) throw new AppError('cancelled', 'export cancelled');
    options.progress?.(fraction, message);
  };
  const int8 = options.precision === 'int8';
  step(0.05, `checking model ${modelId} and writing ${stem}.onnx${int8 ? ' (int8)' : ''}`);
  makeFolders(dir, missingFolders(dir, 'the export folder'), 'the export folder');
  // An int8 export calibrates and checks first (most of the job): its progress fills the first half. Its ONNX file is
  // written last of all that step, atomically, over an earlier export's.
  const onnxFile = path.join(dir, `${stem}.onnx`);
  const onnx = await exportModel(project, modelId, onnxFile, {
    precision: options.precision,
    signal: options.signal,
    progress: (f, m) => step(0.05 + 0.45 * f, m),
    // An earlier export's card and Triton copy describe the old file (its thresholds, perhaps fp32 ones): they go as
    // the new file is about to be written, so a job that stops after it never leaves them beside it.
    beforeWrite: () => removeEarlierCompanions(dir, stem),
  });
  const triton = options.triton ?? true;
  step(triton ? 0.5 : 0.8, triton ? 'writing the model card and the Triton repository (checks the model again)' : 'writing the model card');
  const c = await writeExportCompanions(project, modelId, onnx.path, {
    ...(triton ? { tritonDir: path.join(dir, 'triton'), tritonName: stem } : {}),
    maxBatchSize: options.maxBatchSize,
  });
  step(1, `exported to ${dir}`);
  const t = c.triton ? { dir: c.triton.modelDir, config: c.triton.configFile, maxBatchSize: c.triton.config.maxBatchSize } : null;
  return {
    modelId,
    dir,
    onnx: { path: onnx.path, bytes: onnx.bytes, sha256: onnx.sha256, precision: onnx.metadata.precision ?? 'fp32' },
    card: c.cardFile,
    triton: t,
    files: [onnx.path, c.cardFile, ...(c.triton ? [c.triton.configFile, c.triton.modelFile] : [])],
  };
}
