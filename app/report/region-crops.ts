/**
 * Close-ups of a flagged part's hottest regions for the report's gallery. On a large part (a 1536² plate scored in
 * tiles) the whole-part picture is 220 px wide, and a 10 px defect is a speck in it; each crop shows the region at
 * (up to) its own resolution with the heatmap over it. Regions are the map's connected areas at or above the review
 * threshold (app/core/flagged-regions.ts, the ones Review's "next flagged region" walks), strongest first.
 */
import sharp from 'sharp';
import { flaggedRegions } from '../core/flagged-regions.js';
import type { AnomalyMap } from '../model/map-files.js';
import { composeOverlay, type HeatScale, type PixelBox } from './overlay.js';

export interface RegionCrop {
  /** The close-up with its heatmap, JPEG data URI. */
  readonly overlay: string;
  /** The region's peak in image pixels, and its map value. */
  readonly peak: { readonly x: number; readonly y: number; readonly value: number };
  readonly box: PixelBox;
}

/** At most this many close-ups per part. */
export const MAX_CROPS = 3;
/** The smallest close-up side, in image pixels (a 10 px defect with context around it). */
const MIN_CROP = 64;

/** A square box of side `side` centred on (cx, cy), moved inside the image. */
function squareAround(cx: number, cy: number, side: number, w: number, h: number): PixelBox {
  const s = Math.min(side, w, h);
  const left = Math.max(0, Math.min(w - s, Math.round(cx - s / 2)));
  const top = Math.max(0, Math.min(h - s, Math.round(cy - s / 2)));
  return { left, top, width: s, height: s };
}

/**
 * Close-ups of the regions of `map` at or above `threshold` (map units). None for a part too small for a close-up
 * to show more than the whole picture does (a crop must be at most half the part's shorter side).
 */
export async function regionCrops(imageFile: string, map: AnomalyMap, threshold: number, scale: HeatScale, pictureSize: number): Promise<RegionCrop[]> {
  const { width: w = 0, height: h = 0 } = await sharp(imageFile, { limitInputPixels: 1 << 28 }).metadata();
  if (w === 0 || h === 0) return [];
  const sx = w / map.width;
  const sy = h / map.height;
  const crops: RegionCrop[] = [];
  for (const r of flaggedRegions(map.data, map.width, map.height, threshold, { limit: MAX_CROPS })) {
    const boxSide = Math.max((r.box.x1 - r.box.x0 + 1) * sx, (r.box.y1 - r.box.y0 + 1) * sy);
    const side = Math.round(Math.max(MIN_CROP, 2 * boxSide));
    if (side > Math.min(w, h) / 2) continue;
    const peak = { x: Math.round((r.peak.x + 0.5) * sx - 0.5), y: Math.round((r.peak.y + 0.5) * sy - 0.5), value: r.peak.value };
    const box = squareAround(peak.x, peak.y, side, w, h);
    const pics = await composeOverlay(imageFile, map, { size: Math.round(pictureSize / 2), scale, region: box });
    crops.push({ overlay: pics.overlay, peak, box });
  }
  return crops;
}
