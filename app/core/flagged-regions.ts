/**
 * Flagged regions of an anomaly map: the connected areas (8-neighbour) where the map is at or above a threshold,
 * each with its peak and bounding box, strongest peak first. Review's "next flagged region" walks them and reports
 * crop around them; on a 1536² part a 10 px defect is otherwise a dot to hunt for. Shared by the main process and
 * the renderer (like colormap.ts), so both find the same regions.
 */
import { labelRegions } from './regions.js';

export interface FlaggedRegion {
  /** The peak: the pixel with the largest value in the region. */
  readonly peak: { readonly x: number; readonly y: number; readonly value: number };
  /** Bounding box, inclusive pixel coordinates. */
  readonly box: { readonly x0: number; readonly y0: number; readonly x1: number; readonly y1: number };
  /** Pixels in the region. */
  readonly area: number;
}

export interface FlaggedRegionOptions {
  /** At most this many regions, the strongest (default 20). */
  readonly limit?: number;
  /** Regions smaller than this many pixels are left out (default 1). */
  readonly minArea?: number;
}

/** The regions of `map` (width × height, row-major) at or above `threshold`; none when it is not finite. */
export function flaggedRegions(map: ArrayLike<number>, width: number, height: number, threshold: number, o: FlaggedRegionOptions = {}): FlaggedRegion[] {
  if (map.length !== width * height) throw new Error(`flagged regions: ${map.length} values for a ${width}×${height} map`);
  if (!Number.isFinite(threshold)) return [];
  const above = new Uint8Array(map.length);
  for (let p = 0; p < map.length; p++) above[p] = map[p]! >= threshold ? 1 : 0;
  const { labels, sizes } = labelRegions(above, width, height);
  const best = new Int32Array(sizes.length).fill(-1);
  const box = sizes.map(() => ({ x0: width, y0: height, x1: -1, y1: -1 }));
  for (let p = 0; p < labels.length; p++) {
    const r = labels[p]! - 1;
    if (r < 0) continue;
    if (best[r]! < 0 || map[p]! > map[best[r]!]!) best[r] = p;
    const x = p % width;
    const y = (p - x) / width;
    const b = box[r]!;
    (b.x0 = Math.min(b.x0, x)), (b.y0 = Math.min(b.y0, y)), (b.x1 = Math.max(b.x1, x)), (b.y1 = Math.max(b.y1, y));
  }
  const regions: FlaggedRegion[] = sizes.flatMap((area, r) => {
    if (area < (o.minArea ?? 1)) return [];
    const p = best[r]!;
    const x = p % width;
    return [{ peak: { x, y: (p - x) / width, value: map[p]! }, box: box[r]!, area }];
  });
  return regions.sort((a, b) => b.peak.value - a.peak.value).slice(0, o.limit ?? 20);
}
