/**
 * "Accept the thresholded map as the mask": an anomaly map, resampled (bilinear) onto its image's pixel grid and
 * cut at a threshold, as a 0 / 255 mask. Resampling the values before cutting gives smooth edges where a binary
 * mask scaled up from a 256² map would show its blocks. The map covers the whole image (the model stretches the
 * image onto its input, like Review's heatmap, lib/map-regions.ts regionView). Pure TS.
 */

/** A map `(height, width)`, row-major, higher = more anomalous. */
export interface MapValues {
  readonly data: ArrayLike<number>;
  readonly width: number;
  readonly height: number;
}

/** Non-finite values cut cleanly: NaN is never part of a defect, +Infinity always. */
const finite = (v: number): number => (Number.isNaN(v) ? -Number.MAX_VALUE : Math.max(-Number.MAX_VALUE, Math.min(Number.MAX_VALUE, v)));

/** The source coordinate of a target pixel centre (align-corners off, clamped to the grid), split into cell and weight. */
function sampleAxis(target: number, targetSize: number, sourceSize: number): { i0: number; i1: number; w: number } {
  const u = Math.max(0, Math.min(sourceSize - 1, ((target + 0.5) * sourceSize) / targetSize - 0.5));
  const i0 = Math.floor(u);
  return { i0, i1: Math.min(sourceSize - 1, i0 + 1), w: u - i0 };
}

/**
 * The pixels of a `width × height` image where `map`, resampled bilinearly, is at or above `threshold` (map
 * units): 255 there, 0 elsewhere; `area` counts them.
 */
export function maskFromMap(map: MapValues, threshold: number, width: number, height: number): { pixels: Uint8Array; area: number } {
  if (map.data.length !== map.width * map.height) throw new Error(`mask from map: ${map.data.length} values for a ${map.width}×${map.height} map`);
  const pixels = new Uint8Array(width * height);
  let area = 0;
  const columns = Array.from({ length: width }, (_, x) => sampleAxis(x, width, map.width));
  for (let y = 0; y < height; y++) {
    const r = sampleAxis(y, height, map.height);
    const row0 = r.i0 * map.width;
    const row1 = r.i1 * map.width;
    for (let x = 0; x < width; x++) {
      const c = columns[x]!;
      const top = finite(map.data[row0 + c.i0]!) * (1 - c.w) + finite(map.data[row0 + c.i1]!) * c.w;
      const bottom = finite(map.data[row1 + c.i0]!) * (1 - c.w) + finite(map.data[row1 + c.i1]!) * c.w;
      if (top * (1 - r.w) + bottom * r.w >= threshold) {
        pixels[y * width + x] = 255;
        area++;
      }
    }
  }
  return { pixels, area };
}

/** The largest value of a map (−Infinity when it has no finite value), to say how far a threshold is off. */
export function mapMaximum(map: MapValues): number {
  let max = -Infinity;
  for (let i = 0; i < map.data.length; i++) {
    const v = map.data[i]!;
    if (Number.isFinite(v) && v > max) max = v;
  }
  return max;
}

/**
 * A level in the model's score units as a stored map holds it: display PNGs (and TIFFs) hold value / (2 × reject),
 * clamped to 0–1 (app/model/maps.ts writeMapPng); the other forms hold the values. NaN when a PNG's reject is unusable.
 */
export function levelInMapUnits(mapPath: string, level: number, reject: number | null | undefined): number {
  if (!/\.(png|tiff?)$/i.test(mapPath)) return level;
  return reject !== null && reject !== undefined && reject > 0 ? level / (2 * reject) : NaN;
}
