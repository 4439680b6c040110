/**
 * Tiling of large parts (docs/tiling.md): an image is cut at its native resolution into square tiles of `size`
 * pixels that overlap by `overlap`; the model sees one tile at a time, so a 10 px defect on a 1536² part stays
 * 10 px instead of vanishing in a resize to 256². This module is the one home of the geometry, shared by training
 * (tiles as training images), the scorer (tiles in batches) and the stitcher (one map at the source resolution).
 *
 * - The tile grid covers the image exactly: tiles start every `size − overlap` pixels and the last row and column
 *   are moved back to end on the image's edge (so they may overlap more), never past it.
 * - An image smaller than a tile in either dimension is padded with black to the tile (what a letterbox does).
 * - The image score is the maximum over its tiles' scores: a defect in any tile rejects the part.
 * - The map is the weighted mean of the tile maps, each weighted by a ramp that falls towards the tile's borders
 *   within the overlap, so seams do not show and every pixel is covered by at least one full-weight tile value.
 */
import { z } from 'zod';

export const TilingSettings = z
  .object({
    /** Tile side in source pixels; it is also the model's input size. */
    size: z.number().int().min(64).max(1024),
    /** Pixels that neighbouring tiles share (blended in the stitched map). */
    overlap: z.number().int().min(0).max(512).default(32),
    /**
     * Aligned parts (docs/tiling.md, "Tile position"): the flow is conditioned on where the tile lies in the part
     * (app/model/flow/position.ts), so a texture normal in one place can be a defect in another. The model then
     * takes a second input, `tile_box`.
     */
    position: z.boolean().optional(),
  })
  .strict()
  .refine((t) => t.overlap * 2 <= t.size, { message: 'overlap must be at most half the tile size' });
export type TilingSettings = z.output<typeof TilingSettings>;

export interface TileRect {
  readonly x: number;
  readonly y: number;
  readonly size: number;
}

/** Start positions along one axis of `length` pixels. */
function starts(length: number, size: number, overlap: number): number[] {
  if (length <= size) return [0];
  const stride = size - overlap;
  const out: number[] = [];
  for (let p = 0; p + size < length; p += stride) out.push(p);
  out.push(length - size);
  return out;
}

/** The tiles of a width × height image, row by row. */
export function tileRects(width: number, height: number, t: TilingSettings): TileRect[] {
  if (!(width >= 1 && height >= 1)) throw new Error(`tiling: image size ${width}×${height} is empty`);
  const rects: TileRect[] = [];
  for (const y of starts(height, t.size, t.overlap)) for (const x of starts(width, t.size, t.overlap)) rects.push({ x, y, size: t.size });
  return rects;
}

/** A tile's place in its part, as fractions of the part: [x0, y0, x1, y1] (what the `tile_box` input takes). */
export type TileBox = readonly [number, number, number, number];

/**
 * The normalised box of tile `r` in a width × height part. A tile padded past a small part's edge reaches beyond 1,
 * as its pixels do; training and scoring compute it the same way, so the model sees the same positions.
 */
export function tileBox(r: TileRect, width: number, height: number): TileBox {
  return [r.x / width, r.y / height, (r.x + r.size) / width, (r.y + r.size) / height];
}

/** The box a padding row of a short batch gets (the whole part; its outputs are discarded). */
const PADDING_BOX: TileBox = [0, 0, 1, 1];

/**
 * The boxes as one (rows, 4) float32 buffer, row by row; rows past the boxes are padding. A missing box is a bug
 * upstream (an image that was not tiled reaching a position-conditioned model), never guessed.
 */
export function tileBoxBuffer(boxes: readonly (TileBox | undefined)[], rows = boxes.length): Float32Array {
  if (boxes.length > rows) throw new Error(`tile_box: ${boxes.length} boxes for a batch of ${rows}`);
  const out = new Float32Array(rows * 4);
  for (let i = 0; i < rows; i++) {
    const b = i < boxes.length ? boxes[i] : PADDING_BOX;
    if (!b) throw new Error(`tile_box: tile ${i} of the batch has no box (a position-conditioned model scores tiles only)`);
    out.set(b, i * 4);
  }
  return out;
}

/** The `flowspect.tiling` flat metadata value (and Triton parameter): geometry, reductions and position input. */
export function tilingDescription(t: TilingSettings): string {
  return `size=${t.size};overlap=${t.overlap};score=max;map=ramp-weighted-mean${t.position ? ';position=tile_box' : ''}`;
}

/** An 8-bit RGB image, channels-last (the layout app/model/features/preprocess.ts decodes to). */
export interface Rgb8Image {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** Writes one tile of `img` as (3, size, size) float32 [0, 255] into `out` at `offset`; outside the image is black. */
export function tileToChw(img: Rgb8Image, r: TileRect, out: Float32Array, offset: number): void {
  const { size } = r;
  const plane = size * size;
  if (out.length < offset + 3 * plane) throw new Error('tiling: output buffer too small');
  for (let ty = 0; ty < size; ty++) {
    const sy = r.y + ty;
    for (let tx = 0; tx < size; tx++) {
      const sx = r.x + tx;
      const o = offset + ty * size + tx;
      if (sy >= img.height || sx >= img.width) {
        out[o] = out[o + plane] = out[o + 2 * plane] = 0;
        continue;
      }
      const i = (sy * img.width + sx) * 3;
      out[o] = img.data[i]!;
      out[o + plane] = img.data[i + 1]!;
      out[o + 2 * plane] = img.data[i + 2]!;
    }
  }
}

/** Per-pixel weight of a tile: 1 inside, falling linearly to 1/(overlap+1) at the border, over `overlap` pixels. */
function rampWeights(size: number, overlap: number): Float32Array {
  const w1 = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const d = Math.min(i, size - 1 - i);
    w1[i] = overlap > 0 ? Math.min(1, (d + 1) / (overlap + 1)) : 1;
  }
  return w1;
}

/** Accumulates tile maps into one map at the source resolution. */
export class MapStitcher {
  private readonly sum: Float32Array;
  private readonly weight: Float32Array;
  private readonly ramp: Float32Array;

  constructor(
    readonly width: number,
    readonly height: number,
    private readonly tiling: TilingSettings,
  ) {
    this.sum = new Float32Array(width * height);
    this.weight = new Float32Array(width * height);
    this.ramp = rampWeights(tiling.size, tiling.overlap);
  }

  /** Adds one tile's (size, size) map at its rect. */
  add(r: TileRect, map: Float32Array): void {
    const { size } = r;
    if (map.length !== size * size) throw new Error(`tiling: a tile map has ${map.length} values, a ${size}² tile needs ${size * size}`);
    for (let ty = 0; ty < size; ty++) {
      const sy = r.y + ty;
      if (sy >= this.height) break;
      const wy = this.ramp[ty]!;
      for (let tx = 0; tx < size; tx++) {
        const sx = r.x + tx;
        if (sx >= this.width) break;
        const w = wy * this.ramp[tx]!;
        const o = sy * this.width + sx;
        this.sum[o] += w * map[ty * size + tx]!;
        this.weight[o] += w;
      }
    }
  }

  /** The stitched map; a pixel no tile covered (impossible with tileRects) is NaN, which judges as 'error'. */
  result(): Float32Array {
    const out = new Float32Array(this.sum.length);
    for (let i = 0; i < out.length; i++) out[i] = this.weight[i]! > 0 ? this.sum[i]! / this.weight[i]! : NaN;
    return out;
  }
}

/** The image score from its tiles' scores: the maximum; NaN (never a pass) if any tile's score is not finite. */
export function imageScoreOfTiles(scores: ArrayLike<number>): number {
  if (scores.length === 0) return NaN;
  let best = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (!Number.isFinite(s)) return NaN;
    if (s > best) best = s;
  }
  return best;
}
