import { describe, expect, it } from 'vitest';
import { colorize, colormapLut } from '../../app/core/colormap';
import { fit, toImage, zoomAt } from '../../renderer/src/lib/viewport';
import { gridWindow, pagesFor, scrollToReveal } from '../../renderer/src/lib/virtual-window';

const luminance = (r: number, g: number, b: number) => 0.2126 * r + 0.7152 * g + 0.0722 * b;

describe('heatmap colour maps', () => {
  it('viridis and inferno get monotonically brighter (perceptual ordering)', () => {
    for (const name of ['viridis', 'inferno'] as const) {
      const t = colormapLut(name);
      let prev = -1;
      for (let i = 0; i < 256; i += 15) {
        const l = luminance(t[i * 3]!, t[i * 3 + 1]!, t[i * 3 + 2]!);
        expect(l).toBeGreaterThan(prev);
        prev = l;
      }
    }
  });

  it('maps lo and hi to the ends of the table and NaN to transparent', () => {
    const rgba = colorize([0, 1, Number.NaN], 0, 1, 'inferno');
    expect(Array.from(rgba.slice(0, 4))).toEqual([0, 0, 4, 255]);
    expect(Array.from(rgba.slice(4, 8))).toEqual([252, 255, 164, 255]);
    expect(rgba[11]).toBe(0);
  });
});

describe('viewer zoom and grid windowing', () => {
  it('zooming keeps the image point under the cursor fixed', () => {
    const v = fit(200, 100, 400, 400);
    const before = toImage(v, 150, 210);
    const after = toImage(zoomAt(v, 3, 150, 210), 150, 210);
    expect(after.x).toBeCloseTo(before.x, 9);
    expect(after.y).toBeCloseTo(before.y, 9);
  });

  it('a 100k grid renders only the visible rows plus overscan', () => {
    const w = gridWindow({ count: 100_000, width: 1000, cellWidth: 140, rowHeight: 160, scrollTop: 800_000, viewportHeight: 700, overscanRows: 2 });
    expect(w.columns).toBe(7);
    expect(w.totalHeight).toBe(Math.ceil(100_000 / 7) * 160);
    expect(w.endIndex - w.startIndex).toBeLessThanOrEqual(7 * 10);
    expect(w.offsetY).toBe(w.firstRow * 160);
    const last = gridWindow({ count: 100_000, width: 1000, cellWidth: 140, rowHeight: 160, scrollTop: w.totalHeight, viewportHeight: 700 });
    expect(last.endIndex).toBe(100_000);
  });

  it('reveals a focused cell by scrolling the least amount', () => {
    expect(scrollToReveal(70, 7, 100, 0, 500)).toBe(600); // row 10 spans 1000–1100: its bottom meets the viewport bottom
    expect(scrollToReveal(0, 7, 100, 300, 500)).toBe(0);
    expect(scrollToReveal(21, 7, 100, 200, 500)).toBe(200);
    expect(pagesFor(90, 310, 100)).toEqual([0, 1, 2, 3]);
  });
});
