/**
 * Reading one image file for import: bounded read (app/core/bounded-read.ts), sha256, then the strict decode every
 * consumer shares (app/core/image-decode.ts), metadata, thumbnail and perceptual hash. The bytes are hashed before
 * anything is decoded, so the importer can skip a file it already holds without decoding it again.
 */
import { createHash } from 'node:crypto';
import sharp, { type Metadata, type OutputInfo, type Sharp } from 'sharp';
import { FileReadError, readBoundedFile, type FileKind } from '../core/bounded-read.js';
import { AppError } from '../core/errors.js';
import { DEFAULT_MAX_PIXELS, decodeFailureReason, openImage } from '../core/image-decode.js';
import { decodeBmp, isBmp } from './bmp.js';

/** Limits that protect an import from hostile or broken files. */
export interface ReadLimits {
  /** Largest decoded image, in pixels (decompression bombs are refused before decoding). */
  readonly maxPixels: number;
  /** Largest file, in bytes; default: the image limit of app/core/bounded-read.ts (FLOWSPECT_MAX_FILE_MB…). */
  readonly maxFileBytes?: number;
}

export const DEFAULT_LIMITS: ReadLimits = { maxPixels: DEFAULT_MAX_PIXELS };
export const THUMBNAIL_SIZE = 256;
const ACCEPTED_FORMATS = new Set(['png', 'jpeg', 'webp', 'tiff', 'bmp']);

/**
 * Why one file cannot be used; the message is shown to the user as is. An AppError invalid_file, so one that is not
 * caught and listed (the importer's report) still reaches the user as their file's problem, not as internal.
 */
export class RejectedFile extends AppError {
  constructor(message: string) {
    super('invalid_file', message);
    this.name = 'RejectedFile';
  }
}

export interface InspectedImage {
  readonly sha256: string;
  readonly bytes: Buffer;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly bitDepth: number;
  readonly format: string;
  /** WebP, longest side at most 256 px. */
  readonly thumbnail: Buffer;
  /** 64-bit difference hash (16 hex digits) for near-duplicate search. */
  readonly phash: string;
  /** A PNG re-encoding when the original cannot be read by sharp later (BMP); stored instead of the original. */
  readonly storedPng: Buffer | null;
}

const DEPTH_BITS: Record<string, number> = { uchar: 8, char: 8, ushort: 16, short: 16, uint: 32, int: 32, float: 32, complex: 64, double: 64, dpcomplex: 128 };

/** The file's bytes, bounded; a refusal becomes a RejectedFile with the reason (the report names the file). */
async function readBytes(file: string, limits: ReadLimits, kind: FileKind = 'image'): Promise<Buffer> {
  try {
    return await readBoundedFile(file, kind, { maxBytes: limits.maxFileBytes });
  } catch (err) {
    if (err instanceof FileReadError) throw new RejectedFile(err.reason);
    throw err;
  }
}

/** An image file's bytes and their sha256, read but not decoded. */
export interface ImageFileBytes {
  readonly bytes: Buffer;
  readonly sha256: string;
}

export async function readImageFile(file: string, limits: ReadLimits = DEFAULT_LIMITS): Promise<ImageFileBytes> {
  const bytes = await readBytes(file, limits);
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

const decodeReason = (err: unknown, limits: ReadLimits): string => decodeFailureReason(err, { maxPixels: limits.maxPixels });

/** Opens bytes with sharp under the limits, decoding BMP ourselves. */
function open(bytes: Buffer, limits: ReadLimits): { image: Sharp; bmp: boolean } {
  if (isBmp(bytes)) {
    let bmp;
    try {
      bmp = decodeBmp(bytes, limits.maxPixels);
    } catch (err) {
      throw new RejectedFile(`cannot decode BMP: ${(err as Error).message}`);
    }
    return { image: sharp(bmp.data, { raw: { width: bmp.width, height: bmp.height, channels: bmp.channels } }), bmp: true };
  }
  return { image: openImage(bytes, { maxPixels: limits.maxPixels }), bmp: false };
}

/** Difference hash: 9x8 grey thumbnail, one bit per horizontal neighbour comparison. */
async function differenceHash(thumbnail: Buffer): Promise<string> {
  const px = await sharp(thumbnail).greyscale().resize(9, 8, { fit: 'fill' }).raw().toBuffer();
  let hex = '';
  for (let y = 0; y < 8; y++) {
    let byte = 0;
    for (let x = 0; x < 8; x++) byte = (byte << 1) | (px[y * 9 + x] < px[y * 9 + x + 1] ? 1 : 0);
    hex += byte.toString(16).padStart(2, '0');
  }
  return hex;
}

/**
 * Reads, hashes, validates and thumbnails one image file. Every failure becomes a RejectedFile with a reason.
 * Grayscale, 16-bit and alpha images are accepted as they are; their metadata is recorded.
 */
export async function inspectImage(file: string, limits: ReadLimits = DEFAULT_LIMITS): Promise<InspectedImage> {
  return inspectImageBytes(await readImageFile(file, limits), limits);
}

/** {@link inspectImage} for bytes already read and hashed (the importer checks the hash for a duplicate first). */
export async function inspectImageBytes({ bytes, sha256 }: ImageFileBytes, limits: ReadLimits = DEFAULT_LIMITS): Promise<InspectedImage> {
  const { image, bmp } = open(bytes, limits);
  let meta: Metadata;
  try {
    meta = await image.metadata();
  } catch (err) {
    throw new RejectedFile(decodeReason(err, limits));
  }
  const format = bmp ? 'bmp' : String(meta.format);
  if (!ACCEPTED_FORMATS.has(format)) throw new RejectedFile(`unsupported format "${format}" (accepted: PNG, JPEG, WebP, TIFF, BMP)`);
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width <= 0 || height <= 0) throw new RejectedFile(`invalid image size ${width}x${height}`);
  if (width * height > limits.maxPixels) {
    throw new RejectedFile(`image is ${width}x${height} = ${width * height} pixels, over the limit of ${limits.maxPixels} (decompression bomb?)`);
  }
  if ((meta.pages ?? 1) > 1 && format === 'tiff') {
    // Multi-page TIFFs are read as their first page; that is what a single-image dataset means.
  }
  let thumbnail: Buffer;
  let storedPng: Buffer | null = null;
  try {
    // Decoding the full image for the thumbnail is what exposes truncated or corrupt pixel data.
    thumbnail = await image
      .clone()
      .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
      // effort 0: the fastest WebP encoder setting; a 256 px thumbnail grows a little and import gets faster
      // (bench:import, issue 21). The thumbnail is for the grid, not for analysis.
      .webp({ quality: 80, effort: 0 })
      .toBuffer();
    if (bmp) storedPng = await image.clone().png().toBuffer();
  } catch (err) {
    throw new RejectedFile(decodeReason(err, limits));
  }
  return {
    sha256,
    bytes,
    width,
    height,
    channels: meta.channels ?? 0,
    bitDepth: DEPTH_BITS[meta.depth ?? 'uchar'] ?? 8,
    format,
    thumbnail,
    phash: await differenceHash(thumbnail),
    storedPng,
  };
}

/**
 * Reads a defect mask for an image of the given size and returns it as an 8-bit grey PNG with 0 / 255 values
 * (any non-zero source value counts as defect, so 0/1 and 0/255 masks both work), plus its defect-pixel count.
 */
export async function readMask(file: string, width: number, height: number, limits: ReadLimits = DEFAULT_LIMITS): Promise<{ png: Buffer; area: number }> {
  return normalizeMask(await readBytes(file, limits, 'mask'), width, height, limits);
}

/** {@link readMask} for bytes already in memory (a mask drawn in the app or sent through the API). */
export async function normalizeMask(bytes: Buffer, width: number, height: number, limits: ReadLimits = DEFAULT_LIMITS): Promise<{ png: Buffer; area: number }> {
  if (bytes.length === 0) throw new RejectedFile('empty file (0 bytes)');
  const { image } = open(bytes, limits);
  let raw: { data: Buffer; info: OutputInfo };
  try {
    const meta = await image.metadata();
    if (meta.width !== width || meta.height !== height) {
      throw new RejectedFile(`mask is ${meta.width}x${meta.height} but its image is ${width}x${height}`);
    }
    raw = await image.clone().extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    if (err instanceof RejectedFile) throw err;
    throw new RejectedFile(`mask: ${decodeReason(err, limits)}`);
  }
  const n = width * height;
  const wide = raw.data.length >= 2 * n;
  const out = Buffer.alloc(n);
  let area = 0;
  for (let i = 0; i < n; i++) {
    const v = wide ? raw.data.readUInt16LE(2 * i) : raw.data[i];
    if (v !== 0) {
      out[i] = 255;
      area++;
    }
  }
  const png = await sharp(out, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toBuffer();
  return { png, area };
}
