import crypto from 'node:crypto';
import path from 'node:path';
import { VERDICT_RULE } from '../core/bands.js';
import { type ModelConfig, ModelThresholds, type ScoreNorm } from '../core/model-record.js';
import type { Precision } from '../core/domain.js';
import { type ModelMetadata, readMetadata } from '../model/metadata.js';
import type { ModelRecord } from '../store/models.js';
import { APP_VERSION } from '../core/version.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { readBoundedFile } from '../core/bounded-read.js';
import { describeOnnxBytes, type OnnxTensorInfo } from './onnx-io.js';
import { ReportError } from './errors.js';

/**
 * The model card: what an engineer receiving a model (or a report) needs to trust and deploy it. Written as JSON
 * beside every exported ONNX file and shown in every report.
 */
export interface ModelCard {
  readonly format: 'flowspect.model-card/1';
  readonly id: number;
  readonly name: string;
  readonly status: string;
  readonly objective: string;
  readonly backbone: string;
  /** Trainable parameters (the flows and their LayerNorms; the frozen backbone is not counted). */
  readonly parameters: number | null;
  readonly trainingSettings: ModelConfig;
  readonly trainingSeconds: number | null;
  readonly executionProvider: string | null;
  readonly trainDataHash: string | null;
  readonly dataset: { readonly id: number; readonly name: string } | null;
  /** null when the model has no usable thresholds (every verdict is then 'error'). */
  readonly thresholds: ModelThresholds | null;
  /** How a score becomes a verdict with these thresholds, for deployments that do not run Flowspect's scorer. */
  readonly verdictRule?: string;
  readonly scoreNormalisation: ScoreNorm | null;
  /** Exported cards: the file's precision ('int8' files carry their own, lowered thresholds: those are shown above). */
  readonly precision?: Precision;
  readonly metrics: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
  readonly appVersion: string;
  /** Present on exported cards: the file it describes, as a deployment needs it. */
  readonly onnx?: {
    readonly file: string;
    readonly sha256: string;
    readonly bytes: number;
    readonly opset: number | null;
    readonly inputs: readonly OnnxTensorInfo[];
    readonly outputs: readonly OnnxTensorInfo[];
    /** The file's metadata_props, verbatim (thresholds, normalisation, input size live there too). */
    readonly metadata: Readonly<Record<string, string>>;
  };
}

export function modelCardFromRecord(m: ModelRecord, dataset: { id: number; name: string } | null): ModelCard {
  return {
    format: 'flowspect.model-card/1',
    id: m.id,
    name: m.name,
    status: m.status,
    objective: m.objective,
    backbone: m.backbone,
    parameters: m.paramCount,
    trainingSettings: m.config,
    trainingSeconds: m.trainingSeconds,
    executionProvider: m.executionProvider,
    trainDataHash: m.trainDataHash,
    dataset,
    thresholds: m.thresholds,
    scoreNormalisation: m.scoreNorm,
    verdictRule: VERDICT_RULE,
    metrics: m.metrics,
    createdAt: m.createdAt,
    appVersion: APP_VERSION,
  };
}

/**
 * Adds the exported file's facts (hash, inputs, outputs, metadata_props) to a card; the file is read bounded. The
 * thresholds and normalisation shown are the file's own: the ones a deployment applies (an int8 file's are lowered).
 */
export async function withOnnx(card: ModelCard, onnxFile: string): Promise<ModelCard> {
  const bytes = await readBoundedFile(onnxFile, 'model');
  const d = describeOnnxBytes(bytes, onnxFile);
  // A deployment reads the thresholds from the card: a Flowspect file's own, or no card. (A file without Flowspect
  // metadata, an ONNX model from elsewhere, is described with the record's.)
  const file = d.metadata.flowspect === undefined ? null : fileMetadata(d.metadata, onnxFile);
  const fileThresholds = file && ModelThresholds.safeParse(file.thresholds);
  if (file && !fileThresholds?.success) throw unreadable(onnxFile, fileThresholds?.error.issues.map((i) => i.message).join('; ') ?? '');
  return {
    ...card,
    ...(file && fileThresholds?.success ? { thresholds: fileThresholds.data, scoreNormalisation: { ...file.scoreNorm }, precision: file.precision ?? 'fp32' } : {}),
    onnx: {
      file: path.basename(onnxFile),
      sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
      bytes: bytes.length,
      opset: d.opset,
      inputs: d.inputs,
      outputs: d.outputs,
      metadata: d.metadata,
    },
  };
}

const unreadable = (file: string, reason: string) =>
  new ReportError('invalid_file', `${file}: its Flowspect metadata (thresholds) cannot be read, so no model card can describe it (${reason}); export the model again`);

/** The Flowspect metadata of a file's metadata_props, read as every model reader reads it (app/model/metadata.ts). */
function fileMetadata(props: Readonly<Record<string, string>>, file: string): ModelMetadata {
  try {
    return readMetadata({ metadataProps: Object.entries(props).map(([key, value]) => ({ key, value })) }, file);
  } catch (err) {
    throw unreadable(file, (err as Error).message);
  }
}

/** `model.onnx` → `model.card.json`, beside it. */
export function modelCardPathFor(onnxFile: string): string {
  const dir = path.dirname(onnxFile);
  const stem = path.basename(onnxFile).replace(/\.onnx$/i, '');
  return path.join(dir, `${stem}.card.json`);
}

/** Writes the card atomically (temp file + rename) so a crash never leaves half a card beside a model. */
export function writeModelCard(card: ModelCard, file: string): string {
  writeFileAtomic(file, JSON.stringify(card, null, 2) + '\n');
  return file;
}
