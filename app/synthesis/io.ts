/**
 * Reading the synthesis inputs: images, masks and texture folders. Every file this module cannot use (unreadable,
 * not an image, a mask of the wrong size, an empty texture folder) is an AppError invalid_file naming it: they are
 * all files the user chose.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import sharp, { type Metadata } from 'sharp';
import { FileReadError, readBoundedFile } from '../core/bounded-read.js';
import { AppError } from '../core/errors.js';
import { decodeFailureReason, openImage } from '../core/image-decode.js';
import type { SynthesisParams } from './params.js';
import type { BinaryMap, Raster } from './raster.js';

/** A file's bytes read bounded (regular file, size limit), or the buffer given; the error names the file. */
async function inputBytes(input: string | Buffer): Promise<Buffer> {
  if (typeof input !== 'string') return input;
  try {
    return await readBoundedFile(input, 'image');
  } catch (err) {
    if (err instanceof FileReadError) throw new AppError('invalid_file', `${input}: cannot be read as an image (${err.reason})`);
    throw err;
  }
}

/**
 * Image files ↔ rasters through sharp, keeping what the file has: grey stays grey (1 channel, or 2 with alpha),
 * 16-bit stays 16-bit. Files are read bounded and decoded with the strict settings import and training use.
 */
export async function decodeImage(
  input: string | Buffer,
  options: { size?: { width: number; height: number }; maxSide?: number } = {},
): Promise<Raster> {
  const label = typeof input === 'string' ? input : 'image buffer';
  const bytes = await inputBytes(input);
  let meta: Metadata;
  try {
    meta = await openImage(bytes).metadata();
  } catch (err) {
    throw new AppError('invalid_file', `${label}: cannot be read as an image (${decodeFailureReason(err)})`);
  }
  const sixteen = meta.depth === 'ushort' || meta.depth === 'short';
  const grey = meta.channels === 1 || meta.channels === 2 || meta.space === 'b-w' || meta.space === 'grey16';
  let pipeline = openImage(bytes).rotate();
  if (options.size) pipeline = pipeline.resize(options.size.width, options.size.height, { fit: 'fill' });
  else if (options.maxSide) pipeline = pipeline.resize(options.maxSide, options.maxSide, { fit: 'inside', withoutEnlargement: true });
  // libvips' 8-bit 'b-w' output drops alpha, so grey + alpha is read as 16-bit and scaled back down (exact: ×257).
  const greyAlpha8 = grey && !sixteen && meta.hasAlpha === true;
  const wide = sixteen || greyAlpha8;
  pipeline = pipeline.toColourspace(grey ? (wide ? 'grey16' : 'b-w') : sixteen ? 'rgb16' : 'srgb');
  let decoded;
  try {
    decoded = await pipeline.raw({ depth: wide ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new AppError('invalid_file', `${label}: cannot be read as an image (${decodeFailureReason(err)})`);
  }
  const { data, info } = decoded;
  const channels = info.channels as Raster['channels'];
  let pixels: Uint8Array | Uint16Array = wide ? new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length)) : new Uint8Array(data);
  if (greyAlpha8) pixels = Uint8Array.from(pixels, (v) => Math.round(v / 257));
  return { width: info.width, height: info.height, channels, bitDepth: sixteen ? 16 : 8, data: pixels };
}

/** Lossless PNG of a raster (8- or 16-bit, grey or colour, with or without alpha). */
export async function encodePng(r: Raster): Promise<Buffer> {
  const grey = r.channels <= 2;
  return sharp(r.data, { raw: { width: r.width, height: r.height, channels: r.channels } })
    .toColourspace(grey ? (r.bitDepth === 16 ? 'grey16' : 'b-w') : r.bitDepth === 16 ? 'rgb16' : 'srgb')
    .png()
    .toBuffer();
}

/** 8-bit grey PNG of a mask (0 / 255). */
export async function encodeMaskPng(m: BinaryMap): Promise<Buffer> {
  return sharp(m.data, { raw: { width: m.width, height: m.height, channels: 1 } }).toColourspace('b-w').png().toBuffer();
}

/**
 * Reads a mask image (any format) as a binary map: 1 where the first channel is ≥ half scale. With `resize` a mask of
 * another size is scaled (nearest neighbour) to width × height; otherwise a size mismatch is an error.
 */
export async function decodeMask(input: string | Buffer, width: number, height: number, resize = false): Promise<BinaryMap> {
  const label = typeof input === 'string' ? input : 'mask';
  let r = await decodeImage(input);
  if (r.width !== width || r.height !== height) {
    if (!resize) throw new AppError('invalid_file', `${label}: mask is ${r.width}×${r.height}, image is ${width}×${height}`);
    const { data, info } = await sharp(await encodePng(r)).resize(width, height, { fit: 'fill', kernel: 'nearest' }).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    r = { width: info.width, height: info.height, channels: 1, bitDepth: 8, data: new Uint8Array(data.buffer, data.byteOffset, width * height) };
  }
  const half = r.bitDepth === 16 ? 32768 : 128;
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = r.data[i * r.channels] >= half ? 1 : 0;
  return { width, height, data: out };
}

const TEXTURE_EXT = new Set(['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.webp', '.bmp']);

/** Loads every image of a texture folder (at most `limit`, sorted by name so the seed → texture mapping is stable). */
export async function loadTextures(folder: string, limit = 64): Promise<Raster[]> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (err) {
    throw new AppError('invalid_file', `texture folder '${folder}': cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const files = names.filter((n) => TEXTURE_EXT.has(path.extname(n).toLowerCase())).sort().slice(0, limit);
  if (files.length === 0) throw new AppError('invalid_file', `texture folder '${folder}': contains no images (${[...TEXTURE_EXT].join(', ')})`);
  return Promise.all(files.map((f) => decodeImage(path.join(folder, f))));
}

/** Recently loaded texture folders (previews reload the same folder on every slider move). */
const textureCache = new Map<string, Promise<Raster[]>>();

/**
 * Loads the texture folders named by a parameter set's texture contents, keyed by folder. Folders are cached until
 * their listing changes (the folder's mtime).
 */
export async function loadTexturesFor(params: SynthesisParams): Promise<Record<string, Raster[]>> {
  const folders = new Set<string>();
  for (const d of params.defects) if (d.content.source === 'texture') folders.add(d.content.folder);
  const out: Record<string, Raster[]> = {};
  for (const f of folders) {
    const mtime = await stat(f).then((s) => s.mtimeMs, () => -1);
    const key = `${mtime}:${f}`;
    let p = textureCache.get(key);
    if (!p) {
      p = loadTextures(f);
      textureCache.set(key, p);
      p.catch(() => textureCache.delete(key));
      while (textureCache.size > 8) textureCache.delete(textureCache.keys().next().value!);
    }
    out[f] = await p;
  }
  return out;
}

/** True when some defect kind may take CutPaste patches from another image (so donors are worth loading). */
export function wantsDonors(params: SynthesisParams): boolean {
  return params.defects.some((d) => d.content.source === 'cutpaste' && d.content.otherImage > 0);
}
