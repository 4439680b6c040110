import sharp from 'sharp';
import type { AnomalyMap } from '../model/map-files.js';
import { colormapIndex, colormapLut, type ColormapName } from '../core/colormap.js';
import { ReportError } from './errors.js';

/** Value range mapped onto the colour map: `lo` and below is transparent, `hi` and above is the hottest colour. */
export interface HeatScale {
  readonly lo: number;
  readonly hi: number;
}

export interface OverlayOptions {
  /** Longest side of the output pictures, in pixels. */
  readonly size: number;
  readonly scale: HeatScale;
  readonly colourMap?: ColormapName;
  /** Opacity of the hottest colour (cooler values fade towards transparent so the part stays visible). */
  readonly maxAlpha?: number;
  readonly quality?: number;
  /** Only this part of the image (and the matching part of the map), in image pixels: a close-up of a region. */
  readonly region?: PixelBox;
}

/** A rectangle in image pixels. */
export interface PixelBox {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** The part of `map` under `box` of an image of size imageWidth × imageHeight (the map may be coarser). */
export function cropMap(map: AnomalyMap, box: PixelBox, imageWidth: number, imageHeight: number): AnomalyMap {
  const sx = map.width / imageWidth;
  const sy = map.height / imageHeight;
  const x0 = Math.max(0, Math.floor(box.left * sx));
  const y0 = Math.max(0, Math.floor(box.top * sy));
  const x1 = Math.min(map.width, Math.max(x0 + 1, Math.ceil((box.left + box.width) * sx)));
  const y1 = Math.min(map.height, Math.max(y0 + 1, Math.ceil((box.top + box.height) * sy)));
  const data = new Float32Array((x1 - x0) * (y1 - y0));
  for (let y = y0; y < y1; y++) data.set(map.data.subarray(y * map.width + x0, y * map.width + x1), (y - y0) * (x1 - x0));
  return { data, width: x1 - x0, height: y1 - y0 };
}

export interface OverlayPictures {
  /** The part itself, JPEG data URI. */
  readonly image: string;
  /** The part with its heatmap over it, JPEG data URI. */
  readonly overlay: string;
  readonly width: number;
  readonly height: number;
}

const dataUri = (buf: Buffer, mime: string): string => `data:${mime};base64,${buf.toString('base64')}`;

/**
 * Composes the report's gallery pictures: the image (any channels or bit depth, alpha flattened onto white) scaled
 * to `size`, and the same picture with the anomaly map — upsampled bilinearly to the picture — drawn in a perceptual
 * colour map whose opacity grows with the anomaly value.
 */
export async function composeOverlay(imageFile: string, map: AnomalyMap | null, options: OverlayOptions): Promise<OverlayPictures> {
  let base: { data: Buffer; info: { width: number; height: number } };
  try {
    let picture = sharp(imageFile, { limitInputPixels: 1 << 28 });
    if (options.region) {
      const { width: w = 0, height: h = 0 } = await picture.metadata();
      if (map) map = cropMap(map, options.region, w, h);
      picture = sharp(imageFile, { limitInputPixels: 1 << 28 }).extract(options.region);
    }
    base = await picture
      .flatten({ background: '#ffffff' })
      .resize(options.size, options.size, { fit: 'inside', withoutEnlargement: false })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new ReportError('invalid_file', `image ${imageFile}: ${(err as Error).message}`);
  }
  const { width, height } = base.info;
  const quality = options.quality ?? 78;
  const encode = (rgb: Buffer) => sharp(rgb, { raw: { width, height, channels: 3 } }).jpeg({ quality, mozjpeg: true }).toBuffer();
  const image = dataUri(await encode(base.data), 'image/jpeg');
  if (!map) return { image, overlay: image, width, height };

  // Map → 8-bit indices at its own size, then a bilinear resize to the picture (sharp does the interpolation).
  // The same value → colour rule as the UI's heatmap (app/core/colormap.ts); an infinite value is the hottest.
  const { lo, hi } = options.scale;
  const idx = Buffer.alloc(map.width * map.height);
  for (let i = 0; i < idx.length; i++) {
    const v = map.data[i]!;
    idx[i] = Number.isNaN(v) ? 0 : colormapIndex(v, lo, hi);
  }
  const resized = await sharp(idx, { raw: { width: map.width, height: map.height, channels: 1 } })
    .resize(width, height, { fit: 'fill', kernel: 'linear' })
    .toColourspace('b-w') // one channel out; sharp would otherwise hand back three
    .raw()
    .toBuffer();
  if (resized.length !== width * height) throw new ReportError('internal', `heatmap resize gave ${resized.length} values for ${width}x${height}`);
  const lut = colormapLut(options.colourMap ?? 'inferno');
  const maxAlpha = options.maxAlpha ?? 0.7;
  const out = Buffer.alloc(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    const t = resized[p]!;
    // Alpha ramps in over the lower third so faint background responses do not veil the part.
    const a = maxAlpha * Math.min(1, (t / 255) * 1.5);
    for (let c = 0; c < 3; c++) out[p * 3 + c] = Math.round(base.data[p * 3 + c]! * (1 - a) + lut[t * 3 + c]! * a);
  }
  return { image, overlay: dataUri(await encode(out), 'image/jpeg'), width, height };
}
