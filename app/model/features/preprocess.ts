/**
 * Image preprocessing for the backbones: any image sharp can read → (3, H, W) float32 RGB in [0, 255].
 *
 * Policy (documented in the README, "Preprocessing and the feature cache"):
 * - EXIF orientation is applied first, so features match what the user sees;
 * - grayscale becomes three equal channels; alpha is flattened onto black (transparent pixels carry no defect
 *   evidence, and black is what a letterbox border is too); 16-bit samples are reduced to 8 bit;
 * - resize to the training size with `fit: 'stretch'` (default: fills the frame, aspect ratio not kept — parts are
 *   usually framed the same way in every image) or `fit: 'letterbox'` (aspect kept, black borders).
 * The normalisation to the backbone's range happens inside the backbone's ONNX graph.
 */
import { FileReadError, readBoundedFile } from '../../core/bounded-read.js';
import { AppError } from '../../core/errors.js';
import { openImage } from '../../core/image-decode.js';

export type FitPolicy = 'stretch' | 'letterbox';

export interface PreprocessOptions {
  readonly width: number;
  readonly height: number;
  readonly fit: FitPolicy;
}

export const DEFAULT_PREPROCESS: PreprocessOptions = { width: 256, height: 256, fit: 'stretch' };

/** Bumped whenever the pixels this module produces change for the same options (invalidates cached features). */
const PREPROCESS_VERSION = 1;

/** Stable text identifying the preprocessing, part of the feature-cache key. */
export function preprocessKey(opts: PreprocessOptions): string {
  return `v${PREPROCESS_VERSION};${opts.fit};${opts.width}x${opts.height};lanczos3;alpha=black`;
}

export function validatePreprocess(opts: PreprocessOptions): void {
  for (const [name, v] of [['width', opts.width], ['height', opts.height]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 8192) throw new Error(`preprocess: ${name} must be an integer in [1, 8192], got ${v}`);
  }
  if (opts.fit !== 'stretch' && opts.fit !== 'letterbox') throw new Error(`preprocess: fit must be 'stretch' or 'letterbox', got ${String(opts.fit)}`);
}

/** An 8-bit RGB image, channels-last (H, W, 3). */
export interface Rgb8 {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/**
 * Decodes, orients, converts and resizes one image (a file is read bounded; the decode is the strict one import
 * uses, so training never meets a file import would have refused). `name` is used in error messages.
 */
export async function loadRgb8(input: string | Buffer, opts: PreprocessOptions, name = typeof input === 'string' ? input : 'image'): Promise<Rgb8> {
  validatePreprocess(opts);
  return decodeRgb8(input, name, opts);
}

/**
 * The same decode at the image's own resolution (no resize): what tiled models cut into tiles
 * (app/model/tiling.ts). At most `maxPixels` (default 64 Mpx: an 8192² part), so one file cannot exhaust memory.
 */
export async function loadRgb8Native(input: string | Buffer, name = typeof input === 'string' ? input : 'image', maxPixels = 8192 * 8192): Promise<Rgb8> {
  return decodeRgb8(input, name, undefined, maxPixels);
}

async function decodeRgb8(input: string | Buffer, name: string, resize: PreprocessOptions | undefined, maxPixels?: number): Promise<Rgb8> {
  try {
    const bytes = typeof input === 'string' ? await readBoundedFile(input, 'image') : input;
    let img = openImage(bytes);
    if (maxPixels !== undefined) {
      const m = await img.metadata();
      if ((m.width ?? 0) * (m.height ?? 0) > maxPixels) throw new Error(`${m.width}×${m.height} is more than ${maxPixels} pixels`);
      img = openImage(bytes);
    }
    img = img.autoOrient().flatten({ background: { r: 0, g: 0, b: 0 } }).toColourspace('srgb');
    if (resize) {
      img = img.resize(resize.width, resize.height, {
        fit: resize.fit === 'stretch' ? 'fill' : 'contain',
        background: { r: 0, g: 0, b: 0, alpha: 1 },
        kernel: 'lanczos3',
      });
    }
    const { data, info } = await img.removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || (resize && (info.width !== resize.width || info.height !== resize.height))) {
      throw new Error(`unexpected decoded layout ${info.width}×${info.height}×${info.channels}`);
    }
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (err) {
    throw new AppError('invalid_file', `preprocess: cannot read ${name}: ${err instanceof FileReadError ? err.reason : (err as Error).message}`, { file: name });
  }
}

/** Writes (H, W, 3) uint8 as (3, H, W) float32 into `out` at element `offset` (one image of an (N, 3, H, W) batch). */
export function rgb8ToChw(img: Rgb8, out: Float32Array, offset = 0): void {
  const plane = img.width * img.height;
  if (out.length < offset + 3 * plane) throw new Error('preprocess: output buffer too small');
  const src = img.data;
  for (let p = 0, i = 0; p < plane; p++, i += 3) {
    out[offset + p] = src[i];
    out[offset + plane + p] = src[i + 1];
    out[offset + 2 * plane + p] = src[i + 2];
  }
}

/** Preprocesses a batch into one (N, 3, H, W) float32 tensor buffer. */
export async function preprocessBatch(inputs: readonly (string | Buffer)[], opts: PreprocessOptions, signal?: AbortSignal): Promise<Float32Array> {
  const plane = 3 * opts.width * opts.height;
  const out = new Float32Array(inputs.length * plane);
  for (let i = 0; i < inputs.length; i++) {
    signal?.throwIfAborted();
    rgb8ToChw(await loadRgb8(inputs[i], opts), out, i * plane);
  }
  return out;
}
