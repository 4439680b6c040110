/**
 * Real defects cut out for the Synthesis view's side-by-side panel: each confirmed defect (labelled defect with a
 * mask) cropped to the square of app/core/defect-crop.ts around its mask, with the mask cut the same way, as PNG data
 * URLs an <img> shows directly — the same form as the synthesized previews beside them.
 */
import sharp from 'sharp';
import { readBoundedFile } from '../core/bounded-read.js';
import { defectSquare, insideImage, type PixelBox } from '../core/defect-crop.js';
import { AppError } from '../core/errors.js';
import { openImage } from '../core/image-decode.js';
import { imageFilePath } from '../store/images.js';
import type { Project } from '../store/project.js';
import { defectMaskSource, readConfirmedDefects, type ConfirmedDefect } from './confirmed-defects.js';

export interface DefectCrop {
  readonly imageId: number;
  readonly originalPath: string;
  readonly defectType: string | null;
  /** The cropped square in image pixels (the part inside the image). */
  readonly box: PixelBox;
  /** Mask area as a fraction of the whole image (comparable with a preview's maskFraction). */
  readonly area: number;
  readonly width: number;
  readonly height: number;
  readonly image: string;
  readonly mask: string;
}

const dataUrl = (png: Buffer): string => `data:image/png;base64,${png.toString('base64')}`;

/** Bounding box and pixel count of the mask's defect pixels (value ≥ 128). */
function maskBounds(grey: Uint8Array, width: number, height: number): { box: PixelBox; pixels: number } | null {
  let x0 = width, y0 = height, x1 = -1, y1 = -1, pixels = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (grey[y * width + x]! < 128) continue;
      pixels++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return pixels ? { box: { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 }, pixels } : null;
}

async function cropOne(project: Project, d: ConfirmedDefect, size: number): Promise<DefectCrop> {
  const maskRaw = await sharp(await defectMaskSource(project, d)).greyscale().resize(d.width, d.height, { fit: 'fill', kernel: 'nearest' }).raw().toBuffer();
  const bounds = maskBounds(maskRaw, d.width, d.height);
  if (!bounds) throw new AppError('invalid_request', `image ${d.id}: its defect mask is empty`);
  const box = insideImage(defectSquare(bounds.box, d.width, d.height), d.width, d.height);
  const region = { left: box.x, top: box.y, width: box.w, height: box.h };
  const fit = { width: size, height: size, fit: 'inside' as const, withoutEnlargement: true };
  let image: Buffer;
  try {
    const file = await readBoundedFile(imageFilePath(project, d), 'image');
    image = await openImage(file).flatten({ background: '#000000' }).toColourspace('srgb').extract(region).resize(fit).png().toBuffer();
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('invalid_file', `image ${d.id} (${d.originalPath}) cannot be read: ${(err as Error).message}`);
  }
  const mask = await sharp(maskRaw, { raw: { width: d.width, height: d.height, channels: 1 } })
    .extract(region).resize({ ...fit, kernel: 'nearest' }).threshold(128).png().toBuffer({ resolveWithObject: true });
  return {
    imageId: d.id,
    originalPath: d.originalPath,
    defectType: d.defectType,
    box,
    area: bounds.pixels / (d.width * d.height),
    width: mask.info.width,
    height: mask.info.height,
    image: dataUrl(image),
    mask: dataUrl(mask.data),
  };
}

/** Crops of the given confirmed defects, in order, each at most `size` px on its longer side (never enlarged). */
export async function loadDefectCrops(project: Project, imageIds: readonly number[], size: number): Promise<DefectCrop[]> {
  const defects = readConfirmedDefects(project, imageIds);
  return Promise.all(defects.map((d) => cropOne(project, d, size)));
}
