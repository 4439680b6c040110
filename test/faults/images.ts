/**
 * Broken and hostile images for the fault tests, generated from real sharp output at test time: a JPEG whose
 * entropy-coded data is corrupt (libvips: "Corrupt JPEG data"), a PNG whose header claims a decompression bomb's
 * size, truncated and garbage files.
 */
import zlib from 'node:zlib';
import sharp from 'sharp';
import { mulberry32 } from '../../app/core/mulberry32.js';

/** A textured RGB test image, deterministic per seed. */
export function texture(seed: number, width = 64, height = 64): Buffer {
  const rand = mulberry32(seed);
  const px = Buffer.alloc(width * height * 3);
  for (let i = 0; i < px.length; i++) px[i] = 90 + Math.floor(60 * Math.sin(i * 0.013 + seed)) + Math.floor(20 * rand());
  return px;
}

export const png = (seed: number, size = 64): Promise<Buffer> => sharp(texture(seed, size, size), { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
export const jpeg = (seed: number, size = 128): Promise<Buffer> => sharp(texture(seed, size, size), { raw: { width: size, height: size, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();

/**
 * A real JPEG with two bytes in the middle of its entropy-coded data flipped into a restart marker (FF D3) the
 * file never declared: libjpeg warns "Corrupt JPEG data: premature end of data segment" and, unless warnings are
 * fatal, decodes grey garbage for the rest of the scan.
 */
export async function corruptJpeg(seed: number): Promise<Buffer> {
  const bytes = Buffer.from(await jpeg(seed));
  let sos = -1;
  for (let i = 2; i < bytes.length - 1; i++) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0xda) {
      sos = i;
      break;
    }
  }
  if (sos < 0) throw new Error('corruptJpeg: no start-of-scan marker');
  const scan = sos + 2 + bytes.readUInt16BE(sos + 2);
  const mid = Math.floor((scan + bytes.length - 2) / 2);
  bytes[mid] = 0xff;
  bytes[mid + 1] = 0xd3;
  return bytes;
}

/** A small valid PNG whose IHDR claims width × height (CRC fixed), so only the header says "bomb". */
export async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const bytes = Buffer.from(await png(5, 8));
  // Signature (8) + IHDR length (4) + "IHDR" (4): width and height follow, then the CRC over type + data.
  bytes.writeUInt32BE(width, 16);
  bytes.writeUInt32BE(height, 20);
  bytes.writeUInt32BE(zlib.crc32(bytes.subarray(12, 29)) >>> 0, 29);
  return bytes;
}
