/**
 * Decoding and validating ONNX files that come from users: every failure says which file and why.
 */
import onnxProto from 'onnx-proto';
import { FileReadError, readBoundedFile } from '../../core/bounded-read.js';
import { AppError } from '../../core/errors.js';

export const { onnx } = onnxProto;
export type ModelProto = onnxProto.onnx.ModelProto;

/** A user's ONNX file that cannot become a backbone; API code `invalid_file`. */
export class BackboneFileError extends AppError {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super('invalid_file', `${file}: ${reason}`, { file, reason });
    this.name = 'BackboneFileError';
  }
}

/** A user's ONNX file, read bounded (regular file, at most the backbone limit); refusals are BackboneFileErrors. */
export async function readOnnxFile(file: string): Promise<Uint8Array> {
  try {
    return await readBoundedFile(file, 'backbone');
  } catch (err) {
    if (err instanceof FileReadError) throw new BackboneFileError(file, err.reason);
    throw err;
  }
}

/** Decodes an ONNX model's bytes; rejects non-ONNX, truncated, external-data and graph-less files. */
export function readOnnxModel(file: string, data: Uint8Array): ModelProto {
  if (data.length === 0) throw new BackboneFileError(file, 'the file is empty');
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(data);
  } catch (err) {
    const msg = (err as Error).message;
    const truncated = /index out of range/.test(msg);
    throw new BackboneFileError(file, truncated ? `the ONNX file is truncated (${msg})` : `not an ONNX model (protobuf decoding failed: ${msg})`);
  }
  const graph = model.graph;
  if (!graph || !graph.node || graph.node.length === 0) throw new BackboneFileError(file, 'not an ONNX model (no graph or no nodes)');
  if (!model.irVersion) throw new BackboneFileError(file, 'not an ONNX model (no IR version)');
  for (const init of graph.initializer ?? []) {
    if (init.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
      throw new BackboneFileError(file, `initializer ${init.name} is stored in an external data file; re-export the model with all weights inside the .onnx file`);
    }
  }
  return model;
}

/** Names of graph inputs that are real inputs (older exporters also list initializers as inputs). */
export function realInputs(model: ModelProto): onnxProto.onnx.IValueInfoProto[] {
  const inits = new Set((model.graph!.initializer ?? []).map((t) => t.name));
  return (model.graph!.input ?? []).filter((i) => !inits.has(i.name!));
}

/** Static dims of a value's tensor type; symbolic or missing dims are `null`; no shape at all is `undefined`. */
export function dimsOf(v: onnxProto.onnx.IValueInfoProto): (number | null)[] | undefined {
  const shape = v.type?.tensorType?.shape;
  if (!shape) return undefined;
  return (shape.dim ?? []).map((d) => (d.dimValue != null && Number(d.dimValue) > 0 ? Number(d.dimValue) : null));
}
