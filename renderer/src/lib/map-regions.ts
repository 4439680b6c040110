/**
 * The heatmap's "next flagged region": the map's peaks (app/core/flagged-regions.ts, the same regions reports
 * crop) and the view that shows one of them. A tiled part's map is drawn at its source resolution (1536² and up),
 * where a 10 px defect is a dot to hunt for; the jump zooms onto it instead.
 */
import { flaggedRegions, type FlaggedRegion } from '../../../app/core/flagged-regions';
import type { HeatValues } from './map-values';
import { fit, MAX_SCALE, type View } from './viewport';

export interface Size {
  readonly width: number;
  readonly height: number;
}

/** The regions to walk; `aboveReject` is false when none reached the reject level and the one is the map's maximum. */
export interface MapRegions {
  readonly regions: readonly FlaggedRegion[];
  readonly aboveReject: boolean;
}

/** The zoom onto a region is at least this many times the fit scale (a region the size of the part still zooms in)… */
export const MIN_REGION_ZOOM = 4;
/** …and at most this many (a one-pixel region keeps some of its surroundings in view). */
export const MAX_REGION_ZOOM = 16;
/** The region's box is shown this many times its own size (the region in the middle third). */
const REGION_PADDING = 3;

/**
 * The reject level in map units: mid-scale. A model-unit map's colour scale is 0 … 2 × reject and a display PNG's
 * 0 … 1 with the reject threshold at 0.5 (lib/map-values.ts mapRange), so the middle of the range is reject in both.
 */
export function rejectLevel(range: readonly [number, number]): number {
  return (range[0] + range[1]) / 2;
}

/** The single pixel with the largest finite value, as a one-pixel region; null when no value is finite. */
function maximumRegion(map: HeatValues): FlaggedRegion | null {
  let best = -1;
  for (let p = 0; p < map.data.length; p++) {
    const v = map.data[p]!;
    if (Number.isFinite(v) && (best < 0 || v > map.data[best]!)) best = p;
  }
  if (best < 0) return null;
  const x = best % map.width;
  const y = (best - x) / map.width;
  return { peak: { x, y, value: map.data[best]! }, box: { x0: x, y0: y, x1: x, y1: y }, area: 1 };
}

/** The regions at or above the map's reject level, strongest first; else the map's maximum alone (or nothing). */
export function mapRegions(map: HeatValues): MapRegions {
  const regions = flaggedRegions(map.data, map.width, map.height, rejectLevel(map.range));
  if (regions.length > 0) return { regions, aboveReject: true };
  const max = maximumRegion(map);
  return { regions: max ? [max] : [], aboveReject: false };
}

/**
 * The view (in image pixels, see viewport.ts) that centres `region`'s peak in a box of `box` size, zoomed so the
 * padded region fills it, between MIN_REGION_ZOOM and MAX_REGION_ZOOM × the fit scale. The map may be smaller than
 * the image (older models: a 256² map over a 1024² image): its pixel centres are scaled to image coordinates.
 */
export function regionView(region: FlaggedRegion, map: Size, image: Size, box: Size): View {
  const sx = image.width / map.width;
  const sy = image.height / map.height;
  const regionW = (region.box.x1 - region.box.x0 + 1) * sx * REGION_PADDING;
  const regionH = (region.box.y1 - region.box.y0 + 1) * sy * REGION_PADDING;
  const fitScale = fit(image.width, image.height, box.width, box.height).scale;
  const fill = Math.min(box.width / regionW, box.height / regionH);
  const scale = Math.min(MAX_SCALE, Math.max(MIN_REGION_ZOOM * fitScale, Math.min(MAX_REGION_ZOOM * fitScale, fill)));
  const peakX = (region.peak.x + 0.5) * sx;
  const peakY = (region.peak.y + 0.5) * sy;
  return { scale, x: box.width / 2 - peakX * scale, y: box.height / 2 - peakY * scale };
}
