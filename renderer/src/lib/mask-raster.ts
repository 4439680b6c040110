/**
 * The mask editor's raster operations on a binary mask (H, W) stored row-major as 0 / 255 bytes, in image pixel
 * coordinates. Kept free of the DOM so brush, eraser and polygon fills are exact and testable; the canvas only shows
 * the result.
 */
export interface MaskRaster {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

export const ON = 255;
export const OFF = 0;

export function createMask(width: number, height: number): MaskRaster {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`mask size must be positive integers, got ${width}×${height}`);
  }
  return { width, height, data: new Uint8Array(width * height) };
}

export function cloneMask(m: MaskRaster): MaskRaster {
  return { width: m.width, height: m.height, data: m.data.slice() };
}

/** Sets every pixel whose centre lies within `radius` of (cx, cy). */
export function stampDisk(m: MaskRaster, cx: number, cy: number, radius: number, value: number): void {
  const r = Math.max(0.5, radius);
  const x0 = Math.max(0, Math.floor(cx - r));
  const x1 = Math.min(m.width - 1, Math.ceil(cx + r));
  const y0 = Math.max(0, Math.floor(cy - r));
  const y1 = Math.min(m.height - 1, Math.ceil(cy + r));
  const r2 = r * r;
  for (let y = y0; y <= y1; y++) {
    const dy = y + 0.5 - cy;
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - cx;
      if (dx * dx + dy * dy <= r2) m.data[y * m.width + x] = value;
    }
  }
}

/** A brush (value ON) or eraser (value OFF) stroke from a to b: disks every half radius so the stroke has no gaps. */
export function strokeSegment(m: MaskRaster, a: Point, b: Point, radius: number, value: number): void {
  const dist = Math.hypot(b.x - a.x, b.y - a.y);
  const step = Math.max(0.5, radius / 2);
  const n = Math.max(1, Math.ceil(dist / step));
  for (let i = 0; i <= n; i++) {
    const t = i / n;
    stampDisk(m, a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t, radius, value);
  }
}

/** Fills a polygon (even-odd rule, pixel centres) — the polygon tool's closing action. */
export function fillPolygon(m: MaskRaster, points: readonly Point[], value: number): void {
  if (points.length < 3) return;
  const xs: number[] = [];
  for (let y = 0; y < m.height; y++) {
    const cy = y + 0.5;
    xs.length = 0;
    for (let i = 0; i < points.length; i++) {
      const p = points[i]!;
      const q = points[(i + 1) % points.length]!;
      // Half-open rule on y so a vertex shared by two edges is counted once.
      if (p.y <= cy !== q.y <= cy) xs.push(p.x + ((cy - p.y) / (q.y - p.y)) * (q.x - p.x));
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const from = Math.max(0, Math.ceil(xs[k]! - 0.5));
      const to = Math.min(m.width - 1, Math.floor(xs[k + 1]! - 0.5));
      for (let x = from; x <= to; x++) m.data[y * m.width + x] = value;
    }
  }
}

export function countOn(m: MaskRaster): number {
  let n = 0;
  for (const v of m.data) if (v) n++;
  return n;
}

/** RGBA bytes (H, W, 4) for an overlay: `rgb` where the mask is on, transparent elsewhere. */
export function maskToRgba(m: MaskRaster, rgb: readonly [number, number, number], alpha = 140): Uint8ClampedArray {
  const out = new Uint8ClampedArray(m.width * m.height * 4);
  for (let i = 0; i < m.data.length; i++) {
    if (!m.data[i]) continue;
    out[i * 4] = rgb[0];
    out[i * 4 + 1] = rgb[1];
    out[i * 4 + 2] = rgb[2];
    out[i * 4 + 3] = alpha;
  }
  return out;
}

/** Reads a mask from RGBA pixels (e.g. a decoded PNG): on where the red/grey channel is ≥ 128 and not transparent. */
export function maskFromRgba(width: number, height: number, rgba: ArrayLike<number>): MaskRaster {
  const m = createMask(width, height);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rgba[i * 4]! >= 128 && rgba[i * 4 + 3]! >= 128 ? ON : OFF;
  return m;
}

/** Greyscale RGBA (opaque white on black) for encoding the mask as a PNG. */
export function maskToOpaqueRgba(m: MaskRaster): Uint8ClampedArray {
  const out = new Uint8ClampedArray(m.width * m.height * 4);
  for (let i = 0; i < m.data.length; i++) {
    const v = m.data[i] ? 255 : 0;
    out[i * 4] = v;
    out[i * 4 + 1] = v;
    out[i * 4 + 2] = v;
    out[i * 4 + 3] = 255;
  }
  return out;
}

/** A bounded undo stack of mask snapshots for the editor. */
export class MaskHistory {
  private readonly past: Uint8Array[] = [];
  private readonly future: Uint8Array[] = [];
  constructor(private readonly limit = 50) {}

  /** Call before a change. */
  push(m: MaskRaster): void {
    this.past.push(m.data.slice());
    if (this.past.length > this.limit) this.past.shift();
    this.future.length = 0;
  }
  undo(m: MaskRaster): boolean {
    const prev = this.past.pop();
    if (!prev) return false;
    this.future.push(m.data.slice());
    m.data.set(prev);
    return true;
  }
  redo(m: MaskRaster): boolean {
    const next = this.future.pop();
    if (!next) return false;
    this.past.push(m.data.slice());
    m.data.set(next);
    return true;
  }
  get canUndo(): boolean {
    return this.past.length > 0;
  }
  get canRedo(): boolean {
    return this.future.length > 0;
  }
}
