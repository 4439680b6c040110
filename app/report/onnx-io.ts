/**
 * What a deployment target needs to know about an ONNX file (inputs, outputs, metadata_props, opset), read from its
 * bytes; files are read bounded (app/core/bounded-read.ts).
 */
import onnxProto from 'onnx-proto';
import { FileReadError, readBoundedFile } from '../core/bounded-read.js';
import { decodeOnnx } from '../graph/index.js';
import { ReportError } from './errors.js';

const { onnx } = onnxProto;

/** One graph input or output as a deployment target needs it: name, element type, shape (null = dynamic). */
export interface OnnxTensorInfo {
  readonly name: string;
  /** ONNX element type name, e.g. FLOAT, INT64. */
  readonly elemType: string;
  /** Per dimension: a size, or null for a dynamic one. */
  readonly shape: ReadonlyArray<number | null>;
  /** Symbolic names of dynamic dimensions (e.g. "N"), aligned with `shape`. */
  readonly dimNames: ReadonlyArray<string | null>;
}

export interface OnnxDescription {
  readonly inputs: readonly OnnxTensorInfo[];
  readonly outputs: readonly OnnxTensorInfo[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly opset: number | null;
  readonly producer: string;
}

const elemName = (t: number): string => onnx.TensorProto.DataType[t] ?? `UNKNOWN_${t}`;

function tensorInfo(v: onnxProto.onnx.IValueInfoProto, file: string): OnnxTensorInfo {
  const tt = v.type?.tensorType;
  if (!v.name || !tt) throw new ReportError('invalid_file', `${file}: graph value "${v.name ?? '?'}" is not a tensor`);
  const dims = tt.shape?.dim ?? [];
  return {
    name: v.name,
    elemType: elemName(tt.elemType ?? 0),
    shape: dims.map((d) => (d.dimValue !== undefined && d.dimValue !== null && Number(d.dimValue) > 0 ? Number(d.dimValue) : null)),
    dimNames: dims.map((d) => (d.dimParam ? d.dimParam : null)),
  };
}

/** Reads an ONNX file (bounded) and describes it. */
export async function describeOnnx(file: string): Promise<OnnxDescription> {
  let bytes: Buffer;
  try {
    bytes = await readBoundedFile(file, 'model');
  } catch (err) {
    if (err instanceof FileReadError) throw new ReportError(/ENOENT/.test(err.reason) ? 'not_found' : 'invalid_file', `ONNX file ${err.message}`);
    throw err;
  }
  return describeOnnxBytes(bytes, file);
}

/** An ONNX model's real inputs (initializers excluded), outputs and metadata_props; `file` names it in errors. */
export function describeOnnxBytes(bytes: Uint8Array, file: string): OnnxDescription {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = decodeOnnx(bytes, file);
  } catch (err) {
    throw new ReportError('invalid_file', (err as Error).message);
  }
  const graph = model.graph!;
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  const metadata: Record<string, string> = {};
  for (const p of model.metadataProps ?? []) if (p.key) metadata[p.key] = p.value ?? '';
  const opset = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  return {
    inputs: (graph.input ?? []).filter((v) => !initializers.has(v.name ?? '')).map((v) => tensorInfo(v, file)),
    outputs: (graph.output ?? []).map((v) => tensorInfo(v, file)),
    metadata,
    opset: opset?.version !== undefined && opset.version !== null ? Number(opset.version) : null,
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
  };
}
