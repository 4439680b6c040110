/**
 * A ResNet-shaped network with random weights, built with app/graph, standing in for a torchvision export:
 * stride-4 stem, stages `layer1`..`layer4` of basic blocks (stride-2 first conv + 1×1 downsample from layer2 on),
 * global average pool and a linear head `logits`. Stage outputs are graph outputs named like torchvision's modules.
 */
import { Add, Conv, Graph, MatMul, Relu, ReduceMean, Reshape, type Tensor, serialize } from '../../app/graph/index.js';

export interface ResnetLikeOptions {
  readonly size?: number;
  readonly widths?: readonly number[];
  /** Insert a Reshape round trip with fixed sizes into layer2 (a graph that cannot run at another size). */
  readonly fixedReshape?: boolean;
  readonly seed?: number;
}

export function resnetLike(options: ResnetLikeOptions = {}): { bytes: Uint8Array; stages: string[] } {
  const size = options.size ?? 64;
  const widths = options.widths ?? [8, 16, 32, 48];
  let seed = options.seed ?? 1;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31 - 0.5;
  };
  const g = new Graph({ name: 'resnet-like' });
  let n = 0;
  const conv = (x: Tensor, cout: number, k: number, stride: number): Tensor => {
    const cin = x.shape[1];
    const scale = Math.sqrt(6 / (cin * k * k));
    const w = g.param(`conv${n}.weight`, [cout, cin, k, k], Array.from({ length: cout * cin * k * k }, () => 2 * scale * rand()), { trainable: false });
    const b = g.param(`conv${n++}.bias`, [cout], Array.from({ length: cout }, () => 0.1 * rand()), { trainable: false });
    return Conv(x, w, b, { stride, pad: (k - 1) / 2 });
  };
  const block = (x: Tensor, cout: number, stride: number): Tensor => {
    const y = conv(Relu(conv(x, cout, 3, stride)), cout, 3, 1);
    const skip = stride === 1 && x.shape[1] === cout ? x : conv(x, cout, 1, stride);
    return Relu(Add(y, skip));
  };
  const input = g.input('input', [1, 3, size, size]);
  let x = Relu(conv(Relu(conv(input, widths[0], 3, 2)), widths[0], 3, 2));
  const stages: string[] = [];
  widths.forEach((cout, i) => {
    x = block(x, cout, i === 0 ? 1 : 2);
    if (i === 1 && options.fixedReshape) x = Reshape(Reshape(x, [1, cout, (size / 8) ** 2]), [1, cout, size / 8, size / 8]);
    x = block(x, cout, 1);
    stages.push(g.output(`layer${i + 1}`, x).name);
  });
  const pooled = Reshape(ReduceMean(x, [2, 3]), [1, widths[widths.length - 1]]);
  const head = g.param('fc.weight', [widths[widths.length - 1], 10], Array.from({ length: widths[widths.length - 1] * 10 }, () => rand()), { trainable: false });
  g.output('logits', MatMul(pooled, head));
  return { bytes: serialize(g), stages };
}
