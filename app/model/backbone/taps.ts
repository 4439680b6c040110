/**
 * Tap proposal for imported backbones.
 *
 * A stage output of a ResNet-like network is a "cut" tensor: every later node depends on the input only through
 * it (the residual branch of the next stage starts from it, so a tensor inside a block is never a cut). With the
 * nodes in topological order, the tensor produced by node p is a cut when no tensor produced before p (or the
 * graph input) is consumed after p. We propose, for each wanted stride, the last cut tensor at that stride.
 */
import type onnxProto from 'onnx-proto';

type INode = onnxProto.onnx.INodeProto;

/** Shape of a 4-D float tensor found by the dry run, (N, C, H, W). */
export interface TensorShape {
  readonly name: string;
  readonly dims: readonly [number, number, number, number];
}

/** Names of tensors that separate the graph (see the module comment), in node order. */
export function cutTensors(nodes: readonly INode[], graphInputs: readonly string[], initializers: ReadonlySet<string>): string[] {
  const producedAt = new Map<string, number>();
  for (const name of graphInputs) producedAt.set(name, -1);
  nodes.forEach((n, p) => (n.output ?? []).forEach((o) => o && producedAt.set(o, p)));
  const lastUse = new Map<string, number>();
  nodes.forEach((n, p) => {
    for (const i of n.input ?? []) if (i && !initializers.has(i)) lastUse.set(i, Math.max(lastUse.get(i) ?? -1, p));
  });
  // spanBefore[p] = the latest consumer of any tensor produced before node p.
  const spanBefore: number[] = [];
  let span = Math.max(-1, ...graphInputs.map((g) => lastUse.get(g) ?? -1));
  for (let p = 0; p < nodes.length; p++) {
    spanBefore.push(span);
    for (const o of nodes[p].output ?? []) if (o) span = Math.max(span, lastUse.get(o) ?? -1);
  }
  const cuts: string[] = [];
  nodes.forEach((n, p) => {
    const outs = (n.output ?? []).filter(Boolean);
    if (outs.length === 1 && spanBefore[p] <= p) cuts.push(outs[0]);
  });
  return cuts;
}

/**
 * For each stride, the last cut tensor whose spatial size is inputSize / stride (both axes). Returns null for a
 * stride with no candidate.
 */
export function proposeTaps(
  cuts: readonly string[],
  shapes: ReadonlyMap<string, TensorShape>,
  inputSize: readonly [number, number],
  strides: readonly number[],
): (string | null)[] {
  return strides.map((s) => {
    let best: string | null = null;
    for (const name of cuts) {
      const sh = shapes.get(name);
      if (sh && sh.dims[2] * s === inputSize[0] && sh.dims[3] * s === inputSize[1]) best = name;
    }
    return best;
  });
}
