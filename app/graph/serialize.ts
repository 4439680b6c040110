/** Turns a Graph into an ONNX ModelProto (opset 17, IR 8) and bytes, pruning nodes no output needs. */
import onnxProto from 'onnx-proto';
import { ONNX_ELEM_TYPE, type DType, type TypedData } from './dtype.js';
import { GraphError } from './errors.js';
import type { Attr, Graph } from './graph.js';
import type { Tensor } from './tensor.js';

const { onnx } = onnxProto;
type AttributeType = onnxProto.onnx.AttributeProto.AttributeType;

export const OPSET = 17;
export const IR_VERSION = 8;

export interface SerializeOptions {
  /**
   * 'initializers' (default): trainable params are baked into the model (inference export).
   * 'inputs': trainable params become graph inputs fed each step (training graphs). Frozen params stay initializers.
   */
  readonly paramsAs?: 'initializers' | 'inputs';
  /** Extra metadata_props, merged over `graph.metadata`. */
  readonly metadata?: Readonly<Record<string, string>>;
  readonly docString?: string;
}

export function toModelProto(g: Graph, options: SerializeOptions = {}): onnxProto.onnx.ModelProto {
  if (g.outputs.length === 0) throw new GraphError('serialize', `graph "${g.name}" has no outputs`);
  const paramsAsInputs = options.paramsAs === 'inputs';

  const nodes = g.nodes.map((n) =>
    n.kind === 'built'
      ? onnx.NodeProto.create({
          opType: n.opType,
          domain: n.domain,
          input: n.inputs.map((t) => (t ? t.name : '')),
          output: n.outputs.map((t) => t.name),
          attribute: Object.entries(n.attrs).map(([name, a]) => attributeProto(name, a)),
        })
      : onnx.NodeProto.create({
          ...n.proto,
          input: (n.proto.input ?? []).map((name, i) => n.inputRefs.get(i)?.name ?? name),
        }),
  );

  // Keep only nodes some output depends on (shared builders often emit more than one graph needs).
  const needed = new Set(g.outputs.map((t) => t.name));
  const kept: onnxProto.onnx.NodeProto[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i];
    if (!n.output.some((o) => needed.has(o))) continue;
    kept.push(n);
    for (const name of n.input) if (name) needed.add(name);
    for (const a of n.attribute) for (const name of subgraphInputs(a)) needed.add(name);
  }
  kept.reverse();
  kept.forEach((n, i) => (n.name = n.name || `${n.opType}_${i}`));

  const graphInputs: Tensor[] = [...g.inputs, ...g.states];
  const initializers: onnxProto.onnx.ITensorProto[] = [];
  for (const [t, v] of g.values) {
    if (t.kind === 'state') continue;
    if (t.kind === 'param' && t.requiresGrad && paramsAsInputs) {
      graphInputs.push(t);
      continue;
    }
    if (needed.has(t.name)) initializers.push(tensorProto(t.name, v.shape, v.dtype, v.data));
  }
  for (const init of g.importedInitializers) if (needed.has(init.name ?? '')) initializers.push(init);

  const metadata = { ...Object.fromEntries(g.metadata), ...(options.metadata ?? {}) };
  const opsets = [{ domain: '', version: OPSET }, ...[...g.extraOpsets].map(([domain, version]) => ({ domain, version }))];
  return onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: 'flowspect',
    producerVersion: '0.1.0',
    docString: options.docString ?? '',
    opsetImport: opsets.map((o) => onnx.OperatorSetIdProto.create(o)),
    metadataProps: Object.entries(metadata).map(([key, value]) => onnx.StringStringEntryProto.create({ key, value })),
    graph: onnx.GraphProto.create({
      name: g.name,
      node: kept,
      input: graphInputs.map(valueInfo),
      output: g.outputs.map(valueInfo),
      initializer: initializers,
    }),
  });
}

/** ONNX bytes ready for `InferenceSession.create` or a file. */
export function serialize(g: Graph, options: SerializeOptions = {}): Uint8Array {
  return onnx.ModelProto.encode(toModelProto(g, options)).finish();
}

export function valueInfo(t: Tensor): onnxProto.onnx.IValueInfoProto {
  return {
    name: t.name,
    type: {
      tensorType: {
        elemType: ONNX_ELEM_TYPE[t.dtype],
        shape: { dim: t.shape.map((d) => ({ dimValue: d })) },
      },
    },
  };
}

export function tensorProto(name: string, shape: readonly number[], dtype: DType, data: TypedData): onnxProto.onnx.ITensorProto {
  return {
    name,
    dims: [...shape],
    dataType: ONNX_ELEM_TYPE[dtype],
    // Copy: the proto must not alias a buffer the caller may reuse. Little-endian, as ONNX raw_data requires.
    rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
  };
}

function attributeProto(name: string, a: Attr): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  const base = (type: AttributeType) => ({ name, type });
  if ('int' in a) return { ...base(T.INT), i: a.int };
  if ('float' in a) return { ...base(T.FLOAT), f: a.float };
  if ('ints' in a) return { ...base(T.INTS), ints: [...a.ints] };
  if ('floats' in a) return { ...base(T.FLOATS), floats: [...a.floats] };
  return { ...base(T.STRING), s: new TextEncoder().encode(a.string) };
}

/** Names a subgraph attribute (If/Loop body) reads from the enclosing scope. */
function subgraphInputs(a: onnxProto.onnx.IAttributeProto): string[] {
  const graphs = [...(a.g ? [a.g] : []), ...(a.graphs ?? [])];
  const out: string[] = [];
  for (const sg of graphs) {
    const local = new Set<string>([
      ...(sg.input ?? []).map((v) => v.name ?? ''),
      ...(sg.initializer ?? []).map((t) => t.name ?? ''),
    ]);
    for (const n of sg.node ?? []) {
      for (const name of n.input ?? []) if (name && !local.has(name)) out.push(name);
      for (const name of n.output ?? []) local.add(name);
      for (const sub of n.attribute ?? []) out.push(...subgraphInputs(sub).filter((x) => !local.has(x)));
    }
  }
  return out;
}
