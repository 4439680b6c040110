/**
 * "Like these": synthesis parameters estimated from real, confirmed defects with masks (issue: learn from confirmed
 * defects). Each defect is measured — size and elongation from its mask's second moments, the intensity and colour
 * change inside it against a ring of surface around it, and how soft its edge is — and the measurements become a
 * preset of blob-like (Perlin) and line-like (scratch) defects whose ranges cover what was measured, with a margin.
 * CL-Flow then trains on twins that look like the defects this line actually has.
 */
import { DEFAULT_PLACEMENT } from './presets.js';
import { parseParams, type DefectKind, type SynthesisParams } from './params.js';

/** One confirmed defect: the image (RGB8, channels-last) and its mask (1 = defect), same size. */
export interface DefectSample {
  readonly width: number;
  readonly height: number;
  readonly rgb: Uint8Array;
  readonly mask: Uint8Array;
}

export interface DefectMeasurement {
  /** Mask area as a fraction of the image. */
  readonly area: number;
  /** Major / minor axis of the mask's inertia ellipse. */
  readonly aspect: number;
  /** Major axis length as a fraction of the diagonal, and mean width as a fraction of the short side. */
  readonly length: number;
  readonly width: number;
  readonly lineLike: boolean;
  /** Mean change inside vs the surrounding ring, fraction of full scale (negative = darker), and the colour spread. */
  readonly offset: number;
  readonly tint: number;
  /** Edge change / interior change (1 = a hard edge, near 0 = a soft one). */
  readonly edgeSharpness: number;
}

function moments(s: DefectSample): { n: number; cx: number; cy: number; l1: number; l2: number } {
  let n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (let y = 0; y < s.height; y++) for (let x = 0; x < s.width; x++) if (s.mask[y * s.width + x]) (n++, (sx += x), (sy += y), (sxx += x * x), (syy += y * y), (sxy += x * y));
  if (n === 0) throw new Error('defect mask is empty');
  const cx = sx / n, cy = sy / n;
  const a = sxx / n - cx * cx + 1 / 12, b = sxy / n - cx * cy, c = syy / n - cy * cy + 1 / 12;
  const d = Math.sqrt(((a - c) / 2) ** 2 + b * b);
  return { n, cx, cy, l1: (a + c) / 2 + d, l2: Math.max(1e-6, (a + c) / 2 - d) };
}

/** Mean RGB over pixels where `pick` holds. */
function meanRgb(s: DefectSample, pick: (x: number, y: number) => boolean): [number, number, number] | null {
  const acc = [0, 0, 0];
  let n = 0;
  for (let y = 0; y < s.height; y++) for (let x = 0; x < s.width; x++) if (pick(x, y)) ((n++), [0, 1, 2].forEach((ch) => (acc[ch]! += s.rgb[(y * s.width + x) * 3 + ch]!)));
  return n ? (acc.map((v) => v / n) as [number, number, number]) : null;
}

/** Distance (in px, Chebyshev) of each pixel to the mask, capped at `cap`; 0 inside. */
function distanceToMask(s: DefectSample, cap: number): Uint8Array {
  const d = new Uint8Array(s.width * s.height).fill(cap);
  for (let i = 0; i < d.length; i++) if (s.mask[i]) d[i] = 0;
  for (let k = 1; k < cap; k++) {
    for (let y = 0; y < s.height; y++) for (let x = 0; x < s.width; x++) {
      const i = y * s.width + x;
      if (d[i]! <= k) continue;
      const near = (x > 0 && d[i - 1] === k - 1) || (x + 1 < s.width && d[i + 1] === k - 1) || (y > 0 && d[i - s.width] === k - 1) || (y + 1 < s.height && d[i + s.width] === k - 1);
      if (near) d[i] = k;
    }
  }
  return d;
}

export function measureDefect(s: DefectSample): DefectMeasurement {
  const m = moments(s);
  const short = Math.min(s.width, s.height);
  const length = 4 * Math.sqrt(m.l1);
  const widthPx = m.n / length;
  const ring = Math.max(3, Math.round(0.03 * short));
  const dist = distanceToMask(s, ring + 1);
  const at = (x: number, y: number) => dist[y * s.width + x]!;
  const inside = meanRgb(s, (x, y) => at(x, y) === 0)!;
  const around = meanRgb(s, (x, y) => at(x, y) >= 2 && at(x, y) <= ring) ?? inside;
  const delta = inside.map((v, ch) => (v - around[ch]!) / 255);
  const offset = (delta[0]! + delta[1]! + delta[2]!) / 3;
  const tint = Math.max(...delta.map((v) => Math.abs(v - offset)));
  // Edge pixels (inside, next to the outside) against the interior: a soft stain changes its rim less than its core.
  const edge = meanRgb(s, (x, y) => at(x, y) === 0 && [[1, 0], [-1, 0], [0, 1], [0, -1]].some(([dx, dy]) => { const nx = x + dx!, ny = y + dy!; return nx >= 0 && ny >= 0 && nx < s.width && ny < s.height && at(nx, ny) > 0; }));
  const core = meanRgb(s, (x, y) => at(x, y) === 0 && (x < 2 || y < 2 || x >= s.width - 2 || y >= s.height - 2 || [[2, 0], [-2, 0], [0, 2], [0, -2]].every(([dx, dy]) => at(x + dx!, y + dy!) === 0)));
  const change = (p: number[] | null) => (p ? Math.abs(p.reduce((a, v, ch) => a + v - around[ch]!, 0) / 3) : 0);
  const edgeSharpness = core && change(core) > 0.5 ? Math.min(1, change(edge) / change(core)) : 1;
  return {
    area: m.n / (s.width * s.height),
    aspect: Math.sqrt(m.l1 / m.l2),
    length: length / Math.hypot(s.width, s.height),
    width: widthPx / short,
    lineLike: Math.sqrt(m.l1 / m.l2) >= 4 && widthPx / short <= 0.03,
    offset,
    tint,
    edgeSharpness,
  };
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
/** [min, max] of `values` widened by `margin` (relative), clamped to [lo, hi] and at least `minSpan` apart. */
function spread(values: readonly number[], margin: number, lo: number, hi: number): [number, number] {
  const a = clamp(Math.min(...values) * (1 - margin), lo, hi);
  const b = clamp(Math.max(...values) * (1 + margin), lo, hi);
  return a <= b ? [a, b] : [b, a];
}
function offsets(ms: readonly DefectMeasurement[]): [number, number] {
  const v = ms.map((m) => m.offset);
  const pad = 0.25 * Math.max(0.01, Math.max(...v.map(Math.abs)));
  return [clamp(Math.min(...v) - pad, -1, 1), clamp(Math.max(...v) + pad, -1, 1)];
}
function blendOf(ms: readonly DefectMeasurement[]): DefectKind['blend'] {
  const soft = ms.filter((m) => m.edgeSharpness < 0.6).length > ms.length / 2;
  return { mode: 'normal', opacity: [0.85, 1], feather: soft ? [0.008, 0.02] : [0, 0.004], poisson: false };
}

/** A preset whose defects cover the measured ones (blob-like and line-like kinds, weighted by how many of each). */
export function presetFromMeasurements(ms: readonly DefectMeasurement[]): SynthesisParams {
  if (ms.length === 0) throw new Error('no defects to learn from');
  const blobs = ms.filter((m) => !m.lineLike);
  const lines = ms.filter((m) => m.lineLike);
  const kinds: DefectKind[] = [];
  if (blobs.length) {
    kinds.push({
      weight: blobs.length,
      shape: { kind: 'perlin', area: spread(blobs.map((m) => m.area), 0.3, 0.00005, 0.5), aspect: spread(blobs.map((m) => m.aspect), 0.2, 0.1, 10), angle: [-180, 180], scale: [1.5, 4], octaves: 3, roughness: 0.5 },
      content: { source: 'shift', intensity: offsets(blobs), tint: clamp(Math.max(...blobs.map((m) => m.tint)) * 1.2, 0, 1), gain: [1, 1] },
      blend: blendOf(blobs),
    });
  }
  if (lines.length) {
    kinds.push({
      weight: lines.length,
      shape: { kind: 'scratch', length: spread(lines.map((m) => m.length), 0.25, 0.01, 1), width: spread(lines.map((m) => m.width), 0.25, 0.0005, 0.05), curvature: [0, 40], angle: [-180, 180] },
      content: { source: 'shift', intensity: offsets(lines), tint: clamp(Math.max(...lines.map((m) => m.tint)) * 1.2, 0, 1), gain: [1, 1] },
      blend: blendOf(lines),
    });
  }
  return parseParams({ count: [1, 1], defects: kinds, placement: DEFAULT_PLACEMENT });
}
