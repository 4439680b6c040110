/**
 * Tile position for aligned parts (docs/tiling.md, `tiling.position`): the flow's coupling subnets see, besides
 * their half of the features, where each feature cell lies in the WHOLE part, so the density becomes
 * p(features | position) (conditional coupling, as CFLOW-AD conditions on a positional encoding).
 *
 * One graph input `tile_box` (N, 4) = the tile's normalised [x0, y0, x1, y1] within the part serves every tap: each
 * tap's (N, POSITION_CHANNELS, h, w) grid is built inside the graph from constant ramps, so tiles of any position
 * share the same graph. The encoding, per axis, is a row of POSITION_BINS + 1 "hat" functions of the cell centre's
 * coordinate u in the part: max(0, 1 − K·|u − k/K|), k = 0…K (K = POSITION_BINS). They sum to 1, so they hold the
 * raw coordinate, and a region such as "the right half" is a linear function of them, which conv1 learns in a few
 * hundred steps. The raw coordinate alone (the first version) needed the ReLU subnet to carve a step at the region's
 * edge: in test/train/tile-position.test.ts it learnt the outer tiles of a part but not the ones beside the edge.
 */
import type ort from 'onnxruntime-node';
import { Abs, Add, Concat, Mul, Relu, Slice, type Graph, type Tensor } from '../../graph/index.js';
import { float32Tensor } from '../../runtime/index.js';
import { type TileBox, tileBoxBuffer } from '../tiling.js';

/** The graph input's name (also in config.pbtxt and the ONNX export). */
export const TILE_BOX_INPUT = 'tile_box';

/** The `tile_box` feed of a batch of `rows` (boxes past the end are padding; see tileBoxBuffer). */
export function tileBoxFeed(boxes: readonly (TileBox | undefined)[], rows = boxes.length): Record<string, ort.Tensor> {
  return { [TILE_BOX_INPUT]: float32Tensor(tileBoxBuffer(boxes, rows), [rows, 4]) };
}

/** Hat functions per axis, less one: bins of 1/4 of the part (K above). */
export const POSITION_BINS = 4;

/** Extra input channels a coupling subnet gets when conditioned on position: the x hats, then the y hats. */
export const POSITION_CHANNELS = 2 * (POSITION_BINS + 1);

/** Declares the (batch, 4) `tile_box` input. */
export function tileBoxInput(g: Graph, batch: number): Tensor {
  return g.input(TILE_BOX_INPUT, [batch, 4]);
}

/** Cell centres of an axis of `n` cells as fractions of the tile: (i + 0.5) / n. */
function ramp(n: number): number[] {
  return Array.from({ length: n }, (_, i) => (i + 0.5) / n);
}

/**
 * Column `k` of the (N, 4) box as (N, 1, 1, 1). An ONNX Unsqueeze node, not the graph library's Unsqueeze (a Reshape
 * to the static shape it was built with, [1, 1, 1, 1] in the N = 1 inference graph), so a batch of N tiles runs
 * through the exported file. tile_box is an input, never a param: nothing differentiates through it.
 */
function boxColumn(g: Graph, box: Tensor, k: number): Tensor {
  const col = Slice(box, [k], [k + 1], [1]);
  const [out] = g.addNode('Unsqueeze', [col, g.int64s([2, 3])], [{ shape: [col.shape[0]!, 1, 1, 1], dtype: col.dtype }], {}, { differentiable: false });
  return out!;
}

/**
 * The hats of one axis, (N, POSITION_BINS + 1, h, w), along `axis` (3 = x, 2 = y): the cell centres' coordinate in
 * the part u = lo + (hi − lo)·ramp, then max(0, 1 − K·|u − k/K|). Only Slice, Unsqueeze and broadcasting ops, so the
 * batch dim may be symbolic (the exported graph).
 */
function axisHats(g: Graph, box: Tensor, lo: number, hi: number, axis: 2 | 3, h: number, w: number): Tensor {
  const start = boxColumn(g, box, lo);
  const end = boxColumn(g, box, hi);
  const r = axis === 3 ? g.constant(ramp(w), [1, 1, 1, w]) : g.constant(ramp(h), [1, 1, h, 1]);
  // Zeros over the other axis broadcast the (N, 1, 1, w) or (N, 1, h, 1) coordinate to (N, 1, h, w).
  const zeros = axis === 3 ? g.constant(new Array(h).fill(0), [1, 1, h, 1]) : g.constant(new Array(w).fill(0), [1, 1, 1, w]);
  const u = Add(Add(start, Mul(Add(end, Mul(start, -1)), r)), zeros);
  const k = POSITION_BINS;
  const hats = Array.from({ length: k + 1 }, (_, i) => Relu(Add(Mul(Abs(Add(u, -i / k)), -k), 1)));
  return Concat(hats, 1);
}

/** The (N, POSITION_CHANNELS, h, w) position grid of a tap of h × w cells for the tiles in `box` (N, 4). */
export function positionGrid(g: Graph, box: Tensor, h: number, w: number): Tensor {
  if (box.rank !== 2 || box.shape[1] !== 4) throw new Error(`tile_box must be (N, 4), got (${box.shape.join(', ')})`);
  return Concat([axisHats(g, box, 0, 2, 3, h, w), axisHats(g, box, 1, 3, 2, h, w)], 1);
}
