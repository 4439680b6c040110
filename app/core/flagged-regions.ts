/**
 * Flagged regions of an anomaly map: the connected areas (8-neighbour) where the map is at or above a threshold,
 * each with its peak and bounding box, strongest peak first. Review's "next flagged region" walks them and reports
 * crop around them; on a 1536² part a 10 px defect is otherwise a dot to hunt for. Shared by the main process and
 * the renderer (like colormap.ts), so both find the same regions.
 */

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

/** One region grown from a seed pixel with an explicit stack (no recursion: a region may be millions of pixels). */
function grow(map: ArrayLike<number>, width: number, height: number, threshold: number, seen: Uint8Array, seed: number): FlaggedRegion {
  const stack = [seed];
  seen[seed] = 1;
  let area = 0;
  let best = seed;
  let [x0, y0, x1, y1] = [width, height, -1, -1];
  while (stack.length > 0) {
    const p = stack.pop()!;
    const x = p % width;
    const y = (p - x) / width;
    area++;
    if (map[p]! > map[best]!) best = p;
    x0 = Math.min(x0, x), y0 = Math.min(y0, y), x1 = Math.max(x1, x), y1 = Math.max(y1, y);
    for (let dy = -1; dy <= 1; dy++) {
      const ny = y + dy;
      if (ny < 0 || ny >= height) continue;
      for (let dx = -1; dx <= 1; dx++) {
        const nx = x + dx;
        if (nx < 0 || nx >= width) continue;
        const q = ny * width + nx;
        if (seen[q] || !(map[q]! >= threshold)) continue;
        seen[q] = 1;
        stack.push(q);
      }
    }
  }
  const bx = best % width;
  return { peak: { x: bx, y: (best - bx) / width, value: map[best]! }, box: { x0, y0, x1, y1 }, area };
}

/** The regions of `map` (width × height, row-major) at or above `threshold`; none when it is not finite. */
export function flaggedRegions(map: ArrayLike<number>, width: number, height: number, threshold: number, o: FlaggedRegionOptions = {}): FlaggedRegion[] {
  if (map.length !== width * height) throw new Error(`flagged regions: ${map.length} values for a ${width}×${height} map`);
  if (!Number.isFinite(threshold)) return [];
  const seen = new Uint8Array(map.length);
  const regions: FlaggedRegion[] = [];
  for (let p = 0; p < map.length; p++) {
    if (seen[p] || !(map[p]! >= threshold)) continue;
    const r = grow(map, width, height, threshold, seen, p);
    if (r.area >= (o.minArea ?? 1)) regions.push(r);
  }
  return regions.sort((a, b) => b.peak.value - a.peak.value).slice(0, o.limit ?? 20);
}
