import type { Rng } from './prng.js';
import { createRng, sampleRange } from './prng.js';
import { fractalNoise } from './noise.js';
import type { PrimitiveShape, Shape } from './params.js';

/** A rectangle of the image, in pixels. */
export interface Region {
  readonly x0: number;
  readonly y0: number;
  readonly w: number;
  readonly h: number;
}

/**
 * A shape whose random geometry is fixed but whose position is not yet chosen. `rx`/`ry` are the half extents of its
 * bounding box around the centre; `draw` sets `inside[(y - region.y0) * region.w + (x - region.x0)] = 1` for pixels
 * whose centre lies in the shape placed at (cx, cy).
 */
export interface PlannedShape {
  readonly rx: number;
  readonly ry: number;
  draw(inside: Uint8Array, region: Region, cx: number, cy: number): void;
}

interface ImageSize {
  readonly width: number;
  readonly height: number;
}

const DEG = Math.PI / 180;

export function planShape(shape: Shape, rng: Rng, img: ImageSize): PlannedShape {
  switch (shape.kind) {
    case 'union':
      return planUnion(shape.parts, shape.spread, rng, img);
    default:
      return planPrimitive(shape, rng, img);
  }
}

function planPrimitive(shape: PrimitiveShape, rng: Rng, img: ImageSize): PlannedShape {
  switch (shape.kind) {
    case 'box':
      return planBox(shape.area, shape.aspect, shape.angle, rng, img);
    case 'spot':
      return planSpot(shape.area, shape.aspect, shape.angle, rng, img);
    case 'perlin':
      return planPerlin(shape, rng, img);
    case 'scratch': {
      const short = Math.min(img.width, img.height);
      const diag = Math.hypot(img.width, img.height);
      const length = sampleRange(rng, shape.length) * diag;
      const width = Math.max(1, sampleRange(rng, shape.width) * short);
      const turn = sampleRange(rng, shape.curvature) * DEG * (rng.next() < 0.5 ? -1 : 1);
      const theta = sampleRange(rng, shape.angle) * DEG;
      return planStrokes([scratchPath(length, width, turn, theta, rng)]);
    }
    case 'crack': {
      const short = Math.min(img.width, img.height);
      const diag = Math.hypot(img.width, img.height);
      const length = sampleRange(rng, shape.length) * diag;
      const width = Math.max(1, sampleRange(rng, shape.width) * short);
      const theta = sampleRange(rng, shape.angle) * DEG;
      return planStrokes(crackPaths(length, width, theta, shape.branching, shape.jaggedness * DEG, rng));
    }
  }
}

function sampleArea(range: readonly [number, number], rng: Rng, img: ImageSize): number {
  return Math.max(1, sampleRange(rng, range, true) * img.width * img.height);
}

function rotatedExtents(hw: number, hh: number, theta: number): [number, number] {
  const c = Math.abs(Math.cos(theta));
  const s = Math.abs(Math.sin(theta));
  return [hw * c + hh * s, hw * s + hh * c];
}

/** Visits pixels of `region` within (cx ± rx, cy ± ry), passing local coordinates rotated by -theta. */
function forEachLocal(
  region: Region,
  cx: number,
  cy: number,
  rx: number,
  ry: number,
  theta: number,
  visit: (index: number, u: number, v: number) => void,
): void {
  const xa = Math.max(region.x0, Math.floor(cx - rx - 1));
  const xb = Math.min(region.x0 + region.w - 1, Math.ceil(cx + rx + 1));
  const ya = Math.max(region.y0, Math.floor(cy - ry - 1));
  const yb = Math.min(region.y0 + region.h - 1, Math.ceil(cy + ry + 1));
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  for (let y = ya; y <= yb; y++) {
    const dy = y + 0.5 - cy;
    const row = (y - region.y0) * region.w - region.x0;
    for (let x = xa; x <= xb; x++) {
      const dx = x + 0.5 - cx;
      visit(row + x, dx * c + dy * s, -dx * s + dy * c);
    }
  }
}

/** Guarantees a drawn shape is never empty: tiny shapes still cover the pixel under their centre. */
function markCentre(inside: Uint8Array, region: Region, cx: number, cy: number): void {
  const x = Math.floor(cx);
  const y = Math.floor(cy);
  if (x >= region.x0 && x < region.x0 + region.w && y >= region.y0 && y < region.y0 + region.h) {
    inside[(y - region.y0) * region.w + (x - region.x0)] = 1;
  }
}

function planBox(areaRange: readonly [number, number], aspectRange: readonly [number, number], angleRange: readonly [number, number], rng: Rng, img: ImageSize): PlannedShape {
  const area = sampleArea(areaRange, rng, img);
  const aspect = sampleRange(rng, aspectRange, true);
  const theta = sampleRange(rng, angleRange) * DEG;
  const hw = Math.sqrt(area * aspect) / 2;
  const hh = Math.sqrt(area / aspect) / 2;
  const [rx, ry] = rotatedExtents(hw, hh, theta);
  return {
    rx,
    ry,
    draw(inside, region, cx, cy) {
      forEachLocal(region, cx, cy, rx, ry, theta, (i, u, v) => {
        if (Math.abs(u) <= hw && Math.abs(v) <= hh) inside[i] = 1;
      });
      markCentre(inside, region, cx, cy);
    },
  };
}

function planSpot(areaRange: readonly [number, number], aspectRange: readonly [number, number], angleRange: readonly [number, number], rng: Rng, img: ImageSize): PlannedShape {
  const area = sampleArea(areaRange, rng, img);
  const aspect = sampleRange(rng, aspectRange, true);
  const theta = sampleRange(rng, angleRange) * DEG;
  const a = Math.sqrt((area * aspect) / Math.PI);
  const b = Math.sqrt(area / (aspect * Math.PI));
  const [rx, ry] = rotatedExtents(a, b, theta);
  return {
    rx,
    ry,
    draw(inside, region, cx, cy) {
      const ia = 1 / (a * a);
      const ib = 1 / (b * b);
      forEachLocal(region, cx, cy, rx, ry, theta, (i, u, v) => {
        if (u * u * ia + v * v * ib <= 1) inside[i] = 1;
      });
      markCentre(inside, region, cx, cy);
    },
  };
}

/**
 * A blob from thresholded Perlin noise inside an elliptical envelope. The threshold is the quantile that makes the
 * blob's area equal the sampled area, so the size range holds whatever the roughness.
 */
function planPerlin(shape: Extract<PrimitiveShape, { kind: 'perlin' }>, rng: Rng, img: ImageSize): PlannedShape {
  const area = sampleArea(shape.area, rng, img);
  const aspect = sampleRange(rng, shape.aspect, true);
  const theta = sampleRange(rng, shape.angle) * DEG;
  const cells = sampleRange(rng, shape.scale);
  const noiseSeed = rng.fork();
  // The envelope is larger than the blob so the noise decides the outline; 0.55 of it ends up filled.
  const envArea = area / 0.55;
  const a = Math.sqrt((envArea * aspect) / Math.PI);
  const b = Math.sqrt(envArea / (aspect * Math.PI));
  const [rx, ry] = rotatedExtents(a, b, theta);
  const rough = shape.roughness;
  return {
    rx,
    ry,
    draw(inside, region, cx, cy) {
      const xa = Math.max(region.x0, Math.floor(cx - rx - 1));
      const xb = Math.min(region.x0 + region.w - 1, Math.ceil(cx + rx + 1));
      const ya = Math.max(region.y0, Math.floor(cy - ry - 1));
      const yb = Math.min(region.y0 + region.h - 1, Math.ceil(cy + ry + 1));
      const bw = xb - xa + 1;
      const bh = yb - ya + 1;
      if (bw <= 0 || bh <= 0) return;
      const cellPx = Math.max(1, (2 * Math.max(a, b)) / cells);
      const noise = fractalNoise(createRng(noiseSeed), bw, bh, cellPx, shape.octaves);
      const field = new Float32Array(bw * bh).fill(-1);
      const ia = 1 / (a * a);
      const ib = 1 / (b * b);
      const c = Math.cos(theta);
      const s = Math.sin(theta);
      const bins = 4096;
      const hist = new Uint32Array(bins);
      for (let y = 0; y < bh; y++) {
        const dy = ya + y + 0.5 - cy;
        for (let x = 0; x < bw; x++) {
          const dx = xa + x + 0.5 - cx;
          const u = dx * c + dy * s;
          const v = -dx * s + dy * c;
          const d2 = u * u * ia + v * v * ib;
          if (d2 >= 1) continue;
          const n = Math.min(1, Math.max(0, noise[y * bw + x] * 0.5 + 0.5));
          const f = (1 - rough) * (1 - d2) + rough * n;
          field[y * bw + x] = f;
          hist[Math.min(bins - 1, Math.floor(f * bins))]++;
        }
      }
      // Highest-valued pixels first until the target area is reached.
      const target = Math.max(1, Math.round(area));
      let acc = 0;
      let cut = 0;
      for (let k = bins - 1; k >= 0; k--) {
        acc += hist[k];
        if (acc >= target) {
          cut = k / bins;
          break;
        }
      }
      for (let y = 0; y < bh; y++) {
        const row = (ya + y - region.y0) * region.w + (xa - region.x0);
        for (let x = 0; x < bw; x++) if (field[y * bw + x] >= cut) inside[row + x] = 1;
      }
      markCentre(inside, region, cx, cy);
    },
  };
}

/** A polyline (points relative to the shape centre) with a stroke radius per point. */
interface Stroke {
  readonly xs: Float64Array;
  readonly ys: Float64Array;
  readonly radius: Float64Array;
}

function scratchPath(length: number, width: number, turn: number, theta: number, rng: Rng): Stroke {
  const steps = Math.max(2, Math.ceil(length / 2));
  const ds = length / steps;
  const kappa = turn / length;
  const wiggle = 0.03 * rng.next();
  const xs = new Float64Array(steps + 1);
  const ys = new Float64Array(steps + 1);
  const radius = new Float64Array(steps + 1);
  let dir = theta - turn / 2;
  let x = 0;
  let y = 0;
  for (let i = 0; i <= steps; i++) {
    xs[i] = x;
    ys[i] = y;
    // Scratches thin out towards their ends.
    const t = i / steps;
    radius[i] = (width / 2) * (0.55 + 0.45 * Math.sin(Math.PI * t));
    dir += kappa * ds + wiggle * (rng.next() - 0.5);
    x += Math.cos(dir) * ds;
    y += Math.sin(dir) * ds;
  }
  return { xs, ys, radius };
}

function crackPaths(length: number, width: number, theta: number, branching: number, jag: number, rng: Rng): Stroke[] {
  const strokes: Stroke[] = [];
  const step = Math.max(1.5, length / 48);
  const grow = (x0: number, y0: number, dir0: number, len: number, w: number, depth: number): void => {
    const steps = Math.max(2, Math.ceil(len / step));
    const xs = new Float64Array(steps + 1);
    const ys = new Float64Array(steps + 1);
    const radius = new Float64Array(steps + 1);
    let x = x0;
    let y = y0;
    let dir = dir0;
    for (let i = 0; i <= steps; i++) {
      xs[i] = x;
      ys[i] = y;
      radius[i] = (w / 2) * (1 - 0.6 * (i / steps));
      if (i < steps && depth < 3 && rng.next() < branching) {
        const side = rng.next() < 0.5 ? -1 : 1;
        const bdir = dir + side * rng.uniform(20, 70) * DEG;
        grow(x, y, bdir, (steps - i) * step * rng.uniform(0.3, 0.6), radius[i] * 2 * 0.8, depth + 1);
      }
      // Pull the walk gently back towards its original heading so the crack keeps a direction.
      dir += rng.normal() * jag + 0.15 * (dir0 - dir);
      x += Math.cos(dir) * step;
      y += Math.sin(dir) * step;
    }
    strokes.push({ xs, ys, radius });
  };
  grow(-Math.cos(theta) * length / 2, -Math.sin(theta) * length / 2, theta, length, width, 0);
  return strokes;
}

function planStrokes(strokes: Stroke[]): PlannedShape {
  // Re-centre on the bounding box so placement sees symmetric extents.
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity, maxR = 0.71;
  for (const s of strokes) {
    for (let i = 0; i < s.xs.length; i++) {
      minX = Math.min(minX, s.xs[i]);
      maxX = Math.max(maxX, s.xs[i]);
      minY = Math.min(minY, s.ys[i]);
      maxY = Math.max(maxY, s.ys[i]);
      maxR = Math.max(maxR, s.radius[i]);
    }
  }
  const ox = (minX + maxX) / 2;
  const oy = (minY + maxY) / 2;
  const rx = (maxX - minX) / 2 + maxR;
  const ry = (maxY - minY) / 2 + maxR;
  return {
    rx,
    ry,
    draw(inside, region, cx, cy) {
      for (const s of strokes) {
        for (let i = 0; i + 1 < s.xs.length; i++) {
          drawCapsule(inside, region, cx + s.xs[i] - ox, cy + s.ys[i] - oy, cx + s.xs[i + 1] - ox, cy + s.ys[i + 1] - oy, s.radius[i], s.radius[i + 1]);
        }
      }
      markCentre(inside, region, cx + strokes[strokes.length - 1].xs[0] - ox, cy + strokes[strokes.length - 1].ys[0] - oy);
    },
  };
}

/** Marks pixels within a tapered radius of segment (ax, ay)–(bx, by). A radius ≥ 0.71 keeps 1-px lines connected. */
function drawCapsule(inside: Uint8Array, region: Region, ax: number, ay: number, bx: number, by: number, ra: number, rb: number): void {
  ra = Math.max(ra, 0.71);
  rb = Math.max(rb, 0.71);
  const r = Math.max(ra, rb);
  const xa = Math.max(region.x0, Math.floor(Math.min(ax, bx) - r));
  const xb = Math.min(region.x0 + region.w - 1, Math.ceil(Math.max(ax, bx) + r));
  const ya = Math.max(region.y0, Math.floor(Math.min(ay, by) - r));
  const yb = Math.min(region.y0 + region.h - 1, Math.ceil(Math.max(ay, by) + r));
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy || 1e-9;
  for (let y = ya; y <= yb; y++) {
    const py = y + 0.5;
    const row = (y - region.y0) * region.w - region.x0;
    for (let x = xa; x <= xb; x++) {
      const px = x + 0.5;
      let t = ((px - ax) * dx + (py - ay) * dy) / len2;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const ex = ax + t * dx - px;
      const ey = ay + t * dy - py;
      const rr = ra + t * (rb - ra);
      if (ex * ex + ey * ey <= rr * rr) inside[row + x] = 1;
    }
  }
}

function planUnion(parts: readonly PrimitiveShape[], spread: number, rng: Rng, img: ImageSize): PlannedShape {
  const planned = parts.map((p) => planPrimitive(p, rng, img));
  const size = Math.max(planned[0].rx, planned[0].ry);
  const offsets = planned.map((_, i) => {
    if (i === 0) return [0, 0] as const;
    const a = rng.uniform(0, 2 * Math.PI);
    const d = rng.uniform(0, spread) * size;
    return [Math.cos(a) * d, Math.sin(a) * d] as const;
  });
  let rx = 0;
  let ry = 0;
  planned.forEach((p, i) => {
    rx = Math.max(rx, Math.abs(offsets[i][0]) + p.rx);
    ry = Math.max(ry, Math.abs(offsets[i][1]) + p.ry);
  });
  return {
    rx,
    ry,
    draw(inside, region, cx, cy) {
      planned.forEach((p, i) => p.draw(inside, region, cx + offsets[i][0], cy + offsets[i][1]));
    },
  };
}
