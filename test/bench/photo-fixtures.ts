/**
 * Small synthetic "photos" for the photo-suite tests, passed through sharp (PNG encode and decode) like the real
 * ones, so the tests need none of the Debian packages.
 */
import sharp from 'sharp';
import { decodeRgb, type Rgb, Rng } from '../../bench/photos/raster.js';

/**
 * A textured RGB image: a mid-grey base (80–200, so a 3 % change is visible in 8 bit) with a weave-like pattern,
 * blotches and per-pixel grain; `hue` tilts the colour.
 */
export async function syntheticPhoto(width: number, height: number, seed: number, hue: readonly [number, number, number] = [1, 0.9, 0.75]): Promise<Rgb> {
  const rng = new Rng(seed);
  const blobs = Array.from({ length: 12 }, () => ({ x: rng.range(0, width), y: rng.range(0, height), r: rng.range(8, 40), a: rng.range(-25, 25) }));
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = 140 + 18 * Math.sin(x * 0.7) * Math.sin(y * 0.55) + 10 * Math.sin((x + y) * 0.13);
      for (const b of blobs) v += b.a * Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (2 * b.r * b.r));
      v += 6 * rng.normal();
      for (let c = 0; c < 3; c++) raw[(y * width + x) * 3 + c] = Math.max(80, Math.min(200, Math.round(v * hue[c] + (1 - hue[c]) * 140)));
    }
  }
  const png = await sharp(raw, { raw: { width, height, channels: 3 } }).png().toBuffer();
  return decodeRgb(png, 'synthetic photo');
}

/** A saturated green image with grain (a donor that cannot be mistaken for the grey surfaces). */
export async function greenPhoto(width: number, height: number): Promise<Rgb> {
  const rng = new Rng(5);
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const n = 8 * rng.normal();
    raw[3 * i] = Math.round(40 + n);
    raw[3 * i + 1] = Math.round(180 + n);
    raw[3 * i + 2] = Math.round(60 + n);
  }
  return decodeRgb(await sharp(raw, { raw: { width, height, channels: 3 } }).png().toBuffer(), 'green photo');
}
