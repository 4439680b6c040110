import path from 'node:path';
import { decodeMapF16 } from './maps.js';
import { FileReadError, readBoundedFile } from '../core/bounded-read.js';
import { decodeFailureReason, openImage } from '../core/image-decode.js';
import { AppError } from '../core/errors.js';

/** One anomaly map `(H, W)`, row-major, higher = more anomalous. */
export interface AnomalyMap {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
}

function fromNpy(buf: Buffer, file: string): AnomalyMap {
  if (buf.length < 10 || buf.toString('latin1', 1, 6) !== 'NUMPY') throw new AppError('invalid_file', `${file}: not a .npy file`);
  const major = buf[6]!;
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = buf.toString('latin1', major === 1 ? 10 : 12, start);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1]?.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (/'fortran_order':\s*True/.test(header)) throw new AppError('invalid_file', `${file}: Fortran-ordered arrays are not supported`);
  if (!shape || shape.length < 2 || shape.slice(0, -2).some((d) => d !== 1)) {
    throw new AppError('invalid_file', `${file}: expected a map of shape (H, W) or (1, 1, H, W), got (${shape?.join(', ')})`);
  }
  const [height, width] = shape.slice(-2) as [number, number];
  const n = width * height;
  const body = buf.subarray(start);
  const data = new Float32Array(n);
  if (descr === '<f4') {
    if (body.length < n * 4) throw new AppError('invalid_file', `${file}: truncated (${body.length} bytes for ${n} float32 values)`);
    for (let i = 0; i < n; i++) data[i] = body.readFloatLE(i * 4);
  } else if (descr === '<f8') {
    if (body.length < n * 8) throw new AppError('invalid_file', `${file}: truncated (${body.length} bytes for ${n} float64 values)`);
    for (let i = 0; i < n; i++) data[i] = body.readDoubleLE(i * 8);
  } else if (descr === '<f2') {
    if (body.length < n * 2) throw new AppError('invalid_file', `${file}: truncated`);
    for (let i = 0; i < n; i++) data[i] = halfToFloat(body.readUInt16LE(i * 2));
  } else {
    throw new AppError('invalid_file', `${file}: unsupported dtype ${descr} (expected float16/32/64 little-endian)`);
  }
  return { data, width, height };
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Raw little-endian float32 of a square map (the side is inferred from the byte count). */
function fromRawFloat32(buf: Buffer, file: string): AnomalyMap {
  const n = buf.length / 4;
  const side = Math.round(Math.sqrt(n));
  if (!Number.isInteger(n) || side * side !== n || n === 0) {
    throw new AppError('invalid_file', `${file}: ${buf.length} bytes is not a square float32 map`);
  }
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = buf.readFloatLE(i * 4);
  return { data, width: side, height: side };
}

/** Greyscale PNG/TIFF map: values scaled to [0, 1] (8- or 16-bit). Only relative values survive such a file. */
async function fromImage(buf: Buffer, file: string): Promise<AnomalyMap> {
  let sixteen: boolean;
  try {
    sixteen = (await openImage(buf).metadata()).depth === 'ushort';
  } catch (err) {
    throw new AppError('invalid_file', `anomaly map ${file}: ${decodeFailureReason(err)}`);
  }
  // Without an explicit grey colourspace sharp converts to 8-bit sRGB and the 16-bit precision is lost.
  const { data, info } = await openImage(buf)
    .toColourspace(sixteen ? 'grey16' : 'b-w')
    .raw({ depth: sixteen ? 'ushort' : 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const out = new Float32Array(info.width * info.height);
  if (sixteen) {
    const u16 = new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + out.length * 2));
    for (let i = 0; i < out.length; i++) out[i] = u16[i]! / 65535;
  } else {
    for (let i = 0; i < out.length; i++) out[i] = data[i]! / 255;
  }
  return { data: out, width: info.width, height: info.height };
}

/**
 * Reads a stored anomaly map — the inference job's exact `.f16` files or its 8-bit display `.png`, and `.npy` or raw
 * `.f32` written by other tools — naming the file in any error.
 */
export async function readAnomalyMap(file: string): Promise<AnomalyMap> {
  let buf: Buffer;
  try {
    buf = await readBoundedFile(file, 'map');
  } catch (err) {
    const reason = err instanceof FileReadError ? err.reason : (err as Error).message;
    throw new AppError(/ENOENT/.test(reason) ? 'not_found' : 'invalid_file', `anomaly map ${file}: ${reason}`);
  }
  const ext = path.extname(file).toLowerCase();
  if (ext === '.f16') {
    try {
      const m = decodeMapF16(buf, file);
      return { data: m.map, width: m.width, height: m.height };
    } catch (err) {
      throw new AppError('invalid_file', `anomaly map ${(err as Error).message}`);
    }
  }
  if (ext === '.npy') return fromNpy(buf, file);
  if (ext === '.f32' || ext === '.bin' || ext === '.raw') return fromRawFloat32(buf, file);
  if (ext === '.png' || ext === '.tif' || ext === '.tiff') return fromImage(buf, file);
  throw new AppError('invalid_file', `anomaly map ${file}: unknown format "${ext}" (expected .f16, .png, .npy or .f32)`);
}

/** Writes a map as a float32 .npy (tests and fixtures). */
export function encodeNpyFloat32(map: AnomalyMap): Buffer {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${map.height}, ${map.width}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(map.data.buffer, map.data.byteOffset, map.data.byteLength)]);
}
