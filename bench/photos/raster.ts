/**
 * Plain typed-array images for the photo suite: 8-bit RGB, channels last, (H, W, 3) row-major — what sharp's
 * `.raw()` gives — plus a seeded random source and the few pixel operations the builder and the defects share.
 */
import sharp from 'sharp';
import { mulberry32 } from '../../app/core/mulberry32.js';

export interface Rgb {
  readonly width: number;
  readonly height: number;
  /** (H, W, 3), row-major. */
  readonly data: Uint8Array;
}

/** Seeded random numbers (mulberry32, the app's generator; only the helpers are ours). */
export class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  /** Uniform in [0, 1). */
  unit(): number {
    return this.next();
  }
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  /** Integer in [lo, hi] (both included). */
  int(lo: number, hi: number): number {
    return lo + Math.floor((hi - lo + 1) * this.next());
  }
  sign(): number {
    return this.next() < 0.5 ? -1 : 1;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(items.length * this.next())];
  }
  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}

/** A seed for item `index` of stream `salt` under `seed` (well mixed, so neighbouring seeds do not correlate). */
export function subSeed(seed: number, salt: number, index = 0): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(salt + 0x632be5ab, 0xc2b2ae35) ^ Math.imul(index + 0x27d4eb2f, 0x165667b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}

export async function decodeRgb(input: string | Buffer, name = typeof input === 'string' ? input : 'image'): Promise<Rgb> {
  try {
    const { data, info } = await sharp(input, { limitInputPixels: 16384 * 16384 }).autoOrient().flatten({ background: '#000' }).toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded ${info.channels} channels`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (err) {
    throw new Error(`photo suite: cannot decode ${name}: ${(err as Error).message}`);
  }
}

/** Cuts `w × h` at (`left`, `top`) and resizes it to `outW × outH` (lanczos3; no resize when sizes match). */
export async function cropResize(img: Rgb, left: number, top: number, w: number, h: number, outW: number, outH: number): Promise<Rgb> {
  let s = sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), { raw: { width: img.width, height: img.height, channels: 3 } }).extract({ left, top, width: w, height: h });
  if (w !== outW || h !== outH) s = s.resize(outW, outH, { fit: 'fill', kernel: 'lanczos3' });
  const { data, info } = await s.raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/**
 * One of the 8 symmetries of the square: `k` quarter turns (clockwise) after an optional horizontal flip. Square
 * images only when `k` is odd.
 */
export function dihedral(img: Rgb, k: number, flip: boolean): Rgb {
  const { width: w, height: h, data } = img;
  const turns = ((k % 4) + 4) % 4;
  if (turns % 2 === 1 && w !== h) throw new Error('dihedral: quarter turns need a square image');
  const out = new Uint8Array(data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sx = flip ? w - 1 - x : x;
      let dx = sx;
      let dy = y;
      for (let t = 0; t < turns; t++) {
        const nx = h - 1 - dy; // clockwise quarter turn of a square image
        dy = dx;
        dx = nx;
      }
      const si = (y * w + x) * 3;
      const di = (dy * w + dx) * 3;
      out[di] = data[si];
      out[di + 1] = data[si + 1];
      out[di + 2] = data[si + 2];
    }
  }
  return { width: w, height: h, data: out };
}

export async function writePng(file: string, img: Rgb): Promise<void> {
  await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), { raw: { width: img.width, height: img.height, channels: 3 } }).png({ compressionLevel: 6 }).toFile(file);
}

/** A (H, W) 0 / 1 mask as a 0 / 255 greyscale PNG (the MVTec AD convention). */
export async function writeMaskPng(file: string, mask: Uint8Array, width: number, height: number): Promise<void> {
  const grey = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) grey[i] = mask[i] ? 255 : 0;
  await sharp(Buffer.from(grey.buffer), { raw: { width, height, channels: 1 } }).toColourspace('b-w').png({ compressionLevel: 6 }).toFile(file);
}

/** Float (H, W, 3) copy of an 8-bit image. */
export function toFloat(img: Rgb): Float32Array {
  return Float32Array.from(img.data);
}

/** Bilinear sample of channel `c` of an (H, W, 3) image (float or 8-bit) at (x, y), clamped to the border. */
export function bilinear(src: ArrayLike<number>, w: number, h: number, x: number, y: number, c: number): number {
  const cx = Math.min(Math.max(x, 0), w - 1);
  const cy = Math.min(Math.max(y, 0), h - 1);
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = Math.min(x0 + 1, w - 1);
  const y1 = Math.min(y0 + 1, h - 1);
  const fx = cx - x0;
  const fy = cy - y0;
  const a = src[(y0 * w + x0) * 3 + c];
  const b = src[(y0 * w + x1) * 3 + c];
  const d = src[(y1 * w + x0) * 3 + c];
  const e = src[(y1 * w + x1) * 3 + c];
  return (a * (1 - fx) + b * fx) * (1 - fy) + (d * (1 - fx) + e * fx) * fy;
}

/** Separable Gaussian blur of a float (H, W, 3) image (σ in pixels, border clamped). */
export function gaussianBlur(src: Float32Array, w: number, h: number, sigma: number): Float32Array {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  const tmp = new Float32Array(src.length);
  const out = new Float32Array(src.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (let i = -r; i <= r; i++) acc += k[i + r] * src[(y * w + Math.min(Math.max(x + i, 0), w - 1)) * 3 + c];
        tmp[(y * w + x) * 3 + c] = acc;
      }
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (let i = -r; i <= r; i++) acc += k[i + r] * tmp[(Math.min(Math.max(y + i, 0), h - 1) * w + x) * 3 + c];
        out[(y * w + x) * 3 + c] = acc;
      }
    }
  }
  return out;
}

export function smoothstep(e0: number, e1: number, x: number): number {
  const t = Math.min(Math.max((x - e0) / (e1 - e0), 0), 1);
  return t * t * (3 - 2 * t);
}
