import { describe, expect, it } from 'vitest';
import { mapRegions, MAX_REGION_ZOOM, MIN_REGION_ZOOM, regionView, rejectLevel } from '../../renderer/src/lib/map-regions';
import type { HeatValues } from '../../renderer/src/lib/map-values';
import { fit, resizeView, toImage, zoomAt } from '../../renderer/src/lib/viewport';

/** A width × height map of `base` with the given pixels set. */
function heat(width: number, height: number, range: [number, number], pixels: [x: number, y: number, v: number][], base = 0): HeatValues {
  const data = new Float32Array(width * height).fill(base);
  for (const [x, y, v] of pixels) data[y * width + x] = v;
  return { width, height, data, range };
}

const box = { width: 400, height: 400 };

describe('flagged regions of a heatmap', () => {
  it('the reject level is mid-scale, for model-unit maps (0 … 2 × reject) and display PNGs (0 … 1)', () => {
    expect(rejectLevel([0, 2 * 0.37])).toBeCloseTo(0.37, 12);
    expect(rejectLevel([0, 1])).toBe(0.5);
  });

  it('walks the regions at or above the reject level, strongest first', () => {
    // reject = 1: a weak blob of two pixels, a strong single pixel, and one just below the level.
    const m = heat(32, 32, [0, 2], [[3, 3, 1.2], [4, 3, 1.1], [20, 25, 1.9], [10, 10, 0.99]]);
    const r = mapRegions(m);
    expect(r.aboveReject).toBe(true);
    expect(r.regions.map((g) => [g.peak.x, g.peak.y, g.area])).toEqual([[20, 25, 1], [3, 3, 2]]);
    expect(r.regions[1]!.box).toEqual({ x0: 3, y0: 3, x1: 4, y1: 3 });
  });

  it('without a region at the reject level, the map’s maximum is the one peak; a map without values has none', () => {
    const r = mapRegions(heat(16, 8, [0, 2], [[11, 5, 0.8], [2, 2, Number.NaN]], 0.1));
    expect(r.aboveReject).toBe(false);
    expect(r.regions).toHaveLength(1);
    expect(r.regions[0]!.peak).toEqual({ x: 11, y: 5, value: expect.closeTo(0.8, 6) });
    expect(mapRegions(heat(4, 4, [0, 1], [], Number.NaN)).regions).toEqual([]);
  });
});

describe('the view onto a region', () => {
  it('centres the peak, with map pixels scaled to image pixels (256² map over a 1024² image)', () => {
    const region = mapRegions(heat(256, 256, [0, 1], [[200, 37, 0.9], [201, 37, 0.8], [200, 38, 0.7]])).regions[0]!;
    const v = regionView(region, { width: 256, height: 256 }, { width: 1024, height: 1024 }, box);
    const centre = toImage(v, box.width / 2, box.height / 2);
    expect(centre.x).toBeCloseTo(200.5 * 4, 9);
    expect(centre.y).toBeCloseTo(37.5 * 4, 9);
  });

  it('fills the view with the padded region, between 4× and 16× the fit scale', () => {
    const image = { width: 1536, height: 1536 };
    const fitScale = fit(image.width, image.height, box.width, box.height).scale;
    const square = (x0: number, side: number) => ({ peak: { x: x0, y: x0, value: 1 }, box: { x0, y0: x0, x1: x0 + side - 1, y1: x0 + side - 1 }, area: side * side });
    // A one-pixel defect keeps its surroundings: the 16× cap.
    expect(regionView(square(700, 1), image, image, box).scale).toBeCloseTo(MAX_REGION_ZOOM * fitScale, 9);
    // A region as big as a quarter of the part still zooms in: the 4× floor.
    expect(regionView(square(100, 600), image, image, box).scale).toBeCloseTo(MIN_REGION_ZOOM * fitScale, 9);
    // In between, the region padded to three times its size fills the box.
    expect(regionView(square(700, 60), image, image, box).scale).toBeCloseTo(box.width / 180, 9);
  });

  it('a resized box keeps the same image point at its centre and the same part in view', () => {
    const v = zoomAt(fit(1024, 1024, 300, 300), 5, 80, 210);
    const before = toImage(v, 150, 150);
    const r = resizeView(v, { width: 300, height: 300 }, { width: 420, height: 420 });
    const after = toImage(r, 210, 210);
    expect(after.x).toBeCloseTo(before.x, 9);
    expect(after.y).toBeCloseTo(before.y, 9);
    expect(r.scale).toBeCloseTo((v.scale * 420) / 300, 9);
  });
});
