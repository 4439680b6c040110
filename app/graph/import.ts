/**
 * Splices an existing ONNX model into a Graph as a frozen subgraph (e.g. a pretrained backbone): its nodes and
 * initializers are copied under a name prefix, its inputs are wired to our tensors, and the requested outputs come
 * back as tensors that never receive gradients.
 */
import { readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import { type DType, dtypeFromOnnx } from './dtype.js';
import { GraphError, fmtShape } from './errors.js';
import type { Graph } from './graph.js';
import type { Tensor } from './tensor.js';

const { onnx } = onnxProto;
type ModelProto = onnxProto.onnx.ModelProto;
type IGraphProto = onnxProto.onnx.IGraphProto;
type INodeProto = onnxProto.onnx.INodeProto;
type IValueInfoProto = onnxProto.onnx.IValueInfoProto;

/** Default-domain opsets whose ops mean the same in our opset 17 graph. */
const MIN_OPSET = 13;
const MAX_OPSET = 17;

export interface ImportOptions {
  /** Prefix for every imported name (nodes, tensors, initializers). Must be non-empty; e.g. 'backbone/'. */
  readonly prefix: string;
  /** Model input name → our tensor feeding it (shape and dtype must match; symbolic dims bind to ours). */
  readonly inputs: Readonly<Record<string, Tensor>>;
  /** Model tensors to expose (graph outputs or any intermediate tensor). */
  readonly outputs: readonly string[];
  /** Shapes for outputs whose shape the model does not state (or states symbolically with unbound dims). */
  readonly outputShapes?: Readonly<Record<string, readonly number[]>>;
  /** Shown in errors; defaults to the file path or 'ONNX model'. */
  readonly label?: string;
}

/** Decodes ONNX bytes (or reads a file) with a clear error when it is not a model. */
export function decodeOnnx(source: Uint8Array | string, label?: string): ModelProto {
  const what = label ?? (typeof source === 'string' ? source : 'ONNX model');
  let bytes: Uint8Array;
  try {
    bytes = typeof source === 'string' ? readFileSync(source) : source;
  } catch (err) {
    throw new GraphError('importOnnx', `${what}: cannot read (${(err as Error).message})`);
  }
  if (bytes.length === 0) throw new GraphError('importOnnx', `${what}: file is empty`);
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new GraphError('importOnnx', `${what}: not a valid ONNX model (${(err as Error).message})`);
  }
  if (!model.graph || (model.graph.node ?? []).length === 0) throw new GraphError('importOnnx', `${what}: not a valid ONNX model (no graph nodes)`);
  return model;
}

/** Throws the import's GraphError, naming the model. */
type Fail = (msg: string) => never;

export function importOnnx(g: Graph, source: Uint8Array | string | ModelProto, options: ImportOptions): Record<string, Tensor> {
  const label = options.label ?? (typeof source === 'string' ? source : 'ONNX model');
  const fail: Fail = (msg) => {
    throw new GraphError('importOnnx', `${label}: ${msg}`);
  };
  const model = source instanceof onnx.ModelProto ? source : decodeOnnx(source as Uint8Array | string, label);
  const graph = model.graph as IGraphProto;
  if (!options.prefix) fail('a non-empty prefix is required');
  checkOpsets(g, model, fail);

  const initNames = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  for (const t of graph.initializer ?? []) {
    if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) fail(`initializer "${t.name}" uses external data, which is not supported`);
  }

  const { bindings, wired } = wireInputs(g, graph, initNames, options, label, fail);
  const rename = (name: string): string => (name === '' ? '' : (wired.get(name)?.name ?? options.prefix + name));
  const produced = copyNodes(g, graph, options.prefix, wired, rename);
  for (const t of graph.initializer ?? []) {
    const name = rename(t.name ?? '');
    g.claimName(name, 'importOnnx');
    g.importedInitializers.push(onnx.TensorProto.create({ ...t, name }));
  }
  return exposeOutputs(g, graph, options, { produced, bindings, rename, label, fail });
}

/** The default domain must be compatible with our opset 17; other domains are carried over. */
function checkOpsets(g: Graph, model: ModelProto, fail: Fail): void {
  for (const o of model.opsetImport ?? []) {
    const domain = o.domain ?? '';
    const version = Number(o.version ?? 0);
    if (domain === '' || domain === 'ai.onnx') {
      if (version < MIN_OPSET || version > MAX_OPSET) fail(`opset ${version} is not supported (need ${MIN_OPSET}..${MAX_OPSET}); re-export the model`);
    } else {
      const have = g.extraOpsets.get(domain);
      if (have !== undefined && have !== version) fail(`domain ${domain} opset ${version} conflicts with ${have} already in the graph`);
      g.extraOpsets.set(domain, version);
    }
  }
}

/** Wires model inputs to our tensors (dtype, rank and static dims must match), binding symbolic dims to ours. */
function wireInputs(
  g: Graph,
  graph: IGraphProto,
  initNames: ReadonlySet<string>,
  options: ImportOptions,
  label: string,
  fail: Fail,
): { bindings: Map<string, number>; wired: Map<string, Tensor> } {
  const bindings = new Map<string, number>();
  const wired = new Map<string, Tensor>();
  const modelInputs = (graph.input ?? []).filter((v) => !initNames.has(v.name ?? ''));
  for (const v of modelInputs) {
    const name = v.name ?? '';
    const t = options.inputs[name];
    if (!t) fail(`model input "${name}" is not connected (options.inputs)`);
    g.own('importOnnx', t);
    const { dtype, dims } = typeOf(v, label);
    if (dtype !== t.dtype) fail(`input "${name}" is ${dtype}, tensor "${t.name}" is ${t.dtype}`);
    if (dims.length !== t.rank) fail(`input "${name}" has rank ${dims.length}, tensor "${t.name}" is ${fmtShape(t.shape)}`);
    dims.forEach((d, i) => {
      if (typeof d === 'number' && d > 0 && d !== t.shape[i]) fail(`input "${name}" dim ${i} is ${d}, tensor "${t.name}" is ${fmtShape(t.shape)}`);
      if (typeof d === 'string' && d) {
        const b = bindings.get(d);
        if (b !== undefined && b !== t.shape[i]) fail(`symbolic dim "${d}" bound to both ${b} and ${t.shape[i]}`);
        bindings.set(d, t.shape[i]);
      }
    });
    t.pinned = true;
    wired.set(name, t);
  }
  for (const name of Object.keys(options.inputs)) {
    if (!modelInputs.some((v) => v.name === name)) fail(`"${name}" is not an input of the model (inputs: ${modelInputs.map((v) => v.name).join(', ')})`);
  }
  return { bindings, wired };
}

/**
 * Copies the nodes under the prefix; top-level inputs that are model inputs reference our tensors by object (so
 * renames stay consistent). Returns the model's names of every tensor a node produces.
 */
function copyNodes(g: Graph, graph: IGraphProto, prefix: string, wired: ReadonlyMap<string, Tensor>, rename: (name: string) => string): Set<string> {
  const produced = new Set<string>();
  for (const [i, n] of (graph.node ?? []).entries()) {
    const inputRefs = new Map<number, Tensor>();
    (n.input ?? []).forEach((name, k) => {
      const t = wired.get(name);
      if (t) inputRefs.set(k, t);
    });
    const outputs = (n.output ?? []).map(rename);
    for (const o of outputs) if (o) g.claimName(o, 'importOnnx');
    (n.output ?? []).forEach((o) => produced.add(o));
    const proto = onnx.NodeProto.create({
      ...n,
      name: prefix + (n.name || `${n.opType}_${i}`),
      input: (n.input ?? []).map(rename),
      output: outputs,
      attribute: (n.attribute ?? []).map((a) => renameAttribute(a, rename)),
    });
    g.nodes.push({ kind: 'imported', proto, inputRefs });
  }
  return produced;
}

/** The requested outputs as frozen tensors with static shapes (stated by the model, bound, or given in options). */
function exposeOutputs(
  g: Graph,
  graph: IGraphProto,
  options: ImportOptions,
  ctx: { produced: ReadonlySet<string>; bindings: ReadonlyMap<string, number>; rename: (name: string) => string; label: string; fail: Fail },
): Record<string, Tensor> {
  const { produced, bindings, rename, label, fail } = ctx;
  const infos = new Map<string, IValueInfoProto>();
  for (const v of [...(graph.valueInfo ?? []), ...(graph.output ?? [])]) infos.set(v.name ?? '', v);
  const result: Record<string, Tensor> = {};
  if (options.outputs.length === 0) fail('no outputs requested');
  for (const name of options.outputs) {
    if (!produced.has(name)) fail(`"${name}" is not produced by any node (outputs: ${(graph.output ?? []).map((v) => v.name).join(', ')})`);
    const given = options.outputShapes?.[name];
    const info = infos.get(name);
    let dtype: DType = g.dtype;
    let shape: number[] | undefined;
    if (info) {
      const ty = typeOf(info, label);
      dtype = ty.dtype;
      const dims = ty.dims.map((d) => (typeof d === 'number' && d > 0 ? d : typeof d === 'string' ? bindings.get(d) : undefined));
      if (dims.length > 0 && dims.every((d) => d !== undefined)) shape = dims as number[];
    }
    if (given) {
      if (shape && fmtShape(shape) !== fmtShape(given)) fail(`output "${name}" is ${fmtShape(shape)}, options.outputShapes says ${fmtShape(given)}`);
      shape = [...given];
    }
    if (!shape) fail(`shape of output "${name}" is unknown; pass options.outputShapes["${name}"]`);
    result[name] = g.importedTensor(rename(name), shape!, dtype);
  }
  return result;
}

function typeOf(v: IValueInfoProto, label: string): { dtype: DType; dims: (number | string)[] } {
  const tt = v.type?.tensorType;
  const dtype = tt?.elemType != null ? dtypeFromOnnx(tt.elemType) : undefined;
  if (!tt || !dtype) throw new GraphError('importOnnx', `${label}: "${v.name}" has an unsupported type (elem ${tt?.elemType})`);
  const dims = (tt.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue ?? 0)));
  return { dtype, dims };
}

/** Renames every tensor name inside subgraph attributes (If/Loop bodies) with the same mapping. */
function renameAttribute(a: onnxProto.onnx.IAttributeProto, rename: (n: string) => string): onnxProto.onnx.IAttributeProto {
  if (!a.g && !(a.graphs && a.graphs.length)) return a;
  const renameGraph = (sg: IGraphProto): IGraphProto => ({
    ...sg,
    input: (sg.input ?? []).map((v) => ({ ...v, name: rename(v.name ?? '') })),
    output: (sg.output ?? []).map((v) => ({ ...v, name: rename(v.name ?? '') })),
    valueInfo: (sg.valueInfo ?? []).map((v) => ({ ...v, name: rename(v.name ?? '') })),
    initializer: (sg.initializer ?? []).map((t) => ({ ...t, name: rename(t.name ?? '') })),
    node: (sg.node ?? []).map(
      (n: INodeProto): INodeProto => ({
        ...n,
        input: (n.input ?? []).map(rename),
        output: (n.output ?? []).map(rename),
        attribute: (n.attribute ?? []).map((x) => renameAttribute(x, rename)),
      }),
    ),
  });
  return { ...a, g: a.g ? renameGraph(a.g) : a.g, graphs: (a.graphs ?? []).map(renameGraph) };
}
