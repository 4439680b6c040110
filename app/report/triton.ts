import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { ReportError } from './errors.js';
import type { ModelCard } from './model-card.js';
import { ModelRunner } from '../infer/model-runner.js';
import { type TilingSettings, tilingDescription } from '../model/tiling.js';
import { TILE_BOX_INPUT } from '../model/flow/position.js';
import { describeOnnxBytes, type OnnxDescription, type OnnxTensorInfo } from './onnx-io.js';

/** ONNX element type → Triton data type (model_config.proto). */
const TRITON_TYPES: Record<string, string> = {
  FLOAT: 'TYPE_FP32',
  FLOAT16: 'TYPE_FP16',
  BFLOAT16: 'TYPE_BF16',
  DOUBLE: 'TYPE_FP64',
  UINT8: 'TYPE_UINT8',
  UINT16: 'TYPE_UINT16',
  UINT32: 'TYPE_UINT32',
  UINT64: 'TYPE_UINT64',
  INT8: 'TYPE_INT8',
  INT16: 'TYPE_INT16',
  INT32: 'TYPE_INT32',
  INT64: 'TYPE_INT64',
  BOOL: 'TYPE_BOOL',
  STRING: 'TYPE_STRING',
};

export interface TritonOptions {
  /** Model name in the repository (folder name); letters, digits, `_`, `-`, `.`. */
  readonly name: string;
  /** Largest batch Triton may form; dynamic batching needs a dynamic first dimension on every input and output. */
  readonly maxBatchSize?: number;
  /** How long Triton may hold a request to fill a batch, microseconds. */
  readonly maxQueueDelayMicroseconds?: number;
}

export interface TritonTensorConfig {
  readonly name: string;
  readonly dataType: string;
  readonly dims: readonly number[];
  /** Set when the per-item shape is a scalar: Triton wants dims [1] and a reshape to []. */
  readonly reshape?: readonly number[];
}

export interface TritonConfig {
  readonly name: string;
  readonly backend: 'onnxruntime';
  readonly maxBatchSize: number;
  readonly inputs: readonly TritonTensorConfig[];
  readonly outputs: readonly TritonTensorConfig[];
  readonly dynamicBatching: { preferredBatchSize: number[]; maxQueueDelayMicroseconds: number } | null;
  /** Tiled models: the input is one tile; clients cut parts into tiles and stitch (docs/tiling.md). */
  readonly tiling?: TilingSettings;
}

const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** A Triton-safe model name from a free-form one ("Line 3 / housings" → "Line_3_housings"). */
export function tritonName(raw: string): string {
  const s = raw.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[_.-]+|_+$/g, '').slice(0, 128);
  return s || 'flowspect_model';
}

function tensorConfig(t: OnnxTensorInfo, batched: boolean, where: string): TritonTensorConfig {
  const dataType = TRITON_TYPES[t.elemType];
  if (!dataType) throw new ReportError('invalid_file', `${where} "${t.name}": element type ${t.elemType} has no Triton equivalent`);
  const dims = (batched ? t.shape.slice(1) : t.shape).map((d) => d ?? -1);
  if (batched && dims.length === 0) return { name: t.name, dataType, dims: [1], reshape: [] };
  return { name: t.name, dataType, dims };
}

/** Builds the config from the ONNX file's own inputs and outputs (so it cannot drift from the model). */
export function tritonConfigFor(onnx: OnnxDescription, options: TritonOptions): TritonConfig {
  if (!NAME_RE.test(options.name)) {
    throw new ReportError('invalid_request', `Triton model name "${options.name}" may hold only letters, digits, "_", "-" and "."`);
  }
  const maxBatch = options.maxBatchSize ?? 8;
  if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > 1024) {
    throw new ReportError('invalid_request', `max batch size must be an integer from 1 to 1024 (got ${maxBatch})`);
  }
  const all = [...onnx.inputs, ...onnx.outputs];
  if (onnx.inputs.length === 0 || onnx.outputs.length === 0) throw new ReportError('invalid_file', 'the ONNX model has no inputs or no outputs');
  // Triton batches along the first dimension, so every tensor must have a dynamic one for it to batch at all.
  const batched = all.every((t) => t.shape.length > 0 && t.shape[0] === null);
  const delay = options.maxQueueDelayMicroseconds ?? 2000;
  return {
    name: options.name,
    backend: 'onnxruntime',
    maxBatchSize: batched ? maxBatch : 0,
    inputs: onnx.inputs.map((t) => tensorConfig(t, batched, 'input')),
    outputs: onnx.outputs.map((t) => tensorConfig(t, batched, 'output')),
    dynamicBatching: batched
      ? { preferredBatchSize: [...new Set([Math.min(4, maxBatch), maxBatch])], maxQueueDelayMicroseconds: delay }
      : null,
  };
}

const q = (s: string): string => JSON.stringify(s);

function tensorBlock(t: TritonTensorConfig): string {
  const lines = [`    name: ${q(t.name)}`, `    data_type: ${t.dataType}`, `    dims: [ ${t.dims.join(', ')} ]`];
  if (t.reshape) lines.push(`    reshape: { shape: [ ${t.reshape.join(', ')} ] }`);
  return `  {\n${lines.join('\n')}\n  }`;
}

/** config.pbtxt text (protobuf text format of Triton's ModelConfig). */
export function renderTritonConfig(c: TritonConfig): string {
  const out = [
    `# Written by Flowspect from the ONNX file's inputs and outputs.`,
    `name: ${q(c.name)}`,
    `backend: ${q(c.backend)}`,
    `max_batch_size: ${c.maxBatchSize}`,
    `input [\n${c.inputs.map(tensorBlock).join(',\n')}\n]`,
    `output [\n${c.outputs.map(tensorBlock).join(',\n')}\n]`,
  ];
  if (c.dynamicBatching) {
    out.push(
      `dynamic_batching {\n  preferred_batch_size: [ ${c.dynamicBatching.preferredBatchSize.join(', ')} ]\n  max_queue_delay_microseconds: ${c.dynamicBatching.maxQueueDelayMicroseconds}\n}`,
    );
  }
  if (c.tiling) {
    out.push(`# A tiled model: the input is ONE ${c.tiling.size}-px tile. Cut each part into tiles overlapping by ${c.tiling.overlap} px, score each,\n# take the maximum tile score as the part's score and stitch the maps (docs/tiling.md). Never feed a whole resized part.`);
    if (c.tiling.position) {
      out.push(`# Feed each tile's place in its part as ${TILE_BOX_INPUT} = [x0, y0, x1, y1], fractions of the part's width and height\n# (x1 = (x + size) / width: a tile padded past the part's edge reaches beyond 1).`);
    }
    out.push(`parameters: { key: "flowspect.tiling" value: { string_value: ${q(tilingDescription(c.tiling))} } }`);
  }
  out.push(`version_policy: { latest: { num_versions: 1 } }`);
  return out.join('\n') + '\n';
}

export interface TritonRepository {
  readonly modelDir: string;
  readonly configFile: string;
  readonly modelFile: string;
  readonly config: TritonConfig;
}

/**
 * Writes `<repo>/<name>/config.pbtxt`, `<repo>/<name>/1/model.onnx` and, when given, the model card beside the
 * config (Triton ignores other files; clients read thresholds from it). Everything goes to a temporary folder first
 * and is renamed into place, so an existing model folder is replaced whole or not at all. The model is checked like
 * every load (integrity hash and reference output, ModelRunner.verify) and the bytes checked are the bytes written.
 */
export async function writeTritonRepository(onnxFile: string, repoDir: string, options: TritonOptions, card?: ModelCard): Promise<TritonRepository> {
  const { bytes, metadata } = await ModelRunner.verify(onnxFile);
  const described = tritonConfigFor(describeOnnxBytes(bytes, onnxFile), options);
  const config = metadata.tiling ? { ...described, tiling: metadata.tiling } : described;
  fs.mkdirSync(repoDir, { recursive: true });
  const modelDir = path.join(repoDir, config.name);
  const tmp = path.join(repoDir, `.${config.name}.${process.pid}.tmp`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(path.join(tmp, '1'), { recursive: true });
  try {
    // Each file is fsynced before the folder is renamed into place (a crash never leaves an empty model file).
    writeFileAtomic(path.join(tmp, '1', 'model.onnx'), bytes);
    writeFileAtomic(path.join(tmp, 'config.pbtxt'), renderTritonConfig(config));
    if (card) writeFileAtomic(path.join(tmp, 'model-card.json'), JSON.stringify(card, null, 2) + '\n');
    const old = `${modelDir}.${process.pid}.old`;
    const hadOld = fs.existsSync(modelDir);
    if (hadOld) fs.renameSync(modelDir, old);
    fs.renameSync(tmp, modelDir);
    if (hadOld) fs.rmSync(old, { recursive: true, force: true });
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return { modelDir, configFile: path.join(modelDir, 'config.pbtxt'), modelFile: path.join(modelDir, '1', 'model.onnx'), config };
}
