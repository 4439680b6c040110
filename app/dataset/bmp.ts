/**
 * A minimal Windows BMP decoder (sharp has no BMP loader; BTAD ships BMPs): uncompressed 8-bit palette, 24-bit and
 * 32-bit (BI_RGB or BI_BITFIELDS with the usual masks), bottom-up or top-down. Returns interleaved RGB(A) bytes.
 */
import { AppError } from '../core/errors.js';

export interface DecodedBmp {
  readonly width: number;
  readonly height: number;
  readonly channels: 3 | 4;
  readonly data: Buffer;
}

export const isBmp = (buf: Buffer) => buf.length >= 2 && buf[0] === 0x42 && buf[1] === 0x4d;

/** Decodes a BMP file's bytes; a file it cannot read is an AppError invalid_file with the reason (the caller names the file). */
export function decodeBmp(buf: Buffer, maxPixels: number): DecodedBmp {
  if (buf.length < 54) throw new AppError('invalid_file', 'truncated BMP header');
  const dataOffset = buf.readUInt32LE(10);
  const headerSize = buf.readUInt32LE(14);
  if (headerSize < 40) throw new AppError('invalid_file', `unsupported BMP header (size ${headerSize})`);
  const width = buf.readInt32LE(18);
  const rawHeight = buf.readInt32LE(22);
  const bpp = buf.readUInt16LE(28);
  const compression = buf.readUInt32LE(30);
  const height = Math.abs(rawHeight);
  const topDown = rawHeight < 0;
  if (width <= 0 || height === 0) throw new AppError('invalid_file', `invalid BMP size ${width}x${rawHeight}`);
  if (width * height > maxPixels) throw new AppError('invalid_file', `image is ${width}x${height} = ${width * height} pixels, over the limit of ${maxPixels}`);
  if (![8, 24, 32].includes(bpp)) throw new AppError('invalid_file', `unsupported BMP bit depth ${bpp}`);
  if (!(compression === 0 || (compression === 3 && bpp === 32))) throw new AppError('invalid_file', `unsupported BMP compression ${compression}`);
  const stride = Math.ceil((width * bpp) / 32) * 4;
  if (dataOffset + stride * height > buf.length) throw new AppError('invalid_file', 'truncated BMP pixel data');
  const channels = bpp === 32 ? 4 : 3;
  const out = Buffer.alloc(width * height * channels);
  const paletteOffset = 14 + headerSize;
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      if (bpp === 8) {
        const p = paletteOffset + buf[row + x] * 4;
        if (p + 3 > buf.length) throw new AppError('invalid_file', 'BMP palette index out of range');
        out[o] = buf[p + 2];
        out[o + 1] = buf[p + 1];
        out[o + 2] = buf[p];
      } else {
        const s = row + x * (bpp / 8);
        out[o] = buf[s + 2];
        out[o + 1] = buf[s + 1];
        out[o + 2] = buf[s];
        if (channels === 4) out[o + 3] = buf[s + 3];
      }
    }
  }
  return { width, height, channels, data: out };
}

/** Encodes RGB bytes as a 24-bit bottom-up BMP (used by tests to build BTAD fixtures). */
export function encodeBmp24(width: number, height: number, rgb: Buffer): Buffer {
  const stride = Math.ceil((width * 3) / 4) * 4;
  const buf = Buffer.alloc(54 + stride * height);
  buf.write('BM', 0, 'ascii');
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(54, 10);
  buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(width, 18);
  buf.writeInt32LE(height, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(24, 28);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 3;
      const d = 54 + (height - 1 - y) * stride + x * 3;
      buf[d] = rgb[s + 2];
      buf[d + 1] = rgb[s + 1];
      buf[d + 2] = rgb[s];
    }
  return buf;
}
