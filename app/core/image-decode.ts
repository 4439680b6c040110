/**
 * The one image decoder setting: import, training (the backbone preprocessing), synthesis and standalone scoring all
 * open image bytes through `openImage`, so a file that one of them cannot read is refused by all of them — above
 * all at import, where the user can still fix it. Strict means libvips' `failOn: 'warning'`: a JPEG whose
 * entropy-coded data is corrupt ("Corrupt JPEG data: premature end of data segment") is refused, not decoded into
 * grey garbage. `limitInputPixels` refuses decompression bombs from the header, before any pixel is decoded.
 * Only bytes are accepted (read with app/core/bounded-read.ts first), so sharp never opens a path itself.
 */
import sharp, { type Sharp, type SharpOptions } from 'sharp';
import { readBoundedFile } from './bounded-read.js';

/** Largest decoded image, in pixels (10 000 × 10 000). */
export const DEFAULT_MAX_PIXELS = 100_000_000;

export interface DecodeLimits {
  /** Largest decoded image, in pixels. */
  readonly maxPixels?: number;
}

/** sharp's input options for a strict, bounded decode. */
export function strictDecodeOptions(limits: DecodeLimits = {}): SharpOptions {
  return { failOn: 'warning', limitInputPixels: limits.maxPixels ?? DEFAULT_MAX_PIXELS };
}

/** A sharp pipeline over image bytes with the strict decode settings. */
export function openImage(bytes: Buffer, limits: DecodeLimits = {}): Sharp {
  return sharp(bytes, strictDecodeOptions(limits));
}

/** Reads an image file bounded (regular file, size limit) and opens it strictly. */
export async function openImageFile(file: string, limits: DecodeLimits = {}): Promise<Sharp> {
  return openImage(await readBoundedFile(file, 'image'), limits);
}

/** libvips' wording turned into a short reason for the user (one line). */
export function decodeFailureReason(err: unknown, limits: DecodeLimits = {}): string {
  const lines = ((err as Error).message ?? String(err)).split('\n').map((l) => l.trim()).filter(Boolean);
  // With failOn 'warning' the first line can be the generic "Warning treated as error due to failOn setting": the
  // data libvips warned about (a cut-off file, a bad chunk) is named on the lines after it, when at all.
  const failOn = lines.some((l) => /treated as error/i.test(l));
  const msg = lines.find((l) => !/treated as error/i.test(l)) ?? lines[0] ?? 'unknown error';
  if (/pixel limit/i.test(msg)) {
    return `image is larger than the limit of ${limits.maxPixels ?? DEFAULT_MAX_PIXELS} pixels (a decompression bomb?): ${msg}`;
  }
  if (/unsupported image format/i.test(msg)) return 'not an image (unrecognised content)';
  if (failOn || /premature end|truncated|unexpected end|not enough data|read error|out of order|corrupt/i.test(msg)) return `truncated or corrupt image data: ${msg}`;
  return `cannot decode: ${msg}`;
}
