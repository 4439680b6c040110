/**
 * Scoring whole images with a tiled model (app/model/tiling.ts): each image is cut into its tiles, which run through
 * the model in batches of at most TILE_BATCH, and the tile maps are stitched into one map at the source resolution.
 * Memory is bounded by one image (its pixels and its map) plus one batch of tiles, whatever the image size.
 * The image score is the maximum over the tiles; a tile with a score that is not finite makes it NaN ('error').
 */
import type { Rgb8 } from '../model/features/preprocess.js';
import { imageScoreOfTiles, MapStitcher, type TileBox, tileBox, type TilingSettings, tileRects, tileToChw } from '../model/tiling.js';

/** Tiles per model run: 8 tiles of 256² are 6 MB of input. */
export const TILE_BATCH = 8;

interface TileModel {
  /** `boxes`: each tile's place in the part (position-conditioned models use them; others ignore them). */
  run(batch: Float32Array, n: number, boxes: readonly TileBox[]): Promise<{ scores: Float32Array; maps: Float32Array[] }>;
}

export async function scoreTiled(model: TileModel, tiling: TilingSettings, images: readonly Rgb8[]): Promise<{ scores: Float32Array; maps: Float32Array[]; sizes: { width: number; height: number }[] }> {
  const scores = new Float32Array(images.length);
  const maps: Float32Array[] = [];
  for (let i = 0; i < images.length; i++) {
    const r = await scoreImage(model, tiling, images[i]!);
    scores[i] = r.score;
    maps.push(r.map);
  }
  return { scores, maps, sizes: images.map((img) => ({ width: img.width, height: img.height })) };
}

async function scoreImage(model: TileModel, tiling: TilingSettings, img: Rgb8): Promise<{ score: number; map: Float32Array }> {
  const rects = tileRects(img.width, img.height, tiling);
  const stitcher = new MapStitcher(img.width, img.height, tiling);
  const plane = 3 * tiling.size * tiling.size;
  const tileScores: number[] = [];
  for (let start = 0; start < rects.length; start += TILE_BATCH) {
    const chunk = rects.slice(start, start + TILE_BATCH);
    const batch = new Float32Array(chunk.length * plane);
    chunk.forEach((r, k) => tileToChw(img, r, batch, k * plane));
    const out = await model.run(batch, chunk.length, chunk.map((r) => tileBox(r, img.width, img.height)));
    chunk.forEach((r, k) => {
      tileScores.push(out.scores[k]!);
      stitcher.add(r, out.maps[k]!);
    });
  }
  return { score: imageScoreOfTiles(tileScores), map: stitcher.result() };
}
