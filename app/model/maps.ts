/**
 * Anomaly-map files. Two forms:
 * - PNG, 8-bit grey, for display: value = clamp(255 · map / (2 · reject)), so the reject threshold is mid-grey;
 * - `.f16` (raw float16, row-major (H, W), preceded by a 16-byte header `FSMAP1\n\0` + uint32 H + uint32 W) for
 *   exact values (pixel metrics, overlays with another scale); values beyond ±65504 are stored as ±65504.
 */
import fs from 'node:fs';
import sharp from 'sharp';
import { writeFileAtomic } from '../core/atomic-write.js';
import { AppError } from '../core/errors.js';
import { decodeFloat16, encodeFloat16 } from './features/float16.js';

const MAGIC = Buffer.from('FSMAP1\n\0', 'latin1');
const MAX_HALF = 65504;

export async function writeMapPng(file: string, map: Float32Array, width: number, height: number, reject: number): Promise<void> {
  const scale = reject > 0 ? 255 / (2 * reject) : 255;
  const px = Buffer.alloc(width * height);
  for (let i = 0; i < px.length; i++) px[i] = Math.max(0, Math.min(255, Math.round(map[i] * scale)));
  const png = await sharp(px, { raw: { width, height, channels: 1 } }).png().toBuffer();
  writeFileAtomic(file, png);
}

export function writeMapF16(file: string, map: Float32Array, width: number, height: number): void {
  const head = Buffer.alloc(16);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(height, 8);
  head.writeUInt32LE(width, 12);
  // float16 tops out at 65504: a far-off anomaly saturates there instead of becoming Infinity (which no metric or
  // colour map can use).
  const body = encodeFloat16(map.map((v) => (v > MAX_HALF ? MAX_HALF : v < -MAX_HALF ? -MAX_HALF : v)));
  writeFileAtomic(file, [head, new Uint8Array(body.buffer, body.byteOffset, body.byteLength)]);
}

export function readMapF16(file: string): { width: number; height: number; map: Float32Array } {
  return decodeMapF16(fs.readFileSync(file), file);
}

/** A `.f16` map file's bytes (already read, e.g. bounded) decoded; `file` names it in errors. */
export function decodeMapF16(buf: Buffer, file: string): { width: number; height: number; map: Float32Array } {
  if (buf.length < 16 || !buf.subarray(0, 8).equals(MAGIC)) throw new AppError('invalid_file', `${file}: not a Flowspect map file`, { file });
  const height = buf.readUInt32LE(8);
  const width = buf.readUInt32LE(12);
  if (buf.length !== 16 + 2 * width * height) throw new AppError('invalid_file', `${file}: truncated map (${width}×${height})`, { file });
  const half = new Uint16Array(width * height);
  new Uint8Array(half.buffer).set(buf.subarray(16));
  return { width, height, map: decodeFloat16(half) };
}
