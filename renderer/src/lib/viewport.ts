/**
 * Zoom and pan of an image in a viewer: screen = image × scale + offset. Zooming keeps the image point under the
 * cursor fixed; the scale is clamped so users cannot lose the image.
 */
export interface View {
  readonly scale: number;
  readonly x: number;
  readonly y: number;
}

export const MIN_SCALE = 0.05;
export const MAX_SCALE = 32;

/** The view that fits an image (w, h) centred inside a box (bw, bh). */
export function fit(w: number, h: number, bw: number, bh: number): View {
  const scale = Math.max(MIN_SCALE, Math.min(bw / w, bh / h));
  return { scale, x: (bw - w * scale) / 2, y: (bh - h * scale) / 2 };
}

export function zoomAt(v: View, factor: number, sx: number, sy: number): View {
  const scale = Math.max(MIN_SCALE, Math.min(MAX_SCALE, v.scale * factor));
  const k = scale / v.scale;
  return { scale, x: sx - (sx - v.x) * k, y: sy - (sy - v.y) * k };
}

export function pan(v: View, dx: number, dy: number): View {
  return { scale: v.scale, x: v.x + dx, y: v.y + dy };
}

export function toImage(v: View, sx: number, sy: number): { x: number; y: number } {
  return { x: (sx - v.x) / v.scale, y: (sy - v.y) / v.scale };
}

/**
 * The same view in a box that changed size (a window resize, side by side ↔ overlay): the image point at the old
 * box's centre stays at the new one's, and the zoom follows the box's width, so the same part of the image shows.
 */
export function resizeView(v: View, from: { width: number; height: number }, to: { width: number; height: number }): View {
  if (from.width <= 0 || from.height <= 0) return v;
  const k = to.width / from.width;
  const scale = Math.max(MIN_SCALE, Math.min(MAX_SCALE, v.scale * k));
  const centre = toImage(v, from.width / 2, from.height / 2);
  return { scale, x: to.width / 2 - centre.x * scale, y: to.height / 2 - centre.y * scale };
}
