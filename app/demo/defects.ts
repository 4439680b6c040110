import { blendPixel, scalePixel, smoothstep, type Canvas, type Mask, type Rgb } from './canvas.js';
import { boundsOf, curvedStroke, polylineDistance, type Point } from './geometry.js';
import { fbm } from './noise.js';
import type { Rng } from './random.js';

/**
 * Defects drawn onto a rendered surface, each returning its exact mask `(H, W)`. These are independent of the
 * synthesis engine (other shapes, physically motivated shading instead of blended noise), so the demo evaluates
 * the model on anomalies it did not train on.
 */

/**
 * A scratch: a narrow groove (darker core) with a specular lip on the lit side and a thin shadow on the other,
 * tapering at both ends. `angle` is the stroke direction in radians.
 */
export function drawScratch(c: Canvas, rng: Rng, angle: number): Mask {
  const mask = new Uint8Array(c.width * c.height);
  const length = rng.range(45, 150);
  const start = { x: rng.range(40, c.width - 40) - (Math.cos(angle) * length) / 2, y: rng.range(40, c.height - 40) - (Math.sin(angle) * length) / 2 };
  const pts = curvedStroke(rng, start, angle, length, rng.range(-0.15, 0.15));
  const halfWidth = rng.range(0.9, 1.8);
  const lipSide = rng.next() < 0.5 ? 1 : -1;
  const box = boundsOf(pts, halfWidth + 4, c.width, c.height);
  for (let y = box.y0; y <= box.y1; y++) {
    for (let x = box.x0; x <= box.x1; x++) {
      const { d, side, t } = polylineDistance(pts, x + 0.5, y + 0.5);
      const w = halfWidth * Math.pow(Math.sin(Math.PI * Math.min(1, Math.max(0, t))), 0.4);
      if (w < 0.25 || d > w + 2.5) continue;
      const i = y * c.width + x;
      const core = 1 - smoothstep(w - 0.5, w + 0.5, d);
      const rim = (1 - smoothstep(w + 1.2, w + 2.2, d)) * smoothstep(w - 0.3, w + 0.6, d);
      scalePixel(c, i, 1 - 0.5 * core);
      if (side === lipSide) blendPixel(c, i, [1, 1, 0.98], 0.75 * rim);
      else scalePixel(c, i, 1 - 0.3 * rim);
      if (d <= w + 1.5) mask[i] = 1;
    }
  }
  return mask;
}

/**
 * A dent: a smooth elliptical depression lit from `light` (unit vector, z up); the shading follows the surface
 * normal, so one flank brightens and the other darkens. The mask is where the depth exceeds 10 % of the maximum.
 */
export function drawDent(c: Canvas, rng: Rng, light: readonly [number, number, number]): Mask {
  const mask = new Uint8Array(c.width * c.height);
  const cx = rng.range(40, c.width - 40);
  const cy = rng.range(40, c.height - 40);
  const sx = rng.range(6, 16);
  const sy = sx * rng.range(0.6, 1.4);
  const rot = rng.range(0, Math.PI);
  const depth = rng.range(0.35, 0.6) * Math.max(sx, sy);
  const cos = Math.cos(rot);
  const sin = Math.sin(rot);
  const reach = 3 * Math.max(sx, sy);
  const [lx, ly, lz] = light;
  for (let y = Math.max(0, Math.floor(cy - reach)); y < Math.min(c.height, cy + reach); y++) {
    for (let x = Math.max(0, Math.floor(cx - reach)); x < Math.min(c.width, cx + reach); x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      const u = (dx * cos + dy * sin) / sx;
      const v = (-dx * sin + dy * cos) / sy;
      const g = Math.exp(-(u * u + v * v) / 2);
      // h = -depth * g; dh/du = depth * g * u / sx (chain rule through the rotation).
      const hu = (depth * g * u) / sx;
      const hv = (depth * g * v) / sy;
      const hx = hu * cos - hv * sin;
      const hy = hu * sin + hv * cos;
      const norm = Math.hypot(hx, hy, 1);
      const shade = (-hx * lx - hy * ly + lz) / norm / lz;
      const i = y * c.width + x;
      // Diffuse term plus a glint where the tilted surface mirrors the light towards the camera.
      const tilt = Math.hypot(hx, hy) / norm;
      scalePixel(c, i, Math.max(0.3, 1 + 1.4 * (shade - 1)) + 0.25 * Math.max(0, shade - 1) * tilt * 4);
      if (g > 0.1) mask[i] = 1;
    }
  }
  return mask;
}

/** An irregular blob's signed distance (positive inside) around (cx, cy) with mean radius r. */
function blobField(seed: number, cx: number, cy: number, r: number, roughness: number) {
  return (x: number, y: number) => {
    const dx = x - cx;
    const dy = y - cy;
    const rho = Math.hypot(dx, dy);
    const theta = Math.atan2(dy, dx);
    const rr = r * (1 + roughness * fbm(Math.cos(theta) * 1.5 + 7, Math.sin(theta) * 1.5 + 3, seed, 3));
    return rr - rho;
  };
}

/** An oil or dirt stain: a translucent irregular blob that darkens and tints; mask where its opacity >= 0.35. */
export function drawStain(c: Canvas, rng: Rng, tint: Rgb): Mask {
  const mask = new Uint8Array(c.width * c.height);
  const r = rng.range(7, 20);
  const cx = rng.range(r + 10, c.width - r - 10);
  const cy = rng.range(r + 10, c.height - r - 10);
  const field = blobField(rng.int(0, 1e9), cx, cy, r, 0.45);
  const seed = rng.int(0, 1e9);
  const strength = rng.range(0.5, 0.75);
  for (let y = Math.max(0, Math.floor(cy - 2 * r)); y < Math.min(c.height, cy + 2 * r); y++) {
    for (let x = Math.max(0, Math.floor(cx - 2 * r)); x < Math.min(c.width, cx + 2 * r); x++) {
      const s = field(x + 0.5, y + 0.5);
      const alpha = strength * smoothstep(-2, 2.5, s) * (0.85 + 0.3 * fbm(x / 6, y / 6, seed, 2));
      if (alpha <= 0.01) continue;
      const i = y * c.width + x;
      const o = i * 3;
      for (let ch = 0; ch < 3; ch++) c.rgb[o + ch] *= 1 - alpha * (1 - tint[ch]);
      if (alpha >= 0.35 * strength) mask[i] = 1;
    }
  }
  return mask;
}

/** Foreign matter: a few specks, a hair-like fibre, or a metallic splash, chosen at random. */
export function drawContamination(c: Canvas, rng: Rng, kinds: readonly ('specks' | 'fibre' | 'splash')[]): Mask {
  const kind = rng.pick(kinds);
  const mask = new Uint8Array(c.width * c.height);
  if (kind === 'fibre') {
    const length = rng.range(30, 80);
    const angle = rng.range(0, 2 * Math.PI);
    const start = { x: rng.range(50, c.width - 50), y: rng.range(50, c.height - 50) };
    const pts: Point[] = curvedStroke(rng, start, angle, length, rng.range(-0.4, 0.4), 32);
    const w = rng.range(0.6, 1.1);
    const color: Rgb = rng.next() < 0.5 ? [0.08, 0.07, 0.06] : [0.85, 0.84, 0.8];
    const box = boundsOf(pts, 3, c.width, c.height);
    for (let y = box.y0; y <= box.y1; y++)
      for (let x = box.x0; x <= box.x1; x++) {
        const { d } = polylineDistance(pts, x + 0.5, y + 0.5);
        const a = 1 - smoothstep(w - 0.4, w + 0.8, d);
        if (a <= 0) continue;
        const i = y * c.width + x;
        blendPixel(c, i, color, 0.9 * a);
        if (a >= 0.3) mask[i] = 1;
      }
    return mask;
  }
  const count = kind === 'specks' ? rng.int(2, 5) : 1;
  const cx = rng.range(30, c.width - 30);
  const cy = rng.range(30, c.height - 30);
  for (let k = 0; k < count; k++) {
    const r = kind === 'specks' ? rng.range(1.6, 3.6) : rng.range(4, 9);
    const bx = cx + (k === 0 ? 0 : rng.range(-14, 14));
    const by = cy + (k === 0 ? 0 : rng.range(-14, 14));
    const field = blobField(rng.int(0, 1e9), bx, by, r, 0.3);
    for (let y = Math.max(0, Math.floor(by - 2 * r - 2)); y < Math.min(c.height, by + 2 * r + 2); y++)
      for (let x = Math.max(0, Math.floor(bx - 2 * r - 2)); x < Math.min(c.width, bx + 2 * r + 2); x++) {
        const s = field(x + 0.5, y + 0.5);
        const a = smoothstep(-0.8, 0.8, s);
        if (a <= 0) continue;
        const i = y * c.width + x;
        if (kind === 'specks') blendPixel(c, i, [0.07, 0.06, 0.05], 0.92 * a);
        else {
          // A solder splash: bright metal whose highlight sits towards the light (upper left).
          const hl = Math.max(0, 1 - Math.hypot(x - bx + r * 0.35, y - by + r * 0.35) / r);
          const v = 0.55 + 0.45 * hl * hl;
          blendPixel(c, i, [v, v, v * 0.97], a);
        }
        if (a >= 0.4) mask[i] = 1;
      }
  }
  return mask;
}

/** Number of defect pixels; renderers retry when a defect landed too small to see. */
export const maskArea = (m: Mask) => m.reduce((s, v) => s + v, 0);

