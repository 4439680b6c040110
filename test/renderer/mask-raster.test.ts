import { describe, expect, it } from 'vitest';
import { countOn, createMask, fillPolygon, MaskHistory, maskFromRgba, maskToOpaqueRgba, OFF, ON, strokeSegment } from '../../renderer/src/lib/mask-raster';

describe('mask editor raster operations', () => {
  it('fills an axis-aligned rectangle polygon exactly (pixel centres inside)', () => {
    const m = createMask(10, 10);
    fillPolygon(m, [{ x: 2, y: 3 }, { x: 7, y: 3 }, { x: 7, y: 8 }, { x: 2, y: 8 }], ON);
    expect(countOn(m)).toBe(25);
    expect(m.data[3 * 10 + 2]).toBe(ON);
    expect(m.data[2 * 10 + 2]).toBe(OFF);
    expect(m.data[3 * 10 + 7]).toBe(OFF);
  });

  it('fills a triangle with about half of its bounding box', () => {
    const m = createMask(100, 100);
    fillPolygon(m, [{ x: 0, y: 0 }, { x: 100, y: 0 }, { x: 0, y: 100 }], ON);
    expect(Math.abs(countOn(m) - 5000)).toBeLessThan(120);
  });

  it('a brush stroke has no gaps and the eraser removes what it covers', () => {
    const m = createMask(64, 16);
    strokeSegment(m, { x: 4, y: 8 }, { x: 60, y: 8 }, 2, ON);
    for (let x = 4; x < 60; x++) expect(m.data[8 * 64 + x]).toBe(ON);
    strokeSegment(m, { x: 30, y: 0 }, { x: 30, y: 16 }, 3, OFF);
    expect(m.data[8 * 64 + 30]).toBe(OFF);
    expect(m.data[8 * 64 + 10]).toBe(ON);
  });

  it('clips strokes at the image border', () => {
    const m = createMask(8, 8);
    strokeSegment(m, { x: -5, y: -5 }, { x: 20, y: 20 }, 1.5, ON);
    expect(countOn(m)).toBeGreaterThan(8);
  });

  it('round-trips through RGBA as used for PNG encoding', () => {
    const m = createMask(5, 4);
    fillPolygon(m, [{ x: 1, y: 1 }, { x: 4, y: 1 }, { x: 4, y: 3 }, { x: 1, y: 3 }], ON);
    const back = maskFromRgba(5, 4, maskToOpaqueRgba(m));
    expect(Array.from(back.data)).toEqual(Array.from(m.data));
  });

  it('undo and redo restore earlier snapshots', () => {
    const m = createMask(6, 6);
    const h = new MaskHistory();
    h.push(m);
    strokeSegment(m, { x: 3, y: 3 }, { x: 3, y: 3 }, 2, ON);
    const drawn = countOn(m);
    expect(drawn).toBeGreaterThan(0);
    expect(h.undo(m)).toBe(true);
    expect(countOn(m)).toBe(0);
    expect(h.redo(m)).toBe(true);
    expect(countOn(m)).toBe(drawn);
    expect(h.redo(m)).toBe(false);
  });
});
