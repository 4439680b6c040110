/**
 * Tiled training (docs/tiling.md): every training and validation image is cut into its tiles once, and each tile
 * is written as a PNG copy under the project's `tiles/` folder. From there on a tile is an ordinary training
 * image: the feature cache, the synthesis of twins (per tile) and the step loop need no second code path. The
 * copies are keyed by (image sha256, tile geometry, version), so a second model on the same images reuses them.
 *
 * Validation keeps the grouping: `groups[i]` lists the tile indices of image i, so that scores are reduced to
 * whole-image scores (the maximum over tiles) before AUROC and thresholds are computed.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { loadRgb8Native } from '../model/features/preprocess.js';
import { type TileRect, type TilingSettings, tileBox, tileRects } from '../model/tiling.js';
import { encodePng } from '../synthesis/index.js';
import type { FeatureImage } from './features.js';

/** Bumped when the pixels of a tile copy change for the same image and geometry. */
const TILES_VERSION = 1;

export interface TiledImages {
  /** Every tile of every image, image by image. */
  readonly tiles: FeatureImage[];
  /** Per image, the indices of its tiles in `tiles`. */
  readonly groups: number[][];
}

/** The tiles of one image's RGB8 pixels, as (size, size, 3) channels-last bytes; black outside the image. */
function cutTile(img: { width: number; height: number; data: Uint8Array }, x: number, y: number, size: number): Uint8Array {
  const out = new Uint8Array(size * size * 3);
  for (let ty = 0; ty < size && y + ty < img.height; ty++) {
    const rowLen = Math.min(size, img.width - x) * 3;
    const src = ((y + ty) * img.width + x) * 3;
    out.set(img.data.subarray(src, src + rowLen), ty * size * 3);
  }
  return out;
}

/** What a complete copy of one image's tiles records: the part's size and each tile's file and rect. */
interface TileManifest {
  readonly width: number;
  readonly height: number;
  readonly tiles: readonly { readonly name: string; readonly rect: TileRect }[];
}

/**
 * Tile copies of `images` under `root` (written once; existing copies are reused). Each tile carries its box in the
 * part (`FeatureImage.box`), which position-conditioned models are fed; the pixels do not depend on it, so models
 * with and without position share the copies and their cached features.
 */
export async function tileCopies(images: readonly FeatureImage[], tiling: TilingSettings, root: string, signal?: AbortSignal, progress?: (fraction: number) => void): Promise<TiledImages> {
  const key = `v${TILES_VERSION}-${tiling.size}-${tiling.overlap}`;
  const dir = path.join(root, key);
  const tiles: FeatureImage[] = [];
  const groups: number[][] = [];
  for (let i = 0; i < images.length; i++) {
    signal?.throwIfAborted();
    const image = images[i]!;
    const file = path.join(dir, image.sha256.slice(0, 2), `${image.sha256}.json`);
    const manifest = readManifest(file) ?? (await writeTiles(image, tiling, path.dirname(file), file));
    groups.push(manifest.tiles.map((_, k) => tiles.length + k));
    for (const { name, rect } of manifest.tiles) {
      const sha256 = createHash('sha256').update(`${key}:${image.sha256}:${name}`).digest('hex');
      tiles.push({ file: path.join(path.dirname(file), name), sha256, box: tileBox(rect, manifest.width, manifest.height) });
    }
    progress?.((i + 1) / images.length);
  }
  return { tiles, groups };
}

const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

/**
 * The manifest of a complete earlier copy, or null: none yet, damaged, or from before manifests recorded the part's
 * size (a bare list of names): then it is cut again, to the same files.
 */
function readManifest(file: string): TileManifest | null {
  let m: Partial<TileManifest> | null;
  try {
    m = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<TileManifest> | null;
  } catch {
    return null;
  }
  if (!m || typeof m !== 'object' || Array.isArray(m) || !isCount(m.width) || !isCount(m.height) || !Array.isArray(m.tiles) || m.tiles.length === 0) return null;
  const complete = m.tiles.every((t) => typeof t?.name === 'string' && isCount(t.rect?.x) && isCount(t.rect?.y) && isCount(t.rect?.size) && fs.existsSync(path.join(path.dirname(file), t.name)));
  return complete ? (m as TileManifest) : null;
}

/** Cuts and writes the tiles of one image; the manifest is written last, so a killed run leaves no half set. */
async function writeTiles(image: FeatureImage, tiling: TilingSettings, dir: string, file: string): Promise<TileManifest> {
  const rgb = await loadRgb8Native(image.file);
  const tiles: { name: string; rect: TileRect }[] = [];
  for (const r of tileRects(rgb.width, rgb.height, tiling)) {
    const name = `${image.sha256}-${r.x}-${r.y}.png`;
    const data = cutTile(rgb, r.x, r.y, r.size);
    writeFileAtomic(path.join(dir, name), await encodePng({ width: r.size, height: r.size, channels: 3, bitDepth: 8, data }));
    tiles.push({ name, rect: { x: r.x, y: r.y, size: r.size } });
  }
  const manifest: TileManifest = { width: rgb.width, height: rgb.height, tiles };
  writeFileAtomic(file, JSON.stringify(manifest));
  return manifest;
}
