/** An RGB image `(H, W, 3)` in linear-ish [0, 1] floats, plus the helpers the renderers share. */
export interface Canvas {
  readonly width: number;
  readonly height: number;
  readonly rgb: Float32Array;
}

export type Rgb = readonly [number, number, number];

export function makeCanvas(width: number, height: number): Canvas {
  return { width, height, rgb: new Float32Array(width * height * 3) };
}

export const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

export function smoothstep(e0: number, e1: number, x: number): number {
  const t = clamp01((x - e0) / (e1 - e0));
  return t * t * (3 - 2 * t);
}

/** Mixes `color` into pixel i with opacity `alpha`. */
export function blendPixel(c: Canvas, i: number, color: Rgb, alpha: number): void {
  const o = i * 3;
  c.rgb[o] += (color[0] - c.rgb[o]) * alpha;
  c.rgb[o + 1] += (color[1] - c.rgb[o + 1]) * alpha;
  c.rgb[o + 2] += (color[2] - c.rgb[o + 2]) * alpha;
}

/** Multiplies pixel i by `factor` (all channels). */
export function scalePixel(c: Canvas, i: number, factor: number): void {
  const o = i * 3;
  c.rgb[o] *= factor;
  c.rgb[o + 1] *= factor;
  c.rgb[o + 2] *= factor;
}

/** Quantises to 8-bit interleaved RGB for encoding. */
export function toRgb8(c: Canvas): Buffer {
  const out = Buffer.alloc(c.rgb.length);
  for (let i = 0; i < c.rgb.length; i++) out[i] = Math.round(clamp01(c.rgb[i]) * 255);
  return out;
}

/** A binary mask `(H, W)`: 1 = defect. */
export type Mask = Uint8Array;

export function maskToGray8(mask: Mask): Buffer {
  const out = Buffer.alloc(mask.length);
  for (let i = 0; i < mask.length; i++) out[i] = mask[i] ? 255 : 0;
  return out;
}
