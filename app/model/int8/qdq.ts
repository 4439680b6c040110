/**
 * Static int8 quantization of a model's backbone in the QDQ form (QuantizeLinear → DequantizeLinear pairs around
 * every quantized tensor). ONNX Runtime fuses DQ → Conv → Q into QLinearConv and DQ, DQ → Add → Q into QLinearAdd,
 * so the backbone runs in integer arithmetic while the flows stay float32: the flow's log-likelihood is where small
 * errors would move scores most, and the backbone is where most of the multiply-adds are.
 *
 * - Weights: symmetric, per output channel. Convolutions that run as u8 × s8 GEMMs get 7 bits (±63): CPUs without
 *   VNNI add two such products in a saturating int16, and with 7-bit weights that sum never saturates, so every x86
 *   CPU computes the same integers (and the sealed reference output, app/model/integrity.ts, holds on all of them).
 *   Depthwise convolutions widen to int16 before multiplying on every path, so they keep 8 bits (±127); at 7 bits
 *   their 9 weights per channel were the largest error (brick: worst score drop 0.61 → 0.09).
 * - Bias: int32 at the input scale × the weight scale, as QLinearConv needs.
 * - Activations: asymmetric uint8 from calibrated ranges (app/infer/int8/calibrate.ts).
 * - Conv → Clip(0, c) (MobileNet's ReLU6) is folded: the quantized range [0, min(c, calibrated max)] saturates exactly
 *   where the Clip would, so the Clip is dropped and the Conv fuses.
 */
import onnxProto from 'onnx-proto';

type ModelProto = onnxProto.onnx.ModelProto;
type INode = onnxProto.onnx.INodeProto;
type ITensor = onnxProto.onnx.ITensorProto;
const { TensorProto } = onnxProto.onnx;
const DT = TensorProto.DataType;

/** The part of a Flowspect model that is quantized: the spliced backbone, not its fixed colour tap. */
export const INT8_SCOPE = { prefix: 'backbone/', exclude: ['backbone/colour/'] } as const;
/**
 * The first convolutions of the backbone (MobileNetV2's stem: Conv1 and the first depthwise/project pair, at half the
 * input resolution) stay float. Each alone moves scores little, but every later layer amplifies their rounding: on
 * the photo suite's aligned rug, keeping these 3 in float took int8's image AUROC from 0.915 to 0.922 (fp32 0.921),
 * and halved the median score change.
 */
export const FLOAT_STEM_CONVS = 3;
/** Weight range of convolutions that run as int8 GEMMs: 7 bits (see the module comment). */
const GEMM_QMAX = 63;
/** Depthwise convolutions widen to 16 bits before multiplying on every x86 path, so they keep all 8 bits. */
const DEPTHWISE_QMAX = 127;

export interface Range {
  readonly min: number;
  readonly max: number;
}

interface ConvPlan {
  readonly node: INode;
  readonly weight: string;
  readonly bias: string | null;
  /** A Clip(0, clipMax) folded into the conv's output quantization, if any. */
  readonly clip: { readonly node: INode; readonly max: number } | null;
}

export interface Int8Plan {
  readonly convs: readonly ConvPlan[];
  readonly adds: readonly INode[];
  /** Activation tensors that get a Q/DQ pair (every input and output of a quantized node), in graph order. */
  readonly tensors: readonly string[];
  /** The backbone's two-input Adds: quantized when both inputs are. */
  readonly addCandidates: readonly INode[];
}

/** Float values of an initializer (raw little-endian data or float_data). */
export function floatValues(t: ITensor): Float32Array {
  if (t.dataType !== DT.FLOAT) throw new Error(`initializer ${t.name} is not float32`);
  if (t.rawData && t.rawData.length > 0) {
    const copy = Uint8Array.from(t.rawData);
    return new Float32Array(copy.buffer, 0, copy.length / 4);
  }
  return Float32Array.from(t.floatData ?? []);
}

function inScope(node: INode): boolean {
  const name = node.name ?? '';
  return name.startsWith(INT8_SCOPE.prefix) && !INT8_SCOPE.exclude.some((p) => name.startsWith(p));
}

function scalarOf(inits: ReadonlyMap<string, ITensor>, name: string | undefined): number | null {
  const t = name ? inits.get(name) : undefined;
  if (!t || t.dataType !== DT.FLOAT) return null;
  const v = floatValues(t);
  return v.length === 1 ? v[0]! : null;
}

/** Which nodes and tensors of `model` are quantized. Throws when the model has no backbone convolutions to quantize. */
export function planInt8(model: ModelProto): Int8Plan {
  const nodes = model.graph?.node ?? [];
  const inits = new Map((model.graph?.initializer ?? []).map((t) => [t.name ?? '', t]));
  const consumers = new Map<string, INode[]>();
  for (const n of nodes) for (const i of n.input ?? []) if (i) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const graphOutputs = new Set((model.graph?.output ?? []).map((o) => o.name ?? ''));
  const convs: ConvPlan[] = [];
  for (const n of nodes) {
    if (n.opType !== 'Conv' || !inScope(n)) continue;
    const [, weight, bias] = n.input ?? [];
    const w = weight ? inits.get(weight) : undefined;
    if (!w || w.dataType !== DT.FLOAT || (w.dims ?? []).length !== 4) continue;
    if (bias && inits.get(bias)?.dataType !== DT.FLOAT) continue;
    // A weight or bias another node also reads stays float: its quantized copy would be written twice.
    if ((consumers.get(weight!) ?? []).length > 1 || (bias && (consumers.get(bias) ?? []).length > 1)) continue;
    convs.push({ node: n, weight: weight!, bias: bias || null, clip: foldableClip(n, consumers, inits, graphOutputs) });
  }
  // The stem stays float: its rounding errors would have the whole network to grow in (see FLOAT_STEM_CONVS).
  convs.splice(0, Math.min(FLOAT_STEM_CONVS, Math.max(0, convs.length - 1)));
  if (convs.length === 0) throw new Error('the model has no backbone convolutions with constant weights to quantize');
  return completePlan(convs, nodes.filter((n) => n.opType === 'Add' && inScope(n) && (n.input ?? []).length === 2));
}

/** `plan` with the named convolutions (node names) left in float, and whatever that leaves unquantized. */
export function withFloatConvs(plan: Int8Plan, names: ReadonlySet<string>): Int8Plan {
  return completePlan(plan.convs.filter((c) => !names.has(c.node.name ?? '')), plan.addCandidates);
}

function completePlan(convs: readonly ConvPlan[], addCandidates: readonly INode[]): Int8Plan {
  const quantized = new Set<string>();
  const order: string[] = [];
  const add = (t: string | null | undefined) => {
    if (t && !quantized.has(t)) {
      quantized.add(t);
      order.push(t);
    }
  };
  for (const c of convs) {
    add(c.node.input![0]);
    add(c.clip ? c.clip.node.output![0] : c.node.output![0]);
  }
  // A residual Add is quantized when both its inputs already are (they always are in MobileNetV2's blocks).
  const adds = addCandidates.filter((n) => n.input!.every((i) => quantized.has(i)));
  for (const a of adds) add(a.output![0]);
  return { convs, adds, tensors: order, addCandidates };
}

function foldableClip(conv: INode, consumers: ReadonlyMap<string, INode[]>, inits: ReadonlyMap<string, ITensor>, graphOutputs: ReadonlySet<string>): ConvPlan['clip'] {
  const out = conv.output![0]!;
  const users = consumers.get(out) ?? [];
  if (users.length !== 1 || graphOutputs.has(out)) return null;
  const clip = users[0]!;
  // A Clip whose output is a graph output is not folded: graph outputs read the float tensor, which would be unclipped.
  if (clip.opType !== 'Clip' || !inScope(clip) || graphOutputs.has(clip.output?.[0] ?? '')) return null;
  const lo = scalarOf(inits, clip.input?.[1] ?? undefined);
  const hi = scalarOf(inits, clip.input?.[2] ?? undefined);
  return lo === 0 && hi !== null && hi > 0 ? { node: clip, max: hi } : null;
}

/** A copy of `model` that also outputs `tensors` (float32, any shape): what calibration runs. */
export function withTensorOutputs(model: ModelProto, tensors: readonly string[]): ModelProto {
  const copy = onnxProto.onnx.ModelProto.decode(onnxProto.onnx.ModelProto.encode(model).finish());
  const outputs = (copy.graph!.output ??= []);
  const existing = new Set(outputs.map((o) => o.name));
  for (const t of tensors) {
    if (existing.has(t)) continue;
    outputs.push(onnxProto.onnx.ValueInfoProto.create({ name: t, type: { tensorType: { elemType: DT.FLOAT } } }));
  }
  return copy;
}

/** uint8 activation quantization of a range (it always contains 0, so 0 is exact). */
export function activationParams(r: Range): { scale: number; zeroPoint: number } {
  const lo = Math.min(0, r.min);
  const hi = Math.max(0, r.max);
  const scale = hi - lo > 1e-12 ? (hi - lo) / 255 : 1;
  return { scale, zeroPoint: Math.min(255, Math.max(0, Math.round(-lo / scale))) };
}

function tensor(name: string, dims: number[], dataType: number, data: ArrayBufferView): ITensor {
  return { name, dims, dataType, rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) };
}

function node(opType: string, name: string, input: string[], output: string[], axis?: number): INode {
  const attribute = axis === undefined ? [] : [{ name: 'axis', type: onnxProto.onnx.AttributeProto.AttributeType.INT, i: axis }];
  return { opType, name, input, output, attribute };
}

/** Per-output-channel symmetric weights: the int8 values and each channel's scale. */
/**
 * Per-output-channel symmetric weights: the int8 values and each channel's scale. `minScales`: a floor per channel, so
 * that the int32 bias (bias / (input scale × weight scale)) stays in range for a channel whose weights are near zero.
 */
function quantizeWeights(w: Float32Array, outChannels: number, qmax: number, minScales: Float32Array): { q: Int8Array; scales: Float32Array } {
  const per = w.length / outChannels;
  const q = new Int8Array(w.length);
  const scales = new Float32Array(outChannels);
  for (let c = 0; c < outChannels; c++) {
    let amax = 0;
    for (let k = 0; k < per; k++) amax = Math.max(amax, Math.abs(w[c * per + k]!));
    const s = Math.max(amax > 0 ? amax / qmax : 1, minScales[c]!);
    scales[c] = s;
    for (let k = 0; k < per; k++) q[c * per + k] = Math.max(-qmax, Math.min(qmax, Math.round(w[c * per + k]! / s)));
  }
  return { q, scales };
}

/** The largest int32 bias value used: 2³⁰, half the range, so no rounding can reach the end of it. */
const BIAS_QMAX = 2 ** 30;

/**
 * The QDQ model: `ranges` must hold every tensor of `plan.tensors` (from calibration of the same model). The input
 * model is not changed. Nodes are matched by position, not name (ONNX does not require unique node names).
 */
export function quantizeInt8(model: ModelProto, plan: Int8Plan, ranges: ReadonlyMap<string, Range>): ModelProto {
  const out = onnxProto.onnx.ModelProto.decode(onnxProto.onnx.ModelProto.encode(model).finish());
  const g = out.graph!;
  g.initializer ??= [];
  g.node ??= [];
  g.output ??= [];
  const inits = new Map(g.initializer.map((t) => [t.name ?? '', t]));
  const params = new Map<string, { scale: number; zeroPoint: number }>();
  for (const t of plan.tensors) {
    const r = ranges.get(t);
    if (!r || !Number.isFinite(r.min) || !Number.isFinite(r.max)) throw new Error(`no finite calibrated range for tensor ${t}`);
    params.set(t, activationParams(r));
  }
  const clipMax = new Map(plan.convs.filter((c) => c.clip).map((c) => [c.clip!.node.output![0]!, c.clip!.max]));
  for (const [t, max] of clipMax) params.set(t, activationParams({ min: 0, max: Math.min(max, Math.max(ranges.get(t)!.max, 1e-6)) }));

  const at = (n: INode): number => (model.graph?.node ?? []).indexOf(n);
  const convAt = new Map(plan.convs.map((c) => [at(c.node), c]));
  const clipAt = new Set(plan.convs.filter((c) => c.clip).map((c) => at(c.clip!.node)));
  const addAt = new Set(plan.adds.map(at));
  const newInits: ITensor[] = [];
  const nodes: PlacedNode[] = [];
  g.node.forEach((n, i) => {
    if (clipAt.has(i)) return;
    const c = convAt.get(i);
    nodes.push(c ? { node: quantizedConv(c, inits, params, newInits), quantized: true } : { node: n, quantized: addAt.has(i) });
  });
  const { nodes: withQdq, inits: qdqInits } = insertActivationQdq(nodes, params, new Set(clipMax.keys()));
  g.node = withQdq.map((n) => onnxProto.onnx.NodeProto.create(n));
  // The float weights and biases, and the bounds of the folded Clips, are read by no node any more. Nothing else is
  // dropped, and nothing at all in a graph with subgraphs (their reads of outer names are not listed here).
  const replacedNames = new Set(plan.convs.flatMap((c) => [c.weight, ...(c.bias ? [c.bias] : []), ...(c.clip ? (c.clip.node.input ?? []).slice(1) : [])]));
  const read = new Set(g.node.flatMap((n) => n.input ?? []));
  const hasSubgraphs = g.node.some((n) => (n.attribute ?? []).some((a) => a.g || (a.graphs ?? []).length > 0));
  const keep = (t: ITensor) => hasSubgraphs || !replacedNames.has(t.name ?? '') || read.has(t.name ?? '');
  g.initializer = [...g.initializer.filter(keep), ...[...newInits, ...qdqInits].map((t) => TensorProto.create(t))];
  return out;
}

interface PlacedNode {
  readonly node: INode;
  /** A node that runs quantized: it reads the DQ of each quantized input. */
  readonly quantized: boolean;
}

/** The conv reading DQ(int8 weights) and DQ(int32 bias); a folded Clip's output becomes the conv's own output. */
function quantizedConv(c: ConvPlan, inits: ReadonlyMap<string, ITensor>, params: ReadonlyMap<string, { scale: number }>, newInits: ITensor[]): INode {
  const w = inits.get(c.weight)!;
  const dims = (w.dims ?? []).map(Number);
  const group = Number((c.node.attribute ?? []).find((a) => a.name === 'group')?.i ?? 1);
  // Depthwise: one input channel per group. Other grouped convolutions run as GEMMs like ungrouped ones.
  const qmax = group > 1 && dims[1] === 1 ? DEPTHWISE_QMAX : GEMM_QMAX;
  const xScale = params.get(c.node.input![0]!)!.scale;
  const b = c.bias ? floatValues(inits.get(c.bias)!) : null;
  const minScales = Float32Array.from({ length: dims[0]! }, (_, i) => (b ? Math.abs(b[i]!) / (xScale * BIAS_QMAX) : 0));
  const { q, scales } = quantizeWeights(floatValues(w), dims[0]!, qmax, minScales);
  const pre: INode[] = [];
  newInits.push(tensor(`${c.weight}/q`, dims, DT.INT8, q), tensor(`${c.weight}/scale`, [dims[0]!], DT.FLOAT, scales), tensor(`${c.weight}/zp`, [dims[0]!], DT.INT8, new Int8Array(dims[0]!)));
  pre.push(node('DequantizeLinear', `${c.node.name}/dq_w`, [`${c.weight}/q`, `${c.weight}/scale`, `${c.weight}/zp`], [`${c.weight}/dq`], 0));
  const inputs = [c.node.input![0]!, `${c.weight}/dq`];
  if (b && c.bias) {
    const bScale = Float32Array.from(scales, (s) => s * xScale);
    const bq = Int32Array.from(b, (v, i) => Math.max(-BIAS_QMAX, Math.min(BIAS_QMAX, Math.round(v / bScale[i]!))));
    newInits.push(tensor(`${c.bias}/q`, [b.length], DT.INT32, bq), tensor(`${c.bias}/scale`, [b.length], DT.FLOAT, bScale), tensor(`${c.bias}/zp`, [b.length], DT.INT32, new Int32Array(b.length)));
    pre.push(node('DequantizeLinear', `${c.node.name}/dq_b`, [`${c.bias}/q`, `${c.bias}/scale`, `${c.bias}/zp`], [`${c.bias}/dq`], 0));
    inputs.push(`${c.bias}/dq`);
  }
  const output = c.clip ? c.clip.node.output![0]! : c.node.output![0]!;
  // Carried as a bundle: the DQ nodes must come before the conv; insertActivationQdq unrolls it.
  return { ...c.node, input: inputs, output: [output], _pre: pre } as INode;
}

/** Inserts Q → DQ after each quantized tensor's producer and points every consumer at DQ (graph outputs keep the float tensor). */
function insertActivationQdq(nodes: readonly PlacedNode[], params: ReadonlyMap<string, { scale: number; zeroPoint: number }>, folded: ReadonlySet<string>): { nodes: INode[]; inits: ITensor[] } {
  const inits: ITensor[] = [];
  const qdqFor = (t: string): INode[] => {
    const p = params.get(t)!;
    inits.push(tensor(`${t}/qscale`, [], DT.FLOAT, Float32Array.of(p.scale)), tensor(`${t}/qzp`, [], DT.UINT8, Uint8Array.of(p.zeroPoint)));
    return [
      node('QuantizeLinear', `${t}/Q`, [t, `${t}/qscale`, `${t}/qzp`], [`${t}/q`]),
      node('DequantizeLinear', `${t}/DQ`, [`${t}/q`, `${t}/qscale`, `${t}/qzp`], [`${t}/dq`]),
    ];
  };
  // Quantized nodes read the DQ tensor; others read the float tensor (the flows read the taps in float, so no rounding
  // of the features is added to what the backbone's integer arithmetic already changed) — except a folded Clip's
  // output, which exists clipped only after its Q → DQ.
  const rewire = ({ node: n, quantized }: PlacedNode): INode => ({ ...n, input: (n.input ?? []).map((i) => (i && params.has(i) && (quantized || folded.has(i)) ? `${i}/dq` : i)) });
  const out: INode[] = [];
  const produced = new Set<string>();
  // Tensors with no producer node (graph inputs) get their pair first.
  const producedByNode = new Set(nodes.flatMap((n) => n.node.output ?? []));
  for (const t of params.keys()) if (!producedByNode.has(t)) out.push(...qdqFor(t));
  for (const placed of nodes) {
    const { _pre, ...plain } = placed.node as INode & { _pre?: INode[] };
    if (_pre) out.push(..._pre);
    out.push(rewire({ node: plain, quantized: placed.quantized }));
    for (const o of plain.output ?? []) {
      if (params.has(o) && !produced.has(o)) {
        produced.add(o);
        out.push(...qdqFor(o));
      }
    }
  }
  return { nodes: out, inits };
}
