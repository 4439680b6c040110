/**
 * Evaluation-only defects for the photo suite. app/ never imports this (test/bench checks it): the models must not
 * train on what they are judged on. Shapes and blending are our own, unlike app/synthesis (Perlin thresholds, boxes,
 * spots, stroke-drawn scratches and cracks, blend modes, Poisson blending):
 *
 * - stain: a soft blob made of a few elliptical lobes with rippled rims; multiplies the intensity by 1 ± 3–10 %
 *   (tinted per channel, never more than the drawn contrast on any channel);
 * - smear: along a curved stroke the surface is dragged (a displacement along the stroke tangent) and blurred,
 *   fading with the distance to the stroke;
 * - crack: a branching random walk on the pixel grid, 1 or 2 px wide (branches 1 px), darkened 35–65 %;
 * - hole: a small ellipse filled with near-black or with the colour behind the part, with a 1–2 px raised or torn
 *   rim (brighter or darker);
 * - foreign: a piece cut from another photo (another package or category), an irregular polygon with a 1 px
 *   anti-aliased edge;
 * - colour: a soft superellipse where the chroma is rotated around the grey axis and rescaled (plus a small tint,
 *   so grey surfaces change too).
 *
 * The mask is exactly the pixels the defect changed: the candidate is quantised to 8 bit, and a pixel inside the
 * defect's support counts as changed (mask 1, new value kept) when some channel moved by more than 1/255; every
 * other pixel is restored to its original value. Deterministic: the same image, type, seed and context give the
 * same bytes.
 */
import { bilinear, gaussianBlur, type Rgb, Rng, smoothstep, toFloat } from './raster.js';

export const DEFECT_TYPES = ['stain', 'smear', 'crack', 'hole', 'foreign', 'colour'] as const;
export type DefectType = (typeof DEFECT_TYPES)[number];

export interface DefectContext {
  /** Photos to cut foreign objects from (another package or category than the surface). */
  readonly donors: readonly Rgb[];
  /** The colour seen through a hole (what lies behind the part or the material). */
  readonly backing: readonly [number, number, number];
}

export interface Defect {
  readonly type: DefectType;
  /** (H, W, 3) 8-bit, the defective image. */
  readonly image: Uint8Array;
  /** (H, W), 1 where the defect changed the image. */
  readonly mask: Uint8Array;
  readonly area: number;
  /** The drawn parameters (for tests and logs), e.g. the stain's contrast. */
  readonly params: Readonly<Record<string, number>>;
}

/** A drawn attempt before quantisation: candidate values and where the defect may act. */
interface Candidate {
  readonly values: Float32Array;
  /** (H, W): non-zero where the defect may change pixels. */
  readonly support: Uint8Array;
  readonly params: Record<string, number>;
}

/** Pixels changed by more than this many 8-bit levels on some channel count as defect pixels. */
export const CHANGE_LEVELS = 1;
const ATTEMPTS = 24;

/**
 * Renders one defect of `type` on `img`. Retries (deterministically) at other places and sizes when an attempt
 * changes too few pixels (e.g. a faint stain on a very dark patch); throws if none of them do.
 */
export function makeDefect(type: DefectType, img: Rgb, seed: number, ctx: DefectContext): Defect {
  const rng = new Rng(seed);
  const u = Math.min(img.width, img.height) / 256;
  const minArea = type === 'crack' ? Math.round(25 * u) : Math.round(30 * u * u);
  const src = toFloat(img);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const cand = draw(type, img, src, rng, ctx, u);
    const out = finalize(img.data, cand.values, cand.support);
    if (out.area >= minArea) return { type, ...out, params: cand.params };
  }
  throw new Error(`photo suite: could not draw a visible ${type} defect on a ${img.width}×${img.height} image (seed ${seed})`);
}

function draw(type: DefectType, img: Rgb, src: Float32Array, rng: Rng, ctx: DefectContext, u: number): Candidate {
  switch (type) {
    case 'stain':
      return stain(img, src, rng, u);
    case 'smear':
      return smear(img, src, rng, u);
    case 'crack':
      return crack(img, src, rng, u);
    case 'hole':
      return hole(img, src, rng, u, ctx.backing);
    case 'foreign':
      return foreign(img, src, rng, u, ctx.donors);
    case 'colour':
      return colourShift(img, src, rng, u);
    default: {
      const never: never = type;
      throw new Error(`unknown defect type ${String(never)}`);
    }
  }
}

/** Quantises the candidate and keeps exactly the pixels that changed by more than CHANGE_LEVELS inside the support. */
export function finalize(orig: Uint8Array, values: Float32Array, support: Uint8Array): { image: Uint8Array; mask: Uint8Array; area: number } {
  const image = Uint8Array.from(orig);
  const mask = new Uint8Array(support.length);
  let area = 0;
  for (let p = 0; p < support.length; p++) {
    if (!support[p]) continue;
    const i = 3 * p;
    const r = q8(values[i]);
    const g = q8(values[i + 1]);
    const b = q8(values[i + 2]);
    if (Math.abs(r - orig[i]) > CHANGE_LEVELS || Math.abs(g - orig[i + 1]) > CHANGE_LEVELS || Math.abs(b - orig[i + 2]) > CHANGE_LEVELS) {
      image[i] = r;
      image[i + 1] = g;
      image[i + 2] = b;
      mask[p] = 1;
      area++;
    }
  }
  return { image, mask, area };
}

const q8 = (v: number): number => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));

/** A centre at least `margin` pixels inside the image. */
function centre(img: Rgb, rng: Rng, margin: number): { cx: number; cy: number } {
  const m = Math.min(margin, img.width / 2 - 1, img.height / 2 - 1);
  return { cx: rng.range(m, img.width - m), cy: rng.range(m, img.height - m) };
}

/** Applies `f(p, weight)` to every pixel of the box around (cx, cy) with half size r whose weight is > 0. */
function forBox(img: Rgb, cx: number, cy: number, r: number, f: (x: number, y: number, p: number) => void): void {
  const x0 = Math.max(0, Math.floor(cx - r));
  const x1 = Math.min(img.width - 1, Math.ceil(cx + r));
  const y0 = Math.max(0, Math.floor(cy - r));
  const y1 = Math.min(img.height - 1, Math.ceil(cy + r));
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) f(x, y, y * img.width + x);
}

// ---- stain ------------------------------------------------------------------------------------------------------

/** Contrast band of a stain: the relative intensity change at its core. */
export const STAIN_CONTRAST = [0.03, 0.1] as const;

function stain(img: Rgb, src: Float32Array, rng: Rng, u: number): Candidate {
  const R = rng.range(10, 28) * u;
  const { cx, cy } = centre(img, rng, 1.4 * R);
  const lobes = Array.from({ length: rng.int(3, 6) }, (_, j) => {
    const a = rng.range(0, 2 * Math.PI);
    const off = j === 0 ? 0 : rng.range(0.2, 0.6) * R;
    const r = rng.range(0.4, 0.85) * R;
    return {
      x: cx + off * Math.cos(a),
      y: cy + off * Math.sin(a),
      rx: r,
      ry: r * rng.range(0.55, 1),
      phi: rng.range(0, Math.PI),
      ripple: Array.from({ length: 4 }, (_, h) => ({ h: h + 2, amp: rng.range(0, 0.22 / (h + 1)), ph: rng.range(0, 2 * Math.PI) })),
    };
  });
  const contrast = rng.range(STAIN_CONTRAST[0], STAIN_CONTRAST[1]);
  const dir = rng.unit() < 0.7 ? -1 : 1; // mostly darker (dirt, oil), sometimes lighter (bleached, dried water)
  // Per-channel share of the contrast (the largest is 1): a brownish or greyish tint.
  const tint = [1, rng.range(0.75, 1), rng.range(0.45, 1)];
  if (rng.unit() < 0.5) tint.reverse();
  const values = Float32Array.from(src);
  const support = new Uint8Array(img.width * img.height);
  forBox(img, cx, cy, 1.6 * R, (x, y, p) => {
    let field = 0;
    for (const l of lobes) {
      const dx = x - l.x;
      const dy = y - l.y;
      const c = Math.cos(l.phi);
      const s = Math.sin(l.phi);
      const ex = (dx * c + dy * s) / l.rx;
      const ey = (-dx * s + dy * c) / l.ry;
      const th = Math.atan2(ey, ex);
      let mod = 1;
      for (const k of l.ripple) mod += k.amp * Math.sin(k.h * th + k.ph);
      const d2 = (ex * ex + ey * ey) / (mod * mod);
      field = Math.max(field, Math.exp(-d2));
    }
    const w = smoothstep(0.12, 0.65, field);
    if (w <= 0) return;
    support[p] = 1;
    for (let ch = 0; ch < 3; ch++) values[3 * p + ch] = src[3 * p + ch] * (1 + dir * contrast * w * tint[ch]);
  });
  return { values, support, params: { contrast, sign: dir, radius: R } };
}

// ---- smear ------------------------------------------------------------------------------------------------------

function smear(img: Rgb, src: Float32Array, rng: Rng, u: number): Candidate {
  const S = Math.min(img.width, img.height);
  const length = rng.range(0.15, 0.35) * S;
  const sigma = rng.range(3, 7) * u;
  const drag = rng.range(4, 10) * u;
  const blurSigma = rng.range(1.5, 3) * u;
  const { cx, cy } = centre(img, rng, length / 2 + 2 * sigma);
  const a = rng.range(0, 2 * Math.PI);
  const bend = rng.range(-0.25, 0.25) * length;
  const p0 = { x: cx - (Math.cos(a) * length) / 2, y: cy - (Math.sin(a) * length) / 2 };
  const p2 = { x: cx + (Math.cos(a) * length) / 2, y: cy + (Math.sin(a) * length) / 2 };
  const p1 = { x: cx - Math.sin(a) * bend, y: cy + Math.cos(a) * bend };
  const N = 48;
  const pts = Array.from({ length: N + 1 }, (_, i) => {
    const t = i / N;
    return { x: (1 - t) ** 2 * p0.x + 2 * (1 - t) * t * p1.x + t * t * p2.x, y: (1 - t) ** 2 * p0.y + 2 * (1 - t) * t * p1.y + t * t * p2.y };
  });
  const blurred = gaussianBlur(src, img.width, img.height, blurSigma);
  const values = Float32Array.from(src);
  const support = new Uint8Array(img.width * img.height);
  const reach = 3 * sigma;
  forBox(img, cx, cy, length / 2 + Math.abs(bend) + reach, (x, y, p) => {
    // Nearest point of the polyline: distance, position along it, tangent.
    let best = Infinity;
    let bt = 0;
    let tx = 0;
    let ty = 0;
    for (let i = 0; i < N; i++) {
      const ax = pts[i].x;
      const ay = pts[i].y;
      const sx = pts[i + 1].x - ax;
      const sy = pts[i + 1].y - ay;
      const len2 = sx * sx + sy * sy || 1e-9;
      const f = Math.min(1, Math.max(0, ((x - ax) * sx + (y - ay) * sy) / len2));
      const ddx = x - (ax + f * sx);
      const ddy = y - (ay + f * sy);
      const d2 = ddx * ddx + ddy * ddy;
      if (d2 < best) {
        best = d2;
        bt = (i + f) / N;
        const l = Math.sqrt(len2);
        tx = sx / l;
        ty = sy / l;
      }
    }
    if (best > reach * reach) return;
    const w = Math.exp(-best / (2 * sigma * sigma)) * Math.sqrt(Math.sin(Math.PI * bt));
    if (w < 0.02) return;
    support[p] = 1;
    const sx = x - drag * w * tx;
    const sy = y - drag * w * ty;
    for (let ch = 0; ch < 3; ch++) values[3 * p + ch] = (1 - w) * src[3 * p + ch] + w * bilinear(blurred, img.width, img.height, sx, sy, ch);
  });
  return { values, support, params: { length, sigma, drag, blur: blurSigma } };
}

// ---- crack ------------------------------------------------------------------------------------------------------

/** Widest a crack is drawn, in pixels. */
export const CRACK_MAX_WIDTH = 2;

function crack(img: Rgb, src: Float32Array, rng: Rng, u: number): Candidate {
  const S = Math.min(img.width, img.height);
  const values = Float32Array.from(src);
  const support = new Uint8Array(img.width * img.height);
  const depth = rng.range(0.35, 0.65);
  const wide = rng.unit() < 0.5;
  const mark = (x: number, y: number, d: number): void => {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= img.width || yi >= img.height) return;
    const p = yi * img.width + xi;
    if (support[p]) return;
    support[p] = 1;
    for (let ch = 0; ch < 3; ch++) values[3 * p + ch] = src[3 * p + ch] * (1 - d);
  };
  interface Walk {
    x: number;
    y: number;
    heading: number;
    steps: number;
    width: 1 | 2;
    depthLevel: number;
  }
  const { cx, cy } = centre(img, rng, 0.2 * S);
  const total = rng.range(0.25, 0.5) * S;
  const stack: Walk[] = [{ x: cx, y: cy, heading: rng.range(0, 2 * Math.PI), steps: Math.round(total / 0.7), width: wide ? 2 : 1, depthLevel: 0 }];
  let branches = 0;
  while (stack.length) {
    const w = stack.pop()!;
    const aim = w.heading;
    let { x, y, heading } = w;
    for (let s = 0; s < w.steps; s++) {
      heading += 0.2 * rng.normal() + 0.06 * (aim - heading);
      x += 0.7 * Math.cos(heading);
      y += 0.7 * Math.sin(heading);
      if (x < 1 || y < 1 || x > img.width - 2 || y > img.height - 2) break;
      const d = Math.min(0.9, depth * (1 + 0.15 * Math.sin(s / 9)));
      mark(x, y, d);
      // The second pixel of a 2 px crack: the neighbour across the walk, on the side of the larger offset.
      if (w.width === 2) mark(x - Math.sin(heading), y + Math.cos(heading), d * 0.8);
      if (branches < 4 && w.depthLevel < 2 && rng.unit() < 0.012) {
        branches++;
        stack.push({ x, y, heading: heading + rng.sign() * rng.range(0.5, 1.1), steps: Math.round((w.steps - s) * rng.range(0.3, 0.6)), width: 1, depthLevel: w.depthLevel + 1 });
      }
    }
  }
  return { values, support, params: { depth, width: wide ? 2 : 1, branches, length: total } };
}

// ---- hole -------------------------------------------------------------------------------------------------------

function hole(img: Rgb, src: Float32Array, rng: Rng, u: number, backing: readonly [number, number, number]): Candidate {
  const rx = rng.range(3, 8) * u;
  const ry = rx * rng.range(0.6, 1);
  const phi = rng.range(0, Math.PI);
  const { cx, cy } = centre(img, rng, rx + 4 * u);
  const dark = rng.unit() < 0.5;
  const level = rng.range(6, 28);
  const fill = dark ? [level, level * rng.range(0.9, 1.1), level * rng.range(0.9, 1.1)] : [...backing];
  const rimWidth = rng.range(1, 2) * Math.max(1, u);
  const rimGain = rng.sign() * rng.range(0.15, 0.35);
  const values = Float32Array.from(src);
  const support = new Uint8Array(img.width * img.height);
  const c = Math.cos(phi);
  const s = Math.sin(phi);
  forBox(img, cx, cy, rx + rimWidth + 2, (x, y, p) => {
    const dx = x - cx;
    const dy = y - cy;
    const ex = (dx * c + dy * s) / rx;
    const ey = (-dx * s + dy * c) / ry;
    const rho = Math.sqrt(ex * ex + ey * ey);
    // Distance to the hole's edge in pixels (approximately: the radial gap scaled by the local radius).
    const edge = (rho - 1) * Math.min(rx, ry) * 0.5 + (rho - 1) * Math.max(rx, ry) * 0.5;
    if (edge > rimWidth + 1) return;
    support[p] = 1;
    const inside = Math.min(1, Math.max(0, 0.5 - edge)); // 1 px anti-aliased edge
    const rim = edge > -0.5 ? Math.max(0, 1 - Math.abs(edge - rimWidth / 2) / (rimWidth / 2 + 0.5)) : 0;
    for (let ch = 0; ch < 3; ch++) {
      const o = src[3 * p + ch];
      const withRim = o * (1 + rimGain * rim);
      values[3 * p + ch] = inside * (fill[ch] + rng.range(-2, 2)) + (1 - inside) * withRim;
    }
  });
  return { values, support, params: { rx, ry, dark: dark ? 1 : 0, rimGain } };
}

// ---- foreign object ---------------------------------------------------------------------------------------------

function foreign(img: Rgb, src: Float32Array, rng: Rng, u: number, donors: readonly Rgb[]): Candidate {
  if (donors.length === 0) throw new Error('photo suite: a foreign-object defect needs at least one donor photo');
  const donor = rng.pick(donors);
  const R = (rng.range(14, 36) * u) / 2;
  const { cx, cy } = centre(img, rng, R + 2);
  // Irregular polygon: vertex radii drawn independently, straight edges between them.
  const V = rng.int(7, 12);
  const angles = Array.from({ length: V }, (_, i) => ((i + rng.range(-0.3, 0.3)) / V) * 2 * Math.PI).sort((a, b) => a - b);
  const radii = angles.map(() => R * rng.range(0.55, 1));
  const verts = angles.map((a, i) => ({ x: cx + radii[i] * Math.cos(a), y: cy + radii[i] * Math.sin(a) }));
  // Where in the donor the piece comes from, and at which scale (donor pixels per image pixel).
  const scale = rng.range(0.6, 1.6);
  const spanX = Math.max(0, donor.width - 2 * R * scale - 2);
  const spanY = Math.max(0, donor.height - 2 * R * scale - 2);
  const ox = rng.range(0, spanX) + R * scale + 1;
  const oy = rng.range(0, spanY) + R * scale + 1;
  const turn = rng.range(0, 2 * Math.PI);
  const values = Float32Array.from(src);
  const support = new Uint8Array(img.width * img.height);
  const ct = Math.cos(turn);
  const st = Math.sin(turn);
  forBox(img, cx, cy, R + 2, (x, y, p) => {
    const sd = polygonSignedDistance(verts, x, y);
    const alpha = Math.min(1, Math.max(0, 0.5 - sd));
    if (alpha <= 0) return;
    support[p] = 1;
    const dx = (x - cx) * scale;
    const dy = (y - cy) * scale;
    const sx = ox + dx * ct - dy * st;
    const sy = oy + dx * st + dy * ct;
    for (let ch = 0; ch < 3; ch++) values[3 * p + ch] = alpha * bilinear(donor.data, donor.width, donor.height, sx, sy, ch) + (1 - alpha) * src[3 * p + ch];
  });
  return { values, support, params: { radius: R, vertices: V, scale, donor: donors.indexOf(donor) } };
}

/** Signed distance to a simple polygon (negative inside). */
function polygonSignedDistance(v: readonly { x: number; y: number }[], x: number, y: number): number {
  let d = Infinity;
  let inside = false;
  for (let i = 0, j = v.length - 1; i < v.length; j = i++) {
    const a = v[j];
    const b = v[i];
    if (b.y > y !== a.y > y && x < ((a.x - b.x) * (y - b.y)) / (a.y - b.y) + b.x) inside = !inside;
    const ex = b.x - a.x;
    const ey = b.y - a.y;
    const t = Math.min(1, Math.max(0, ((x - a.x) * ex + (y - a.y) * ey) / (ex * ex + ey * ey || 1e-9)));
    const qx = x - (a.x + t * ex);
    const qy = y - (a.y + t * ey);
    d = Math.min(d, Math.sqrt(qx * qx + qy * qy));
  }
  return inside ? -d : d;
}

// ---- colour shift -----------------------------------------------------------------------------------------------

function colourShift(img: Rgb, src: Float32Array, rng: Rng, u: number): Candidate {
  const rx = rng.range(12, 30) * u;
  const ry = rx * rng.range(0.5, 1);
  const phi = rng.range(0, Math.PI);
  const power = rng.range(1.5, 3);
  const soft = 3 * u;
  const { cx, cy } = centre(img, rng, rx + soft);
  const hue = rng.sign() * rng.range(25, 70) * (Math.PI / 180);
  const sat = rng.unit() < 0.5 ? rng.range(0.4, 0.7) : rng.range(1.3, 1.8);
  // A small tint along a random chroma direction (the plane orthogonal to grey), so grey surfaces shift as well.
  const ta = rng.range(0, 2 * Math.PI);
  const tintSize = rng.range(6, 14);
  const e1 = [1 / Math.SQRT2, -1 / Math.SQRT2, 0];
  const e2 = [1 / Math.sqrt(6), 1 / Math.sqrt(6), -2 / Math.sqrt(6)];
  const tint = [0, 1, 2].map((i) => tintSize * (Math.cos(ta) * e1[i] + Math.sin(ta) * e2[i]));
  // Rotation by `hue` around the grey axis (Rodrigues), applied to the chroma part.
  const k = 1 / Math.sqrt(3);
  const cosH = Math.cos(hue);
  const sinH = Math.sin(hue);
  const rot = (v: number[]): number[] => {
    const cross = [k * (v[2] - v[1]), k * (v[0] - v[2]), k * (v[1] - v[0])];
    const dot = k * (v[0] + v[1] + v[2]);
    return [0, 1, 2].map((i) => v[i] * cosH + cross[i] * sinH + k * dot * (1 - cosH));
  };
  const c = Math.cos(phi);
  const s = Math.sin(phi);
  const values = Float32Array.from(src);
  const support = new Uint8Array(img.width * img.height);
  forBox(img, cx, cy, Math.max(rx, ry) + soft + 1, (x, y, p) => {
    const dx = x - cx;
    const dy = y - cy;
    const ex = Math.abs((dx * c + dy * s) / rx);
    const ey = Math.abs((-dx * s + dy * c) / ry);
    const rho = (ex ** power + ey ** power) ** (1 / power); // superellipse radius, 1 on the rim
    const w = 1 - smoothstep(1 - soft / rx, 1, rho);
    if (w <= 0) return;
    support[p] = 1;
    const o = [src[3 * p], src[3 * p + 1], src[3 * p + 2]];
    const grey = (o[0] + o[1] + o[2]) / 3;
    const chroma = rot([o[0] - grey, o[1] - grey, o[2] - grey]);
    for (let ch = 0; ch < 3; ch++) {
      const shifted = grey + sat * chroma[ch] + tint[ch] * Math.min(1, grey / 96);
      values[3 * p + ch] = (1 - w) * o[ch] + w * shifted;
    }
  });
  return { values, support, params: { hue: (hue * 180) / Math.PI, saturation: sat, rx, ry } };
}
