/**
 * Turns a user's ONNX file into a Flowspect backbone: normalisation prefix (so the input is RGB [0, 255] like every
 * backbone), tap proposal or validation, cut to what the taps need, dry run. Pure: returns the new file's bytes;
 * storing it is the repository's job (app/store/backbones.ts).
 */
import { createHash } from 'node:crypto';
import onnxProto from 'onnx-proto';
import type ort from 'onnxruntime-node';
import { createSession, float32Tensor } from '../../runtime/index.js';
import { type TensorShape, cutTensors, proposeTaps } from './taps.js';
import { BACKBONE_INPUT_NAME, type BackboneTap } from '../../core/backbone.js';
import { AppError } from '../../core/errors.js';
import { BackboneFileError, type ModelProto, dimsOf, onnx, readOnnxFile, readOnnxModel, realInputs } from './onnx-file.js';

type INode = onnxProto.onnx.INodeProto;

/** How the original network expects its input (what torchvision and most zoos use is `imagenet`). */
export type InputNormalization = 'imagenet' | 'unit' | 'minus1to1' | 'none';

export interface ImportOptions {
  /** Tensor names to tap, shallow to deep; default: auto-detected stage outputs at `strides`. */
  readonly taps?: readonly string[];
  readonly strides?: readonly number[];
  readonly normalization?: InputNormalization;
  readonly channelOrder?: 'rgb' | 'bgr';
  /** Square size of the dry run (the training size). */
  readonly dryRunSize?: number;
  readonly signal?: AbortSignal;
}

export interface PreparedBackbone {
  readonly bytes: Uint8Array;
  readonly sha256: string;
  readonly taps: readonly BackboneTap[];
  readonly multipleOf: number;
  /** True when the taps were proposed automatically. */
  readonly autoTaps: boolean;
  /** Nodes kept / nodes in the original file. */
  readonly nodesKept: number;
  readonly nodesTotal: number;
}

const NORMALIZATION: Record<InputNormalization, { mean: number[]; std: number[] }> = {
  imagenet: { mean: [0.485 * 255, 0.456 * 255, 0.406 * 255], std: [0.229 * 255, 0.224 * 255, 0.225 * 255] },
  unit: { mean: [0, 0, 0], std: [255, 255, 255] },
  minus1to1: { mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5] },
  none: { mean: [0, 0, 0], std: [1, 1, 1] },
};

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const PREFIX = 'flowspect_';

function floatInit(name: string, values: number[], dims: number[]): onnxProto.onnx.ITensorProto {
  return { name, dims, dataType: FLOAT, rawData: new Uint8Array(Float32Array.from(values).buffer) };
}

function symbolicFloat(name: string, dims: (number | string)[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

/** Checks the single image input and returns its name. */
function checkInput(file: string, model: ModelProto): string {
  const inputs = realInputs(model);
  if (inputs.length !== 1) throw new BackboneFileError(file, `a backbone needs exactly one image input, this model has ${inputs.length} (${inputs.map((i) => i.name).join(', ')})`);
  const input = inputs[0];
  if (input.type?.tensorType?.elemType !== FLOAT) throw new BackboneFileError(file, `input ${input.name} must be float32`);
  const dims = dimsOf(input);
  if (dims && dims.length !== 4) throw new BackboneFileError(file, `input ${input.name} has rank ${dims.length}; expected an image batch (N, 3, H, W)`);
  if (dims && dims[1] !== 3 && dims[3] === 3) {
    throw new BackboneFileError(file, `input ${input.name} is channels-last (N, H, W, 3); Flowspect needs channels-first (N, 3, H, W) — re-export in NCHW`);
  }
  if (dims && dims[1] !== null && dims[1] !== 3) throw new BackboneFileError(file, `input ${input.name} has ${dims[1]} channels; expected 3 (RGB)`);
  return input.name!;
}

/** Rewrites the graph in place: new input `image` → (channel flip) → normalisation → the original input. */
function addInputPrefix(model: ModelProto, originalInput: string, norm: InputNormalization, order: 'rgb' | 'bgr'): void {
  const g = model.graph!;
  let inner = originalInput;
  if (originalInput === BACKBONE_INPUT_NAME) {
    // Free the name `image` for the new input.
    inner = `${PREFIX}original_image`;
    for (const n of g.node!) n.input = (n.input ?? []).map((i) => (i === originalInput ? inner : i));
  }
  const { mean, std } = NORMALIZATION[norm];
  const nodes: INode[] = [];
  const inits: onnxProto.onnx.ITensorProto[] = [];
  let x = BACKBONE_INPUT_NAME;
  if (order === 'bgr') {
    inits.push({ name: `${PREFIX}bgr_index`, dims: [3], dataType: onnx.TensorProto.DataType.INT64, int64Data: [2, 1, 0] });
    nodes.push({ opType: 'Gather', name: `${PREFIX}to_bgr`, input: [x, `${PREFIX}bgr_index`], output: [`${PREFIX}bgr`], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] });
    x = `${PREFIX}bgr`;
  }
  inits.push(floatInit(`${PREFIX}mean`, mean, [1, 3, 1, 1]), floatInit(`${PREFIX}std`, std, [1, 3, 1, 1]));
  nodes.push({ opType: 'Sub', name: `${PREFIX}sub_mean`, input: [x, `${PREFIX}mean`], output: [`${PREFIX}centered`] });
  nodes.push({ opType: 'Div', name: `${PREFIX}div_std`, input: [`${PREFIX}centered`, `${PREFIX}std`], output: [inner] });
  g.node = [...nodes, ...g.node!];
  g.initializer = [...inits, ...(g.initializer ?? [])];
  g.input = [symbolicFloat(BACKBONE_INPUT_NAME, ['N', 3, 'H', 'W'])];
  g.valueInfo = []; // stale static shapes would contradict other input sizes
}

/** Runs `model` with every node output exposed; returns the 4-D float shapes. */
async function discoverShapes(file: string, model: ModelProto, size: readonly [number, number]): Promise<Map<string, TensorShape>> {
  const probe = onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
  const names = probe.graph!.node!.flatMap((n) => (n.output ?? []).filter(Boolean));
  probe.graph!.output = names.map((name) => ({ name }));
  const outputs = await dryRun(file, onnx.ModelProto.encode(probe).finish(), size);
  const shapes = new Map<string, TensorShape>();
  for (const [name, t] of Object.entries(outputs)) {
    if (t.type === 'float32' && t.dims.length === 4) shapes.set(name, { name, dims: t.dims.map(Number) as unknown as TensorShape['dims'] });
  }
  return shapes;
}

async function dryRun(file: string, bytes: Uint8Array, size: readonly [number, number], batch = 1): Promise<Record<string, ort.Tensor>> {
  let session: Awaited<ReturnType<typeof createSession>>;
  try {
    session = await createSession(bytes, { provider: 'cpu', intraOpThreads: 1 });
  } catch (err) {
    throw new BackboneFileError(file, `ONNX Runtime cannot load the model: ${(err as Error).message}`);
  }
  const [h, w] = size;
  try {
    return await session.run({ [BACKBONE_INPUT_NAME]: float32Tensor(new Float32Array(batch * 3 * h * w).fill(127), [batch, 3, h, w]) });
  } catch (err) {
    throw new BackboneFileError(
      file,
      `the model does not run on a ${batch}×3×${h}×${w} batch (a shape fixed at export that cannot be made dynamic, e.g. a Reshape to a fixed size, or an unsupported op): ${(err as Error).message}`,
    );
  } finally {
    await session.release();
  }
}

/** Keeps only the nodes the taps need; the taps become the graph outputs. */
function cutToTaps(model: ModelProto, taps: readonly BackboneTap[]): void {
  const g = model.graph!;
  const producer = new Map<string, INode>();
  for (const n of g.node!) for (const o of n.output ?? []) if (o) producer.set(o, n);
  const keep = new Set<INode>();
  const stack = taps.map((t) => t.name);
  while (stack.length) {
    const n = producer.get(stack.pop()!);
    if (!n || keep.has(n)) continue;
    keep.add(n);
    for (const i of n.input ?? []) if (i) stack.push(i);
  }
  g.node = g.node!.filter((n) => keep.has(n));
  const used = new Set(g.node.flatMap((n) => n.input ?? []));
  g.initializer = (g.initializer ?? []).filter((t) => used.has(t.name!));
  g.output = taps.map((t) => symbolicFloat(t.name, ['N', t.channels, `H/${t.stride}`, `W/${t.stride}`]));
}

/** Ops whose semantics did not change from opset 7 to 17 for the attributes real exporters use. */
const OPSET_SAFE = new Set(['Conv', 'Relu', 'Add', 'Sub', 'Mul', 'Div', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'BatchNormalization', 'Concat', 'Sigmoid', 'Identity', 'LeakyRelu', 'Gather']);
const OPSET_MIN = 13;
const OPSET_MAX = 17;

/**
 * The graph compiler splices opsets 13–17. An older cut graph made only of ops that did not change is re-stamped
 * as opset 17 (dropping BatchNormalization's legacy `spatial` / `consumed_inputs` attributes).
 */
function normalizeOpset(file: string, model: ModelProto): void {
  const def = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  const version = Number(def?.version ?? 0);
  if (version >= OPSET_MIN && version <= OPSET_MAX) return;
  if (version > OPSET_MAX) throw new BackboneFileError(file, `opset ${version} is newer than supported (${OPSET_MIN}–${OPSET_MAX}); re-export with opset 17`);
  const unsafe = [...new Set(model.graph!.node!.map((n) => n.opType!).filter((op) => !OPSET_SAFE.has(op)))];
  if (unsafe.length) throw new BackboneFileError(file, `opset ${version} is older than supported (${OPSET_MIN}–${OPSET_MAX}) and ops ${unsafe.join(', ')} changed since; re-export with opset 17`);
  for (const n of model.graph!.node!) n.attribute = (n.attribute ?? []).filter((a) => a.name !== 'spatial' && a.name !== 'consumed_inputs');
  model.opsetImport = [{ domain: '', version: OPSET_MAX }, ...(model.opsetImport ?? []).filter((o) => o.domain && o.domain !== 'ai.onnx')];
  if (Number(model.irVersion) < 7) model.irVersion = 7;
}

/** The model's own (H, W) when its input states both; our dry-run size otherwise. */
function nativeSize(model: ModelProto, original: string, fallback: number): [number, number] {
  const input = realInputs(model).find((i) => i.name === original);
  const dims = input && dimsOf(input);
  return dims && dims[2] && dims[3] ? [dims[2], dims[3]] : [fallback, fallback];
}

export async function prepareImportedBackbone(file: string, options: ImportOptions = {}, bytes?: Uint8Array): Promise<PreparedBackbone> {
  const strides = options.strides ?? [4, 8, 16];
  const size = options.dryRunSize ?? 256;
  const maxStride = Math.max(...strides);
  if (!Number.isInteger(size) || size < maxStride || size % maxStride !== 0) throw new AppError('invalid_request', `backbone import: dry-run size ${size} must be a positive multiple of ${maxStride}`);
  const model = readOnnxModel(file, bytes ?? (await readOnnxFile(file)));
  const nodesTotal = model.graph!.node!.length;
  const original = checkInput(file, model);
  // Shapes are discovered at the size the model was exported for (a head may need it), then the cut graph is
  // dry-run at the training size.
  const native = nativeSize(model, original, size);
  addInputPrefix(model, original, options.normalization ?? 'imagenet', options.channelOrder ?? 'rgb');
  options.signal?.throwIfAborted();

  const shapes = await discoverShapes(file, model, native);
  options.signal?.throwIfAborted();
  const autoTaps = !options.taps || options.taps.length === 0;
  let names: string[];
  if (autoTaps) {
    const inits = new Set((model.graph!.initializer ?? []).map((t) => t.name!));
    const cuts = cutTensors(model.graph!.node!, [BACKBONE_INPUT_NAME], inits);
    const proposed = proposeTaps(cuts, shapes, native, strides);
    const missing = strides.filter((_, i) => proposed[i] === null);
    if (missing.length) throw new BackboneFileError(file, `no stage output found at stride ${missing.join(', ')}; name the taps yourself (--taps a,b,c)`);
    names = proposed as string[];
  } else {
    names = [...options.taps!];
    if (new Set(names).size !== names.length) throw new BackboneFileError(file, `taps repeat a name: ${names.join(', ')}`);
  }
  const taps: BackboneTap[] = names.map((name) => {
    const sh = shapes.get(name);
    if (!sh) {
      const known = [...shapes.keys()];
      const hint = known.length ? ` (4-D float tensors include: ${known.slice(-6).join(', ')})` : '';
      throw new BackboneFileError(file, `tap ${name} is not a 4-D float tensor of this graph${hint}`);
    }
    const stride = native[0] / sh.dims[2];
    if (!Number.isInteger(stride) || sh.dims[3] * stride !== native[1]) {
      throw new BackboneFileError(file, `tap ${name} is ${sh.dims[2]}×${sh.dims[3]} for a ${native[0]}×${native[1]} input: not an integer stride`);
    }
    return { name, channels: sh.dims[1], stride };
  });
  const multipleOf = Math.max(...taps.map((t) => t.stride));
  if (size % multipleOf !== 0) throw new BackboneFileError(file, `tap stride ${multipleOf} does not divide the training size ${size}`);

  cutToTaps(model, taps);
  normalizeOpset(file, model);
  model.producerName = `${model.producerName ?? ''} + flowspect backbone import`.trim();
  const out = onnx.ModelProto.encode(model).finish();
  // Batch 2 as well: a batch size fixed at export (a Reshape to N = 1) must fail here, not in training.
  const check = await dryRun(file, out, [size, size], 2);
  for (const t of taps) {
    const v = check[t.name];
    if (!v || v.dims[0] !== 2 || v.dims[1] !== t.channels || Number(v.dims[2]) * t.stride !== size || Number(v.dims[3]) * t.stride !== size) {
      throw new BackboneFileError(file, `tap ${t.name} is (${v?.dims}) for a 2×3×${size}×${size} batch, expected (2, ${t.channels}, ${size / t.stride}, ${size / t.stride})`);
    }
    const data = v.data as Float32Array;
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) throw new BackboneFileError(file, `tap ${t.name} produces non-finite values on a grey image`);
  }
  return {
    bytes: out,
    sha256: createHash('sha256').update(out).digest('hex'),
    taps,
    multipleOf,
    autoTaps,
    nodesKept: model.graph!.node!.length,
    nodesTotal,
  };
}
