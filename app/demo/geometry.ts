import type { Rng } from './random.js';

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** A gently curved stroke: a quadratic Bezier sampled as a polyline. */
export function curvedStroke(rng: Rng, start: Point, angle: number, length: number, bend: number, samples = 24): Point[] {
  const end = { x: start.x + Math.cos(angle) * length, y: start.y + Math.sin(angle) * length };
  const mid = { x: (start.x + end.x) / 2, y: (start.y + end.y) / 2 };
  const ctrl = { x: mid.x - Math.sin(angle) * bend * length, y: mid.y + Math.cos(angle) * bend * length };
  const pts: Point[] = [];
  for (let k = 0; k <= samples; k++) {
    const t = k / samples;
    const a = (1 - t) * (1 - t);
    const b = 2 * t * (1 - t);
    const c = t * t;
    pts.push({ x: a * start.x + b * ctrl.x + c * end.x, y: a * start.y + b * ctrl.y + c * end.y });
  }
  void rng;
  return pts;
}

/** Distance from (x, y) to a polyline, with the side (+1 left, -1 right) and the position t in [0, 1] along it. */
export function polylineDistance(pts: readonly Point[], x: number, y: number): { d: number; side: number; t: number } {
  let best = Infinity;
  let side = 1;
  let t = 0;
  for (let k = 1; k < pts.length; k++) {
    const a = pts[k - 1];
    const b = pts[k];
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const len2 = dx * dx + dy * dy || 1e-9;
    const s = Math.max(0, Math.min(1, ((x - a.x) * dx + (y - a.y) * dy) / len2));
    const px = a.x + s * dx - x;
    const py = a.y + s * dy - y;
    const d = Math.hypot(px, py);
    if (d < best) {
      best = d;
      side = dx * (y - a.y) - dy * (x - a.x) >= 0 ? 1 : -1;
      t = (k - 1 + s) / (pts.length - 1);
    }
  }
  return { d: best, side, t };
}

/** Bounding box of points grown by `pad`, clipped to the image. */
export function boundsOf(pts: readonly Point[], pad: number, width: number, height: number) {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const p of pts) {
    x0 = Math.min(x0, p.x);
    y0 = Math.min(y0, p.y);
    x1 = Math.max(x1, p.x);
    y1 = Math.max(y1, p.y);
  }
  return {
    x0: Math.max(0, Math.floor(x0 - pad)),
    y0: Math.max(0, Math.floor(y0 - pad)),
    x1: Math.min(width - 1, Math.ceil(x1 + pad)),
    y1: Math.min(height - 1, Math.ceil(y1 + pad)),
  };
}
