/**
 * Perceptual colour maps for anomaly heatmaps, shared by the report (app/report/overlay.ts) and the UI's heatmap
 * (renderer), so a part looks the same in both. 256-entry RGB lookup tables interpolated linearly between
 * matplotlib's viridis and inferno at ten evenly spaced anchors (which hit matplotlib's own ends exactly):
 * perceptually uniform, readable in greyscale print and by colour-blind readers, unlike a rainbow "jet" map.
 * Pure TS with no imports: the renderer bundles it.
 */
const ANCHORS = {
  viridis: ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725'],
  inferno: ['#000004', '#1b0c41', '#4a0c6b', '#781c6d', '#a52c60', '#cf4446', '#ed6925', '#fb9b06', '#f7d13d', '#fcffa4'],
} as const;

export type ColormapName = keyof typeof ANCHORS;
export const COLORMAPS = Object.keys(ANCHORS) as ColormapName[];

function hex(c: string): [number, number, number] {
  return [parseInt(c.slice(1, 3), 16), parseInt(c.slice(3, 5), 16), parseInt(c.slice(5, 7), 16)];
}

const cache = new Map<ColormapName, Uint8ClampedArray>();

/** (256, 3) RGB bytes of the named map, index 0 = lowest value. */
export function colormapLut(name: ColormapName = 'inferno'): Uint8ClampedArray {
  const hit = cache.get(name);
  if (hit) return hit;
  const stops = ANCHORS[name].map(hex);
  const out = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (stops.length - 1);
    const k = Math.min(stops.length - 2, Math.floor(t));
    const f = t - k;
    for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.round(stops[k]![c]! * (1 - f) + stops[k + 1]![c]! * f);
  }
  cache.set(name, out);
  return out;
}

/** The table index (0–255) of `value` on the scale [lo, hi]: linear, clamped at both ends. */
export function colormapIndex(value: number, lo: number, hi: number): number {
  const span = hi > lo ? hi - lo : 1;
  return Math.max(0, Math.min(255, Math.round(((value - lo) / span) * 255)));
}

/**
 * Colours a scalar map (H, W) row-major into RGBA (H, W, 4). Values are scaled linearly from [lo, hi] to the LUT;
 * NaN becomes transparent. `alpha` is the opacity of coloured pixels.
 */
export function colorize(values: ArrayLike<number>, lo: number, hi: number, name: ColormapName = 'inferno', alpha = 255): Uint8ClampedArray {
  const table = colormapLut(name);
  const out = new Uint8ClampedArray(values.length * 4);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    const k = colormapIndex(v, lo, hi);
    out[i * 4] = table[k * 3]!;
    out[i * 4 + 1] = table[k * 3 + 1]!;
    out[i * 4 + 2] = table[k * 3 + 2]!;
    out[i * 4 + 3] = alpha;
  }
  return out;
}

/** Recolours a greyscale map image (RGBA bytes, grey in the red channel) through the LUT. */
export function colorizeGrey(rgba: ArrayLike<number>, name: ColormapName = 'inferno', alpha = 255): Uint8ClampedArray {
  const n = rgba.length / 4;
  const grey = new Float32Array(n);
  for (let i = 0; i < n; i++) grey[i] = rgba[i * 4]!;
  return colorize(grey, 0, 255, name, alpha);
}
