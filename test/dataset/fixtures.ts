import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { encodeBmp24 } from '../../app/dataset/bmp.js';

/** Distinct small RGB pixels for image number `n` (so no two fixtures share a sha256). */
export function pattern(n: number, w = 32, h = 32, channels = 3): Buffer {
  const buf = Buffer.alloc(w * h * channels);
  for (let i = 0; i < buf.length; i++) buf[i] = (i * 7 + n * 31 + ((i * n) % 13)) & 0xff;
  return buf;
}

export async function png(n: number, w = 32, h = 32): Promise<Buffer> {
  return sharp(pattern(n, w, h), { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
}

export async function maskPng(w = 32, h = 32, value = 255): Promise<Buffer> {
  const m = Buffer.alloc(w * h);
  for (let y = 8; y < 16; y++) for (let x = 8; x < 20; x++) m[y * w + x] = value;
  return sharp(m, { raw: { width: w, height: h, channels: 1 } }).toColourspace('b-w').png().toBuffer();
}

export const bmp = (n: number, w = 32, h = 32) => encodeBmp24(w, h, pattern(n, w, h));

export function put(file: string, data: Buffer | string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
}

/** MVTec AD: one category, 3 train good, 1 test good, 2 defects (one mask the wrong size), a stray file. */
export async function makeMvtec(root: string): Promise<void> {
  const c = path.join(root, 'widget');
  for (let i = 0; i < 3; i++) put(path.join(c, 'train/good', `00${i}.png`), await png(i));
  put(path.join(c, 'test/good/000.png'), await png(10));
  put(path.join(c, 'test/crack/000.png'), await png(11));
  put(path.join(c, 'ground_truth/crack/000_mask.png'), await maskPng());
  put(path.join(c, 'test/crack/001.png'), await png(12));
  put(path.join(c, 'ground_truth/crack/001_mask.png'), await maskPng(16, 16));
  put(path.join(c, 'license.txt'), 'CC BY-NC-SA');
}

/** BTAD: product 01 with BMP and PNG files and a ko mask matched by stem. */
export async function makeBtad(root: string): Promise<void> {
  const p = path.join(root, '01');
  put(path.join(p, 'train/ok/0000.bmp'), bmp(20));
  put(path.join(p, 'train/ok/0001.png'), await png(21));
  put(path.join(p, 'test/ok/0002.bmp'), bmp(22));
  put(path.join(p, 'test/ko/0003.bmp'), bmp(23));
  put(path.join(p, 'ground_truth/ko/0003.png'), await maskPng(32, 32, 1));
}

/** VisA: a split CSV naming images and masks relative to the root. */
export async function makeVisa(root: string): Promise<void> {
  put(path.join(root, 'candle/Data/Images/Normal/000.JPG'), await sharp(pattern(30), { raw: { width: 32, height: 32, channels: 3 } }).jpeg().toBuffer());
  put(path.join(root, 'candle/Data/Images/Normal/001.JPG'), await sharp(pattern(31), { raw: { width: 32, height: 32, channels: 3 } }).jpeg().toBuffer());
  put(path.join(root, 'candle/Data/Images/Anomaly/002.JPG'), await sharp(pattern(32), { raw: { width: 32, height: 32, channels: 3 } }).jpeg().toBuffer());
  put(path.join(root, 'candle/Data/Masks/Anomaly/002.png'), await maskPng());
  put(
    path.join(root, 'split_csv/1cls.csv'),
    [
      'object,split,label,image,mask',
      'candle,train,normal,candle/Data/Images/Normal/000.JPG,',
      'candle,test,normal,candle/Data/Images/Normal/001.JPG,',
      'candle,test,anomaly,candle/Data/Images/Anomaly/002.JPG,candle/Data/Masks/Anomaly/002.png',
      'candle,test,weird,candle/Data/Images/Normal/001.JPG,',
      '',
    ].join('\r\n'),
  );
}

/** Grayscale, 16-bit, alpha, TIFF, WebP and BMP images: all must import with their metadata. */
export async function makeVariants(root: string): Promise<void> {
  const raw = (n: number, channels: number) => ({ raw: { width: 32, height: 32, channels: channels as 1 | 2 | 3 | 4 } });
  put(path.join(root, 'good/gray8.png'), await sharp(pattern(40, 32, 32, 1), raw(40, 1)).toColourspace('b-w').png().toBuffer());
  put(path.join(root, 'good/gray16.png'), await sharp(pattern(41, 32, 32, 1), raw(41, 1)).toColourspace('grey16').png().toBuffer());
  put(path.join(root, 'good/rgba.png'), await sharp(pattern(42, 32, 32, 4), raw(42, 4)).png().toBuffer());
  put(path.join(root, 'good/photo.tiff'), await sharp(pattern(43), raw(43, 3)).tiff().toBuffer());
  put(path.join(root, 'good/photo.webp'), await sharp(pattern(44), raw(44, 3)).webp({ lossless: true }).toBuffer());
  put(path.join(root, 'good/scan.bmp'), bmp(45));
  put(path.join(root, 'scratch/a.png'), await png(46));
  put(path.join(root, 'masks/a.png'), await maskPng());
}

/**
 * At least twenty kinds of bad files in a generic folder, each with the reason the report must give. Returns
 * the expected reasons by file name.
 */
export async function makeBadCorpus(root: string): Promise<Record<string, RegExp>> {
  const good = path.join(root, 'good');
  const valid = await png(60);
  const jpeg = await sharp(pattern(61, 64, 64), { raw: { width: 64, height: 64, channels: 3 } }).jpeg().toBuffer();
  const webp = await sharp(pattern(62, 64, 64), { raw: { width: 64, height: 64, channels: 3 } }).webp().toBuffer();
  const tiff = await sharp(pattern(63, 64, 64), { raw: { width: 64, height: 64, channels: 3 } }).tiff().toBuffer();
  // Incompressible pixels, so the PNG is bigger than the byte limit the test sets.
  const noise = randomBytes(400 * 400 * 3);
  const files: Record<string, [Buffer | string, RegExp]> = {
    'zero-bytes.png': [Buffer.alloc(0), /empty file \(0 bytes\)/],
    'truncated.png': [valid.subarray(0, Math.floor(valid.length / 2)), /truncated|corrupt|cannot decode/],
    'truncated.jpg': [jpeg.subarray(0, Math.floor(jpeg.length / 2)), /truncated|corrupt|cannot decode/],
    'truncated.webp': [webp.subarray(0, Math.floor(webp.length / 2)), /truncated|corrupt|cannot decode|not an image/],
    'truncated.tiff': [tiff.subarray(0, Math.floor(tiff.length / 2)), /truncated|corrupt|cannot decode|not an image/],
    'soi-only.jpg': [Buffer.from([0xff, 0xd8, 0xff]), /truncated|corrupt|cannot decode|not an image/],
    'header-only.png': [valid.subarray(0, 33), /truncated|corrupt|cannot decode|not an image/],
    'text.png': ['this is not an image\n', /not an image/],
    'page.jpg': ['<!doctype html><html><body>404</body></html>', /not an image/],
    'random.png': [Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 97 + 13) & 0xff)), /not an image/],
    'pdf.tif': ['%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n', /not an image|unsupported format/],
    'vector.png': ['<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>', /unsupported format "svg"/],
    'animated.png': [await sharp(pattern(64, 8, 8), { raw: { width: 8, height: 8, channels: 3 } }).gif().toBuffer(), /unsupported format "gif"/],
    'bad-crc.png': [Buffer.concat([valid.subarray(0, 29), Buffer.from([0, 0, 0, 0]), valid.subarray(33)]), /corrupt|cannot decode|truncated|not an image/],
    'scrambled-idat.png': [Buffer.concat([valid.subarray(0, 45), Buffer.alloc(valid.length - 57, 0x5a), valid.subarray(valid.length - 12)]), /corrupt|cannot decode|truncated/],
    'garbage.bmp': [Buffer.concat([Buffer.from('BM'), Buffer.alloc(20, 7)]), /cannot decode BMP: truncated BMP header/],
    'cut.bmp': [bmp(65).subarray(0, 400), /cannot decode BMP: truncated BMP pixel data/],
    'one-bit.bmp': [(() => { const b = bmp(66); b.writeUInt16LE(1, 28); return b; })(), /unsupported BMP bit depth 1/],
    'huge.bmp': [(() => { const b = bmp(67); b.writeInt32LE(100000, 18); b.writeInt32LE(100000, 22); return b; })(), /over the limit/],
    'bomb.png': [await sharp({ create: { width: 3000, height: 3000, channels: 3, background: '#000' } }).png({ compressionLevel: 9 }).toBuffer(), /pixel limit|over the limit/],
    'too-big.png': [await sharp(noise, { raw: { width: 400, height: 400, channels: 3 } }).png().toBuffer(), /bytes, over the limit of 300000/],
  };
  const expected: Record<string, RegExp> = {};
  for (const [name, [data, reason]] of Object.entries(files)) {
    put(path.join(good, name), data);
    expected[name] = reason;
  }
  fs.symlinkSync(path.join(root, 'nowhere.png'), path.join(good, 'dangling.png'));
  expected['dangling.png'] = /broken link: ENOENT/;
  execFileSync('mkfifo', [path.join(good, 'pipe.png')]);
  expected['pipe.png'] = /not a regular file/;
  // A healthy image and its exact copy: one import, one duplicate, neither a failure.
  put(path.join(good, 'fine.png'), valid);
  put(path.join(good, 'fine-copy.png'), valid);
  // Masks that cannot be used: the defect image still imports, with a warning.
  put(path.join(root, 'dent/d1.png'), await png(70));
  put(path.join(root, 'masks/d1.png'), await maskPng(8, 8));
  put(path.join(root, 'dent/d2.png'), await png(71));
  put(path.join(root, 'masks/d2.png'), 'not a mask');
  put(path.join(root, 'dent/d3.png'), await png(72));
  put(path.join(root, 'masks/d3.png'), Buffer.alloc(0));
  put(path.join(root, 'README.md'), 'not an image and not image-named: skipped silently');
  return expected;
}
