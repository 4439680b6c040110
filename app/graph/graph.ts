import type onnxProto from 'onnx-proto';
import { type DType, type FloatDType, type TypedData, filledData, isFloat, toTypedData } from './dtype.js';
import { GraphError, fmtShape } from './errors.js';
import { type OpRecord, Tensor, type TensorKind } from './tensor.js';

type OnnxNode = onnxProto.onnx.INodeProto;
type OnnxTensor = onnxProto.onnx.ITensorProto;

/** An ONNX attribute with its type spelled out (an integer-valued JS number is ambiguous otherwise). */
export type Attr =
  | { readonly int: number }
  | { readonly float: number }
  | { readonly ints: readonly number[] }
  | { readonly floats: readonly number[] }
  | { readonly string: string };

export const int = (v: number): Attr => ({ int: v });
export const float = (v: number): Attr => ({ float: v });
export const ints = (v: readonly number[]): Attr => ({ ints: v });
export const floats = (v: readonly number[]): Attr => ({ floats: v });
export const str = (v: string): Attr => ({ string: v });

/** A node we emitted: inputs/outputs are tensor objects, so renaming a tensor later stays consistent. */
export interface BuiltNode {
  readonly kind: 'built';
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly (Tensor | null)[];
  readonly outputs: readonly Tensor[];
  readonly attrs: Readonly<Record<string, Attr>>;
}

/** A node copied from an imported ONNX model; `inputRefs` maps its input slots to our tensors. */
export interface ImportedNode {
  readonly kind: 'imported';
  readonly proto: OnnxNode;
  readonly inputRefs: ReadonlyMap<number, Tensor>;
}

export type GraphNode = BuiltNode | ImportedNode;

export interface InitialValue {
  readonly data: TypedData;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

export interface GraphOptions {
  /** Element type of inputs/params created without an explicit dtype. float64 is the gradient-check mode. */
  readonly dtype?: FloatDType;
  readonly name?: string;
}

/**
 * An ONNX graph under construction. Tensors have static shapes; every op checks shapes when it is added.
 * Ops are free functions (named like ONNX ops) in `./ops/*`; this class keeps the bookkeeping.
 */
export class Graph {
  readonly dtype: FloatDType;
  readonly name: string;
  readonly nodes: GraphNode[] = [];
  readonly inputs: Tensor[] = [];
  readonly params: Tensor[] = [];
  readonly states: Tensor[] = [];
  readonly outputs: Tensor[] = [];
  readonly metadata = new Map<string, string>();
  /** Values of constants, params and states, by tensor. */
  readonly values = new Map<Tensor, InitialValue>();
  /** Initializers copied from imported models (already renamed). */
  readonly importedInitializers: OnnxTensor[] = [];
  /** Opset imports of domains other than the default one, collected from imported models. */
  readonly extraOpsets = new Map<string, number>();

  private readonly names = new Set<string>();
  private readonly counters = new Map<string, number>();
  private readonly scalarCache = new Map<string, Tensor>();

  constructor(options: GraphOptions = {}) {
    this.dtype = options.dtype ?? 'float32';
    this.name = options.name ?? 'graph';
  }

  /** A fresh name `base_N` (or `base` itself when free and `exact`). */
  uniqueName(base: string, exact = false): string {
    if (exact && !this.names.has(base)) return base;
    let n = this.counters.get(base) ?? 0;
    let name: string;
    do name = `${base}_${n++}`;
    while (this.names.has(name));
    this.counters.set(base, n);
    return name;
  }

  /** Reserves a user-chosen name; refuses duplicates. */
  claimName(name: string, what: string): string {
    if (!name || typeof name !== 'string') throw new GraphError(what, 'a name must be a non-empty string');
    if (this.names.has(name)) throw new GraphError(what, `the name "${name}" is already used in this graph`);
    this.names.add(name);
    return name;
  }

  private newTensor(name: string, shape: readonly number[], dtype: DType, kind: TensorKind, requiresGrad: boolean) {
    // Empty constants exist only as shape vectors (the target shape of a reshape to a scalar).
    const min = kind === 'constant' && dtype === 'int64' ? 0 : 1;
    for (const d of shape) {
      if (!Number.isInteger(d) || d < min) {
        throw new GraphError(kind, `"${name}" has invalid shape ${fmtShape(shape)}: dims must be positive integers`);
      }
    }
    this.names.add(name);
    return new Tensor(this, name, Object.freeze([...shape]), dtype, kind, requiresGrad);
  }

  /** A data input fed at run time (never differentiated). */
  input(name: string, shape: readonly number[], dtype: DType = this.dtype): Tensor {
    this.claimName(name, 'input');
    const t = this.newTensor(name, shape, dtype, 'input', false);
    t.userNamed = true;
    this.inputs.push(t);
    return t;
  }

  /**
   * A parameter with an initial value. Trainable params get gradients; frozen ones (`trainable: false`) are
   * constants to autodiff and are always serialized as initializers.
   */
  param(
    name: string,
    shape: readonly number[],
    init: ArrayLike<number> | number,
    options: { trainable?: boolean } = {},
  ): Tensor {
    this.claimName(name, 'param');
    const trainable = options.trainable ?? true;
    const t = this.newTensor(name, shape, this.dtype, 'param', trainable);
    t.userNamed = true;
    this.values.set(t, { data: fillData(init, t.size, this.dtype, `param "${name}"`), shape: t.shape, dtype: this.dtype });
    this.params.push(t);
    return t;
  }

  /** State carried between training steps (optimizer moments): always a graph input, initial value kept here. */
  state(name: string, shape: readonly number[], init: ArrayLike<number> | number = 0, dtype: DType = this.dtype): Tensor {
    this.claimName(name, 'state');
    const t = this.newTensor(name, shape, dtype, 'state', false);
    t.userNamed = true;
    this.values.set(t, { data: fillData(init, t.size, dtype, `state "${name}"`), shape: t.shape, dtype });
    this.states.push(t);
    return t;
  }

  /** A constant (initializer). `values.length` must equal the shape's size. */
  constant(values: ArrayLike<number> | ArrayLike<bigint>, shape: readonly number[], dtype: DType = this.dtype, name?: string): Tensor {
    const n = name ? this.claimName(name, 'constant') : this.uniqueName('const');
    const t = this.newTensor(n, shape, dtype, 'constant', false);
    if (values.length !== t.size) {
      throw new GraphError('constant', `${values.length} values given for shape ${fmtShape(shape)} (size ${t.size})`);
    }
    this.values.set(t, { data: toTypedData(values, dtype), shape: t.shape, dtype });
    return t;
  }

  /** A shared scalar constant of shape `()`. */
  scalar(value: number, dtype: DType = this.dtype): Tensor {
    const key = `${dtype}:${Object.is(value, -0) ? '-0' : value}`;
    let t = this.scalarCache.get(key);
    if (!t) {
      t = this.constant([value], [], dtype);
      this.scalarCache.set(key, t);
    }
    return t;
  }

  /** An int64 constant vector (shapes, axes, indices). */
  int64s(values: readonly number[]): Tensor {
    return this.constant(values, [values.length], 'int64');
  }

  /** Marks `t` as a graph output called `name`. */
  output(name: string, t: Tensor): Tensor {
    this.own('output', t);
    if (this.outputs.some((o) => o.name === name)) throw new GraphError('output', `"${name}" is already an output`);
    const renamable = t.kind === 'node' && !t.userNamed && !t.pinned && !this.outputs.includes(t);
    if (renamable) {
      this.claimName(name, 'output');
      this.names.delete(t.name);
      t.name = name;
      t.userNamed = true;
      this.outputs.push(t);
      return t;
    }
    this.claimName(name, 'output');
    const [out] = this.addNode('Identity', [t], [{ shape: t.shape, dtype: t.dtype }], {}, { names: [name] });
    out.userNamed = true;
    if (t.requiresGrad) this.record('Identity', [t], [out]);
    this.outputs.push(out);
    return out;
  }

  /** The tensor called `name` among inputs, params, states and outputs. */
  tensor(name: string): Tensor {
    const t = [...this.inputs, ...this.params, ...this.states, ...this.outputs].find((x) => x.name === name);
    if (!t) throw new GraphError('tensor', `unknown tensor "${name}"`);
    return t;
  }

  /** Throws unless `t` is a tensor of this graph. */
  own(op: string, t: Tensor | unknown): void {
    if (!(t instanceof Tensor)) throw new GraphError(op, `expected a tensor, got ${describe(t)}`);
    if (t.graph !== this) throw new GraphError(op, `tensor "${t.name}" belongs to another graph`);
  }

  /**
   * Emits one ONNX node. Outputs require gradients when a float input does; the caller records the logical op
   * (for autodiff) with `record`.
   */
  addNode(
    opType: string,
    inputs: readonly (Tensor | null)[],
    outputs: readonly { shape: readonly number[]; dtype: DType }[],
    attrs: Readonly<Record<string, Attr>> = {},
    options: { domain?: string; names?: readonly string[]; differentiable?: boolean } = {},
  ): Tensor[] {
    for (const t of inputs) if (t !== null) this.own(opType, t);
    const grad = (options.differentiable ?? true) && inputs.some((t) => t?.requiresGrad);
    const outs = outputs.map((o, i) => {
      const name = options.names?.[i] ?? this.uniqueName(opType.toLowerCase());
      return this.newTensor(name, o.shape, o.dtype, 'node', grad && isFloat(o.dtype));
    });
    this.nodes.push({ kind: 'built', opType, domain: options.domain ?? '', inputs, outputs: outs, attrs });
    return outs;
  }

  /** Records a logical op for autodiff, on outputs that require gradients. */
  record(op: string, inputs: readonly Tensor[], outputs: readonly Tensor[], attrs: Record<string, unknown> = {}): void {
    const rec: OpRecord = { op, inputs, outputs, attrs };
    for (const o of outputs) if (o.requiresGrad) o.producer = rec;
  }

  /** A tensor produced by an imported node (frozen: no gradient); its name was claimed when the node was added. */
  importedTensor(name: string, shape: readonly number[], dtype: DType): Tensor {
    const t = this.newTensor(name, shape, dtype, 'imported', false);
    t.pinned = true;
    return t;
  }

  /** Initial values of params and states, by name (what the first training step feeds). */
  initialValues(which: 'params' | 'states' | 'all' = 'all'): Map<string, InitialValue> {
    const out = new Map<string, InitialValue>();
    const list = which === 'params' ? this.params : which === 'states' ? this.states : [...this.params, ...this.states];
    for (const t of list) out.set(t.name, this.values.get(t)!);
    return out;
  }

  /** Replaces a param's or state's value (e.g. with trained values before exporting for inference). */
  setValue(t: Tensor, data: ArrayLike<number>): void {
    this.own('setValue', t);
    const v = this.values.get(t);
    if (!v || (t.kind !== 'param' && t.kind !== 'state')) throw new GraphError('setValue', `"${t.name}" is not a param or state`);
    this.values.set(t, { ...v, data: fillData(data, t.size, v.dtype, `"${t.name}"`) });
  }
}

function fillData(init: ArrayLike<number> | number, size: number, dtype: DType, what: string): TypedData {
  if (typeof init === 'number') {
    if (!Number.isFinite(init)) throw new GraphError(what, `initial value ${init} is not finite`);
    return filledData(dtype, size, init);
  }
  if (init.length !== size) throw new GraphError(what, `initial value has ${init.length} elements, shape needs ${size}`);
  for (let i = 0; i < init.length; i++) {
    if (!Number.isFinite(init[i])) throw new GraphError(what, `initial value [${i}] is not finite (${init[i]})`);
  }
  return toTypedData(init, dtype);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}
