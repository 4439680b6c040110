import { getDataset } from '../store/datasets.js';
import { getModel } from '../store/models.js';
import type { Project } from '../store/project.js';
import { ReportError } from './errors.js';
import { modelCardFromRecord, modelCardPathFor, withOnnx, writeModelCard, type ModelCard } from './model-card.js';
import { tritonName, writeTritonRepository, type TritonRepository } from './triton.js';

export interface CompanionOptions {
  /** Also write an NVIDIA Triton model repository into this folder. */
  readonly tritonDir?: string;
  /** Model folder name inside the Triton repository (default: the model's name made safe). */
  readonly tritonName?: string;
  readonly maxBatchSize?: number;
}

export interface Companions {
  readonly card: ModelCard;
  readonly cardFile: string;
  readonly triton?: TritonRepository;
}

/**
 * What `flowspect export` writes beside the ONNX file: the model card JSON (model facts from the project plus the
 * exported file's hash, inputs, outputs and metadata_props) and, when asked, a Triton model repository (which checks
 * the model's integrity like every load).
 */
export async function writeExportCompanions(project: Project, modelId: number, onnxFile: string, options: CompanionOptions = {}): Promise<Companions> {
  const model = getModel(project.db, modelId);
  if (!model) throw new ReportError('not_found', `model ${modelId} does not exist`);
  const dataset = model.datasetId === null ? undefined : getDataset(project.db, model.datasetId);
  const card = await withOnnx(modelCardFromRecord(model, dataset ? { id: dataset.id, name: dataset.name } : null), onnxFile);
  const cardFile = writeModelCard(card, modelCardPathFor(onnxFile));
  if (!options.tritonDir) return { card, cardFile };
  const triton = await writeTritonRepository(
    onnxFile,
    options.tritonDir,
    { name: options.tritonName ?? tritonName(model.name), maxBatchSize: options.maxBatchSize },
    card,
  );
  return { card, cardFile, triton };
}
