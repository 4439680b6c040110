/**
 * Training with alignment: the reference is a training image chosen by content (the smallest sha256, so it does not
 * depend on import order), and every training/validation image is aligned onto it once. The aligned copies are PNG
 * files in the project (`aligned/<key>/`), so the feature cache, the synthesis workers and a resumed run use them
 * like any image; the key covers the reference, the size, the preprocessing and the search range.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { alignGeometry } from '../model/align.js';
import { ImageAligner } from '../model/align-runner.js';
import { type PreprocessOptions, preprocessBatch, preprocessKey } from '../model/features/preprocess.js';
import type { SessionConfig } from '../runtime/index.js';
import { encodePng } from '../synthesis/index.js';
import type { FeatureImage } from './features.js';

/** Bumped when the aligned pixels change for the same inputs. */
const ALIGN_VERSION = 1;

export interface AlignmentReference {
  readonly sha256: string;
  /** Project-relative (or absolute) path, as stored for the image. */
  readonly path: string;
}

/** The training image every other image is aligned onto. */
export function chooseReference<T extends { sha256: string; path: string }>(train: readonly T[]): AlignmentReference {
  if (train.length === 0) throw new Error('alignment: no training images to choose a reference from');
  const ref = train.reduce((a, b) => (b.sha256 < a.sha256 ? b : a));
  return { sha256: ref.sha256, path: ref.path };
}

/** Creates the aligner for a model from its reference image file. */
export async function alignerFor(referenceFile: string, preprocess: PreprocessOptions, maxShift: number, session: SessionConfig): Promise<ImageAligner> {
  const geo = alignGeometry(preprocess.height, preprocess.width, maxShift);
  return ImageAligner.create(await preprocessBatch([referenceFile], preprocess), geo, session);
}

export interface AlignedCopies {
  readonly images: FeatureImage[];
  /** Shift magnitudes (pixels) of the images aligned in this call (cached copies are not re-measured). */
  readonly shifts: number[];
}

/**
 * Aligned PNG copies of `images` under `root`, reusing copies made before. Each copy gets its own cache identity
 * (sha256 of key + original sha256), so aligned and unaligned features never mix in the feature cache.
 */
export async function alignedCopies(
  aligner: ImageAligner,
  images: readonly FeatureImage[],
  o: { preprocess: PreprocessOptions; reference: AlignmentReference; maxShift: number; root: string; signal?: AbortSignal; progress?: (fraction: number) => void },
): Promise<AlignedCopies> {
  const key = createHash('sha256')
    .update(JSON.stringify({ v: ALIGN_VERSION, reference: o.reference.sha256, preprocess: preprocessKey(o.preprocess), maxShift: o.maxShift }))
    .digest('hex')
    .slice(0, 16);
  const dir = path.join(o.root, key);
  const { width: w, height: h } = o.preprocess;
  const out: FeatureImage[] = [];
  const shifts: number[] = [];
  for (let i = 0; i < images.length; i++) {
    o.signal?.throwIfAborted();
    const sha256 = createHash('sha256').update(`${key}:${images[i].sha256}`).digest('hex');
    const file = path.join(dir, `${sha256}.png`);
    if (!fs.existsSync(file)) {
      const r = await aligner.align(await preprocessBatch([images[i].file], o.preprocess));
      shifts.push(Math.hypot(r.shift.x, r.shift.y));
      const hwc = new Uint8Array(3 * w * h);
      for (let c = 0; c < 3; c++) for (let p = 0; p < w * h; p++) hwc[p * 3 + c] = Math.min(255, Math.max(0, Math.round(r.image[c * w * h + p])));
      writeFileAtomic(file, await encodePng({ width: w, height: h, channels: 3, bitDepth: 8, data: hwc }));
    }
    out.push({ file, sha256 });
    o.progress?.((i + 1) / images.length);
  }
  return { images: out, shifts };
}
