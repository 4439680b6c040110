/**
 * Real defects as training signal (issue: learn from confirmed defects). A labelled defect of split `train` with a
 * mask takes the place of a synthesized twin in some steps: its pixels and its mask go where the twin's were, so it
 * enters CL-Flow's contrastive terms exactly as synthesized defects do — masked vs unmasked NLL, the contrast with
 * the clean image of its slot (an unrelated clean image, since a real defect has no clean twin: it is contrasted with
 * the clean batch), and the image-level cross-entropy. `realDefectShare` sets how many twin slots they take.
 *
 * Which slots is a pure function of (seed, epoch, batch), so a resumed run replays the same schedule.
 */
import sharp from 'sharp';
import { AppError } from '../core/errors.js';
import { rasterisePolygons, type Polygon } from '../dataset/mask-input.js';
import { loadRgb8, type PreprocessOptions, rgb8ToChw } from '../model/features/preprocess.js';
import { seededRandom, subSeed } from '../model/flow/random.js';
import type { ImageAligner } from '../model/align-runner.js';
import type { TrainingDefect } from '../store/models.js';
import type { Project } from '../store/project.js';
import type { SynthesisBatch } from '../synthesis/index.js';
import { imageFile } from './data.js';
import type { TrainSettings } from './settings.js';
import { choosePlacement, cutDefectPatch, type DefectPatch, pastePatch } from './defect-transplant.js';

/** How a real defect enters a twin slot (the one definition is settings.ts `realDefectPlacement`). */
export type RealDefectPlacement = TrainSettings['realDefectPlacement'];

interface LoadedDefect {
  /** (3, H, W) in [0, 1], the synthesis batch's layout. */
  readonly pixels: Float32Array;
  /** (H, W), 1 = defect. */
  readonly mask: Float32Array;
  /** The defect cut out under its feathered mask, for transplanting. */
  readonly patch: DefectPatch;
}

export interface RealDefectOptions {
  readonly share: number;
  readonly seed: number;
  readonly placement: RealDefectPlacement;
}

async function maskAt(project: Project, d: TrainingDefect, opts: PreprocessOptions): Promise<Float32Array> {
  const source = d.maskPath ? imageFile(project, d.maskPath) : (await rasterisePolygons(JSON.parse(d.maskPolygonsJson!) as Polygon[], d.width, d.height)).png;
  const fit = opts.fit === 'stretch' ? 'fill' : 'contain';
  const { data } = await sharp(source).greyscale().resize(opts.width, opts.height, { fit, kernel: 'nearest', background: { r: 0, g: 0, b: 0 } }).raw().toBuffer({ resolveWithObject: true });
  return Float32Array.from(data, (v) => (v >= 128 ? 1 : 0));
}

/**
 * The mask in the aligned frame: aligned(p) = mask(p + shift), as the aligner moves the image (nearest pixel; what
 * comes in from outside the image is background).
 */
export function shiftMask(mask: Float32Array, width: number, height: number, shift: { readonly x: number; readonly y: number }): Float32Array {
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const sy = Math.round(y + shift.y);
    if (sy < 0 || sy >= height) continue;
    for (let x = 0; x < width; x++) {
      const sx = Math.round(x + shift.x);
      if (sx >= 0 && sx < width) out[y * width + x] = mask[sy * width + sx]!;
    }
  }
  return out;
}

export class RealDefects {
  private constructor(
    private readonly defects: readonly LoadedDefect[],
    private readonly options: RealDefectOptions,
    /** Textures: a transplanted defect lands anywhere, mirrored; aligned parts keep it in place. */
    private readonly moveable: boolean,
  ) {}

  get count(): number {
    return this.defects.length;
  }

  /**
   * Loads every training defect at the model's input size (once per run). With an aligner (aligned parts), each
   * defect is moved onto the reference like every training image, and its mask by the same shift, so the defect
   * stays under its mask in the frame the twins live in.
   */
  static async load(project: Project, defects: readonly TrainingDefect[], opts: PreprocessOptions, options: RealDefectOptions, aligner?: ImageAligner): Promise<RealDefects> {
    const loaded: LoadedDefect[] = [];
    const plane = opts.width * opts.height;
    for (const d of defects) {
      const rgb = await loadRgb8(imageFile(project, d.path), opts, `training defect ${d.id} (${d.path})`);
      let chw: Float32Array = new Float32Array(3 * plane);
      rgb8ToChw(rgb, chw);
      let mask = await maskAt(project, d, opts);
      if (aligner) {
        const aligned = await aligner.align(chw);
        chw = aligned.image;
        mask = shiftMask(mask, opts.width, opts.height, aligned.shift);
      }
      const pixels = chw.map((v) => Math.min(1, Math.max(0, v / 255)));
      const patch = cutDefectPatch(pixels, mask, opts.width, opts.height);
      if (!patch) throw new AppError('invalid_request', `training defect ${d.id} (${d.path}): its mask is empty at the model's input size${aligner ? ' after alignment' : ''}; draw a larger mask or move the image to split val or test`);
      loaded.push({ pixels, mask, patch });
    }
    return new RealDefects(loaded, options, !aligner);
  }

  /**
   * The batch with some twins replaced by real defects (a new batch; the input is not changed), and how many.
   * Each slot is replaced with probability `share`; the defect is drawn uniformly. 'as-is' puts the defect's own
   * image and mask in the slot; 'transplant' pastes the defect onto the slot's clean image (defect-transplant.ts).
   */
  splice(b: SynthesisBatch): { batch: SynthesisBatch; replaced: number } {
    const { share, seed, placement } = this.options;
    if (this.defects.length === 0 || share <= 0) return { batch: b, replaced: 0 };
    const rand = seededRandom(subSeed(seed, `real-defects:${b.epoch}:${b.index}`));
    const plane = b.size.width * b.size.height;
    const images = Float32Array.from(b.images);
    const masks = Float32Array.from(b.masks);
    let replaced = 0;
    for (let slot = 0; slot < b.sourceIndices.length; slot++) {
      const take = rand() < share;
      const which = Math.floor(rand() * this.defects.length);
      if (!take) continue;
      const d = this.defects[which]!;
      if (placement === 'as-is') {
        images.set(d.pixels, slot * 3 * plane);
        masks.set(d.mask, slot * plane);
      } else {
        this.transplant(d.patch, b, slot, images, masks, rand);
      }
      replaced++;
    }
    return { batch: { ...b, images, masks }, replaced };
  }

  /** Slot `slot` becomes its clean image with the patch pasted in, and the mask exactly the pasted pixels. */
  private transplant(p: DefectPatch, b: SynthesisBatch, slot: number, images: Float32Array, masks: Float32Array, rand: () => number): void {
    const { width, height } = b.size;
    const plane = width * height;
    const image = b.clean.slice(slot * 3 * plane, (slot + 1) * 3 * plane);
    const mask = new Float32Array(plane);
    pastePatch(p, choosePlacement(p, width, height, this.moveable, rand), image, mask, width, height);
    images.set(image, slot * 3 * plane);
    masks.set(mask, slot * plane);
  }
}
