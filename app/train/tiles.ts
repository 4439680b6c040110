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
import { type TilingSettings, tileRects } from '../model/tiling.js';
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

/** Tile copies of `images` under `root` (written once; existing copies are reused). */
export async function tileCopies(images: readonly FeatureImage[], tiling: TilingSettings, root: string, signal?: AbortSignal, progress?: (fraction: number) => void): Promise<TiledImages> {
  const key = `v${TILES_VERSION}-${tiling.size}-${tiling.overlap}`;
  const dir = path.join(root, key);
  const tiles: FeatureImage[] = [];
  const groups: number[][] = [];
  for (let i = 0; i < images.length; i++) {
    signal?.throwIfAborted();
    const image = images[i]!;
    const manifest = path.join(dir, image.sha256.slice(0, 2), `${image.sha256}.json`);
    const names = readManifest(manifest) ?? (await writeTiles(image, tiling, path.dirname(manifest), manifest));
    groups.push(names.map((_, k) => tiles.length + k));
    for (const name of names) tiles.push({ file: path.join(path.dirname(manifest), name), sha256: createHash('sha256').update(`${key}:${image.sha256}:${name}`).digest('hex') });
    progress?.((i + 1) / images.length);
  }
  return { tiles, groups };
}

/** The tile names of a complete earlier copy, or null (none yet, or damaged: then it is cut again). */
function readManifest(file: string): string[] | null {
  let names: unknown;
  try {
    names = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  const complete = Array.isArray(names) && names.length > 0 && names.every((n) => typeof n === 'string' && fs.existsSync(path.join(path.dirname(file), n)));
  return complete ? (names as string[]) : null;
}

/** Cuts and writes the tiles of one image; the manifest is written last, so a killed run leaves no half set. */
async function writeTiles(image: FeatureImage, tiling: TilingSettings, dir: string, manifest: string): Promise<string[]> {
  const rgb = await loadRgb8Native(image.file);
  const names: string[] = [];
  for (const r of tileRects(rgb.width, rgb.height, tiling)) {
    const name = `${image.sha256}-${r.x}-${r.y}.png`;
    const data = cutTile(rgb, r.x, r.y, r.size);
    writeFileAtomic(path.join(dir, name), await encodePng({ width: r.size, height: r.size, channels: 3, bitDepth: 8, data }));
    names.push(name);
  }
  writeFileAtomic(manifest, JSON.stringify(names));
  return names;
}
