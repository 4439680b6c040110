/** The tile geometry, the stitcher and the fail-safe rules of tiled models (app/model/tiling.ts, metadata, settings). */
import { describe, expect, it } from 'vitest';
import { imageScoreOfTiles, MapStitcher, tileRects, tileToChw } from '../../app/model/tiling.js';
import { ModelMetadata } from '../../app/model/metadata.js';
import { parseTrainSettings } from '../../app/train/settings.js';
import { AppError } from '../../app/core/errors.js';

const T = { size: 256, overlap: 32 };

describe('tile geometry', () => {
  it('covers the image exactly: tiles every size − overlap, the last row and column on the edge', () => {
    const rects = tileRects(1536, 1000, T);
    const xs = [...new Set(rects.map((r) => r.x))];
    const ys = [...new Set(rects.map((r) => r.y))];
    expect(xs).toEqual([0, 224, 448, 672, 896, 1120, 1280]);
    expect(ys).toEqual([0, 224, 448, 672, 744]);
    expect(rects).toHaveLength(xs.length * ys.length);
    expect(Math.max(...rects.map((r) => r.x + r.size))).toBe(1536);
    expect(Math.max(...rects.map((r) => r.y + r.size))).toBe(1000);
  });

  it('scores an image smaller than a tile as one tile padded with black', () => {
    expect(tileRects(100, 300, T)).toEqual([{ x: 0, y: 0, size: 256 }, { x: 0, y: 44, size: 256 }]);
    const img = { width: 2, height: 1, data: Uint8Array.from([10, 20, 30, 40, 50, 60]) };
    const out = new Float32Array(3 * 4 * 4);
    tileToChw(img, { x: 0, y: 0, size: 4 }, out, 0);
    expect([out[0], out[16], out[32], out[1], out[2], out[4]]).toEqual([10, 20, 30, 40, 0, 0]);
  });

  it('stitches tile maps into one map without seams: a constant map stays constant, every pixel covered', () => {
    const s = new MapStitcher(600, 400, T);
    for (const r of tileRects(600, 400, T)) s.add(r, new Float32Array(256 * 256).fill(3));
    const m = s.result();
    expect(m.every((v) => Math.abs(v - 3) < 1e-5)).toBe(true);
  });

  it('keeps a peak where it was: the stitched map of a spot in one tile peaks there', () => {
    const s = new MapStitcher(600, 400, T);
    for (const r of tileRects(600, 400, T)) {
      const map = new Float32Array(256 * 256);
      const [px, py] = [450 - r.x, 300 - r.y];
      if (px >= 0 && px < 256 && py >= 0 && py < 256) map[py * 256 + px] = 10;
      s.add(r, map);
    }
    const m = s.result();
    let best = 0;
    for (let i = 1; i < m.length; i++) if (m[i]! > m[best]!) best = i;
    expect([best % 600, Math.floor(best / 600)]).toEqual([450, 300]);
  });

  it('takes the maximum tile score as the image score, and NaN (never a pass) if any tile has none', () => {
    expect(imageScoreOfTiles([1, 5, 2])).toBe(5);
    expect(imageScoreOfTiles([1, NaN, 9])).toBeNaN();
    expect(imageScoreOfTiles([1, Infinity])).toBeNaN();
    expect(imageScoreOfTiles([])).toBeNaN();
  });
});

describe('tiled models fail safe', () => {
  const base = {
    format: '1', modelId: 1, name: 'm', objective: 'clflow',
    input: { name: 'image', layout: 'NCHW', channels: 'RGB', range: [0, 255], height: 256, width: 256, fit: 'stretch' },
    outputs: { map: 'map', score: 'score' },
    thresholds: { review: 1, reject: 2, method: 'clean-quantile', detail: '' },
    scoreNorm: { method: 'x', offset: 0, scale: 1 },
    backbone: { name: 'b', sha256: 'h', taps: [] },
    training: {},
  };

  it('a tiled model says so with format 2, which a reader that knows no tiling refuses', () => {
    expect(ModelMetadata.safeParse({ ...base, format: '2', tiling: T }).success).toBe(true);
    expect(ModelMetadata.safeParse({ ...base, format: '1', tiling: T }).success).toBe(false);
    expect(ModelMetadata.safeParse({ ...base, format: '2' }).success).toBe(false);
  });

  it('refuses settings where the tile is not the model input, or tiling with alignment', () => {
    expect(parseTrainSettings({ tiling: { size: 256 } }).tiling).toEqual({ size: 256, overlap: 32 });
    expect(() => parseTrainSettings({ imageSize: 128, tiling: { size: 256 } })).toThrow(/imageSize \(128\) must equal tiling.size \(256\)/);
    expect(() => parseTrainSettings({ tiling: { size: 256 }, align: { mode: 'translation' } })).toThrow(AppError);
    expect(() => parseTrainSettings({ tiling: { size: 256, overlap: 200 } })).toThrow(/overlap must be at most half/);
    expect(() => parseTrainSettings({ tiling: { size: 32 } })).toThrow(/tiling.size/);
  });
});

describe('flagged regions', () => {
  it('finds the connected areas above the threshold, strongest peak first, with their boxes', async () => {
    const { flaggedRegions } = await import('../../app/core/flagged-regions.js');
    const w = 20;
    const map = new Float32Array(w * 10);
    for (const [x, y, v] of [[2, 2, 5], [3, 2, 6], [4, 3, 5], [15, 7, 9], [10, 0, 1]] as const) map[y * w + x] = v;
    const r = flaggedRegions(map, w, 10, 4);
    expect(r.map((g) => [g.peak.x, g.peak.y, g.peak.value, g.area])).toEqual([[15, 7, 9, 1], [3, 2, 6, 3]]);
    expect(r[1]!.box).toEqual({ x0: 2, y0: 2, x1: 4, y1: 3 });
    expect(flaggedRegions(map, w, 10, NaN)).toEqual([]);
    expect(flaggedRegions(map, w, 10, 4, { minArea: 2 })).toHaveLength(1);
    expect(() => flaggedRegions(map, 3, 3, 1)).toThrow(/200 values for a 3×3 map/);
  });
});
