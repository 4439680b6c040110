/**
 * Tile position for aligned parts (docs/tiling.md, `tiling.position`): the flow's coupling subnets see, besides
 * their half of the features, where each feature cell lies in the WHOLE part, so the density becomes
 * p(features | position) (conditional coupling, as CFLOW-AD conditions on a positional encoding).
 *
 * One graph input `tile_box` (N, 4) = the tile's normalised [x0, y0, x1, y1] within the part serves every tap: each
 * tap's (N, 2, h, w) grid is built inside the graph from constant ramps (Mul/Add), so tiles of any position share the
 * same graph. The encoding is the raw coordinate of each cell centre mapped to [-1, 1] (channel 0 = x, 1 = y): two
 * channels keep conv1 small, a 3×3 ReLU subnet can carve any region out of a linear ramp, and the parts this is for
 * ("right texture, wrong place") need coarse location, not the fine periodic detail sin/cos frequencies add.
 */
import { Add, Concat, Mul, Slice, Unsqueeze, type Graph, type Tensor } from '../../graph/index.js';

/** The graph input's name (also in config.pbtxt and the ONNX export). */
export const TILE_BOX_INPUT = 'tile_box';

/** Extra input channels a coupling subnet gets when conditioned on position. */
export const POSITION_CHANNELS = 2;

/** Declares the (batch, 4) `tile_box` input. */
export function tileBoxInput(g: Graph, batch: number): Tensor {
  return g.input(TILE_BOX_INPUT, [batch, 4]);
}

/** Cell centres of an axis of `n` cells as fractions of the tile: (i + 0.5) / n. */
function ramp(n: number): number[] {
  return Array.from({ length: n }, (_, i) => (i + 0.5) / n);
}

/**
 * One coordinate plane (N, 1, h, w): 2·(lo + (hi − lo)·ramp) − 1 along `axis` (3 = x, 2 = y). Only Slice, Unsqueeze
 * and broadcasting ops, so the batch dim may be symbolic (the exported graph).
 */
function plane(g: Graph, box: Tensor, lo: number, hi: number, axis: 2 | 3, h: number, w: number): Tensor {
  const start = Unsqueeze(Slice(box, [lo], [lo + 1], [1]), [2, 3]);
  const end = Unsqueeze(Slice(box, [hi], [hi + 1], [1]), [2, 3]);
  const r = axis === 3 ? g.constant(ramp(w), [1, 1, 1, w]) : g.constant(ramp(h), [1, 1, h, 1]);
  const frac = Add(start, Mul(Add(end, Mul(start, -1)), r));
  // −1 over the other axis: the offset of the [-1, 1] mapping and the broadcast to (N, 1, h, w) in one Add.
  const minusOne = axis === 3 ? g.constant(new Array(h).fill(-1), [1, 1, h, 1]) : g.constant(new Array(w).fill(-1), [1, 1, 1, w]);
  return Add(Mul(frac, 2), minusOne);
}

/** The (N, 2, h, w) position grid of a tap of h × w cells for the tiles in `box` (N, 4). */
export function positionGrid(g: Graph, box: Tensor, h: number, w: number): Tensor {
  if (box.rank !== 2 || box.shape[1] !== 4) throw new Error(`tile_box must be (N, 4), got (${box.shape.join(', ')})`);
  return Concat([plane(g, box, 0, 2, 3, h, w), plane(g, box, 1, 3, 2, h, w)], 1);
}
