/**
 * Splicing a backbone in front of the flows: its nodes become frozen nodes of the caller's graph (app/graph
 * importOnnx), fed by the caller's image tensor. Taps come back as tensors with static shapes.
 */
import { type Graph, type Tensor, importOnnx } from '../../graph/index.js';
import { checkInputSize, readBackboneBytes } from './model-file.js';
import type { BackboneInfo } from '../../core/backbone.js';

/** Static (N, C, H / stride, W / stride) of every tap for an (N, 3, H, W) input. */
export function tapShapes(info: BackboneInfo, n: number, h: number, w: number): Record<string, [number, number, number, number]> {
  checkInputSize(info, h, w);
  return Object.fromEntries(info.taps.map((t) => [t.name, [n, t.channels, h / t.stride, w / t.stride]]));
}

/**
 * `image`: (N, 3, H, W) float32 RGB in [0, 255]. Returns the taps named in `taps` (default: all, in `info.taps`
 * order). Node and tensor names get `prefix` so two backbones (or a backbone and the flow) never collide.
 */
export function spliceBackbone(g: Graph, info: BackboneInfo, image: Tensor, prefix = 'backbone/', taps: readonly string[] = info.taps.map((t) => t.name)): Tensor[] {
  const [n, c, h, w] = image.shape;
  if (image.rank !== 4 || c !== 3) throw new Error(`backbone ${info.name}: image must be (N, 3, H, W), got (${image.shape.join(', ')})`);
  const out = importOnnx(g, readBackboneBytes(info), {
    prefix,
    inputs: { [info.input.name]: image },
    outputs: [...taps],
    outputShapes: tapShapes(info, n, h, w),
    label: `backbone ${info.name}`,
  });
  return taps.map((name) => {
    if (!out[name]) throw new Error(`backbone ${info.name} has no tap ${name}`);
    return out[name];
  });
}
