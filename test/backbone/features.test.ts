import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { FeatureCache, type FeatureKey, type TapFeatures } from '../../app/model/features/cache.js';
import { decodeFloat16, encodeFloat16, fromHalf, toHalf } from '../../app/model/features/float16.js';
import { loadRgb8, preprocessBatch, preprocessKey } from '../../app/model/features/preprocess.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-features-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A (H, W, C) uint8 image filled per pixel by `f(x, y)`. */
function raw(width: number, height: number, channels: 1 | 3 | 4, f: (x: number, y: number) => number[]): Buffer {
  const buf = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) buf.set(f(x, y), (y * width + x) * channels);
  return buf;
}

const px = (img: { width: number; data: Uint8Array }, x: number, y: number) => [...img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3)];

describe('preprocessing', () => {
  it('applies EXIF orientation before resizing', async () => {
    // 40×20, left half red, right half blue; orientation 6 = display rotated 90° clockwise → red on top.
    const jpeg = await sharp(raw(40, 20, 3, (x) => (x < 20 ? [255, 0, 0] : [0, 0, 255])), { raw: { width: 40, height: 20, channels: 3 } })
      .jpeg({ quality: 100 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const img = await loadRgb8(jpeg, { width: 32, height: 32, fit: 'stretch' });
    expect(px(img, 16, 2)[0]).toBeGreaterThan(200);
    expect(px(img, 16, 2)[2]).toBeLessThan(60);
    expect(px(img, 16, 29)[2]).toBeGreaterThan(200);
    expect(px(img, 16, 29)[0]).toBeLessThan(60);
  });

  it('turns 16-bit grayscale into three equal 8-bit channels', async () => {
    const values = new Uint16Array(16 * 16).fill(0x8080);
    // `depth` is read by sharp at run time but missing from its CreateRaw typing.
    const raw16 = { width: 16, height: 16, channels: 1 as const, depth: 'ushort' };
    const png = await sharp(Buffer.from(values.buffer), { raw: raw16 })
      .toColourspace('grey16')
      .png()
      .toBuffer();
    expect((await sharp(png).metadata()).depth).toBe('ushort');
    const img = await loadRgb8(png, { width: 32, height: 32, fit: 'stretch' });
    expect(img.data.length).toBe(32 * 32 * 3);
    for (let i = 0; i < img.data.length; i++) expect(Math.abs(img.data[i] - 128)).toBeLessThanOrEqual(1);
  });

  it('flattens alpha onto black', async () => {
    const png = await sharp(raw(32, 32, 4, (x) => (x < 16 ? [200, 100, 50, 0] : [200, 100, 50, 255])), { raw: { width: 32, height: 32, channels: 4 } }).png().toBuffer();
    const img = await loadRgb8(png, { width: 32, height: 32, fit: 'stretch' });
    expect(px(img, 2, 10)).toEqual([0, 0, 0]);
    expect(px(img, 30, 10)).toEqual([200, 100, 50]);
  });

  it('letterboxes keeping the aspect ratio, or stretches to fill', async () => {
    const png = await sharp(raw(64, 32, 3, () => [255, 255, 255]), { raw: { width: 64, height: 32, channels: 3 } }).png().toBuffer();
    const boxed = await loadRgb8(png, { width: 32, height: 32, fit: 'letterbox' });
    expect(px(boxed, 16, 1)).toEqual([0, 0, 0]);
    expect(px(boxed, 16, 16)).toEqual([255, 255, 255]);
    expect(px(boxed, 16, 30)).toEqual([0, 0, 0]);
    const stretched = await loadRgb8(png, { width: 32, height: 32, fit: 'stretch' });
    expect(px(stretched, 16, 1)).toEqual([255, 255, 255]);
    expect(preprocessKey({ width: 32, height: 32, fit: 'letterbox' })).not.toBe(preprocessKey({ width: 32, height: 32, fit: 'stretch' }));
  });

  it('writes an (N, 3, H, W) float32 batch in RGB order', async () => {
    const file = path.join(tmp, 'rgb.png');
    await sharp(raw(8, 4, 3, (x, y) => [10 * x, 10 * y, 7]), { raw: { width: 8, height: 4, channels: 3 } }).png().toFile(file);
    const batch = await preprocessBatch([file, file], { width: 8, height: 4, fit: 'stretch' });
    expect(batch.length).toBe(2 * 3 * 4 * 8);
    const at = (n: number, c: number, y: number, x: number) => batch[((n * 3 + c) * 4 + y) * 8 + x];
    expect([at(1, 0, 2, 5), at(1, 1, 2, 5), at(1, 2, 2, 5)]).toEqual([50, 20, 7]);
  });

  it('rejects a file that is not an image, naming it', async () => {
    const file = path.join(tmp, 'not-an-image.png');
    fs.writeFileSync(file, 'hello');
    await expect(loadRgb8(file, { width: 32, height: 32, fit: 'stretch' })).rejects.toThrow(/not-an-image\.png/);
    await expect(loadRgb8(file, { width: 0, height: 32, fit: 'stretch' })).rejects.toThrow(/width/);
  });
});

describe('float16', () => {
  it('encodes exactly representable and rounding cases', () => {
    expect(toHalf(1)).toBe(0x3c00);
    expect(toHalf(-2)).toBe(0xc000);
    expect(toHalf(65504)).toBe(0x7bff);
    expect(toHalf(65520)).toBe(0x7c00);
    expect(toHalf(2 ** -24)).toBe(1);
    expect(toHalf(2 ** -26)).toBe(0);
    expect(toHalf(0.1)).toBe(0x2e66);
    expect(toHalf(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(toHalf(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    expect(Number.isNaN(fromHalf(toHalf(NaN)))).toBe(true);
  });

  it('round-trips every finite half value', () => {
    const halves = new Uint16Array(65536).map((_, i) => i);
    const back = encodeFloat16(decodeFloat16(halves));
    const wrong = [];
    for (let i = 0; i < 65536; i++) if (((i >> 10) & 0x1f) !== 0x1f && back[i] !== i) wrong.push(i);
    expect(wrong).toEqual([]);
  });
});

describe('feature cache', () => {
  const key = (image: string, backbone = 'bb1'): FeatureKey => ({ imageSha256: image, backboneHash: backbone, preprocess: 'v1;stretch;32x32' });
  const taps = (seed: number): TapFeatures[] => [
    { name: 'a', shape: [4, 8, 8], data: Float32Array.from({ length: 256 }, (_, i) => Math.sin(i + seed) * 3) },
    { name: 'b', shape: [8, 4, 4], data: Float32Array.from({ length: 128 }, (_, i) => Math.cos(i * seed) * 0.01) },
  ];

  it('stores float16 features and misses on a different backbone or preprocessing', () => {
    const cache = new FeatureCache(path.join(tmp, 'c1'));
    cache.put(key('img1'), taps(1));
    const got = cache.get(key('img1'))!;
    expect(got.map((t) => [t.name, t.shape])).toEqual([['a', [4, 8, 8]], ['b', [8, 4, 4]]]);
    const want = taps(1);
    for (let t = 0; t < 2; t++) for (let i = 0; i < want[t].data.length; i++) {
      expect(Math.abs(got[t].data[i] - want[t].data[i])).toBeLessThanOrEqual(Math.abs(want[t].data[i]) * 2 ** -11 + 1e-7);
    }
    expect(cache.get(key('img1', 'bb2'))).toBeNull();
    expect(cache.get({ ...key('img1'), preprocess: 'v1;letterbox;32x32' })).toBeNull();
    expect(new FeatureCache(path.join(tmp, 'c1')).get(key('img1'))).not.toBeNull(); // persists across instances
  });

  it('evicts the least recently used entries beyond its bound', async () => {
    const dir = path.join(tmp, 'c2');
    const probe = new FeatureCache(dir);
    probe.put(key('probe'), taps(0));
    const entryBytes = probe.stats.bytes;
    probe.clear();
    const cache = new FeatureCache(dir, { maxBytes: entryBytes * 3.5 });
    for (const name of ['i1', 'i2', 'i3']) {
      cache.put(key(name), taps(1));
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(cache.get(key('i1'))).not.toBeNull(); // i1 becomes most recent, i2 is now the oldest
    await new Promise((r) => setTimeout(r, 5));
    cache.put(key('i4'), taps(1));
    expect(cache.stats.bytes).toBeLessThanOrEqual(entryBytes * 3.5);
    expect(cache.has(key('i2'))).toBe(false);
    expect(cache.get(key('i2'))).toBeNull();
    for (const name of ['i1', 'i3', 'i4']) expect(cache.get(key(name))).not.toBeNull();
  });

  it('treats a torn entry as a miss and cleans temp files of an interrupted write', () => {
    const dir = path.join(tmp, 'c3');
    const cache = new FeatureCache(dir);
    cache.put(key('img'), taps(2));
    const [sub] = fs.readdirSync(dir);
    const [file] = fs.readdirSync(path.join(dir, sub));
    const full = path.join(dir, sub, file);
    fs.truncateSync(full, fs.statSync(full).size - 10);
    fs.writeFileSync(`${full}.tmp-999-abcd`, 'partial');
    const reopened = new FeatureCache(dir);
    expect(fs.readdirSync(path.join(dir, sub)).some((n) => n.includes('.tmp-'))).toBe(false);
    expect(reopened.get(key('img'))).toBeNull();
    expect(fs.existsSync(full)).toBe(false);
    expect(() => reopened.put(key('bad'), [{ name: 'x', shape: [2, 2, 2], data: new Float32Array(7) }])).toThrow(/tap x/);
  });
});
