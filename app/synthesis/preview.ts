import fs from 'node:fs';
import { decodeImage, decodeMask, encodeMaskPng, encodePng, loadTexturesFor, wantsDonors } from './io.js';
import type { SynthesisParams } from './params.js';
import { mixSeed } from './prng.js';
import type { BinaryMap, Raster } from './raster.js';
import { synthesize } from './synthesize.js';

export interface PreviewSource {
  /** Echoed back (an image id). */
  readonly id: number;
  readonly file: string;
  /** Ignore-mask image files for this image (any size; scaled to the image). */
  readonly ignoreFiles?: readonly string[];
}

export interface PreviewItem {
  readonly id: number;
  readonly width: number;
  readonly height: number;
  /** `data:image/png;base64,…` — the renderer puts it straight into an <img src>. */
  readonly image: string;
  readonly mask: string;
  readonly maskFraction: number;
  readonly defects: readonly { shape: string; content: string; x: number; y: number; w: number; h: number }[];
}

const dataUrl = (png: Buffer): string => `data:image/png;base64,${png.toString('base64')}`;

/**
 * Decoded preview images, most recent last. A slider drag sends many previews of the same few images: decoding them
 * once keeps each answer at synthesis speed (and lets the foreground estimate be cached with the raster).
 */
const decoded = new Map<string, Promise<Raster>>();
const DECODED_CAPACITY = 32;

function decodeCached(file: string, maxSide: number): Promise<Raster> {
  let stamp = '';
  try {
    const st = fs.statSync(file);
    stamp = `${st.mtimeMs}:${st.size}`;
  } catch {
    // Let decodeImage report the unreadable file.
  }
  const key = `${maxSide}:${stamp}:${file}`;
  let r = decoded.get(key);
  if (r) decoded.delete(key);
  else r = decodeImage(file, { maxSide });
  decoded.set(key, r);
  r.catch(() => decoded.delete(key));
  while (decoded.size > DECODED_CAPACITY) decoded.delete(decoded.keys().next().value!);
  return r;
}

/**
 * Live-preview samples: each image scaled to at most `maxSide` px, synthesized with seed mix(seed, id) (so one seed
 * shows different defects on different images, reproducibly), returned as PNG data URLs. The other images of the
 * request serve as CutPaste donors.
 */
export async function renderPreviews(sources: readonly PreviewSource[], params: SynthesisParams, seed: number, maxSide: number): Promise<PreviewItem[]> {
  const images = await Promise.all(sources.map((s) => decodeCached(s.file, maxSide)));
  const textures = await loadTexturesFor(params);
  const donorsWanted = wantsDonors(params);
  return Promise.all(
    sources.map(async (s, i) => {
      const img = images[i];
      const ignore = await unionOfMasks(s.ignoreFiles ?? [], img);
      const donors: Raster[] = donorsWanted ? images.filter((_, j) => j !== i) : [];
      const r = synthesize(img, params, mixSeed(seed, s.id), { donors, textures, ignore });
      const [png, mask] = await Promise.all([encodePng(r.image), encodeMaskPng(r.mask)]);
      let n = 0;
      for (const v of r.mask.data) if (v) n++;
      return {
        id: s.id,
        width: img.width,
        height: img.height,
        image: dataUrl(png),
        mask: dataUrl(mask),
        maskFraction: n / r.mask.data.length,
        defects: r.defects.map((d) => ({ shape: d.shape, content: d.content, x: d.region.x0, y: d.region.y0, w: d.region.w, h: d.region.h })),
      };
    }),
  );
}

async function unionOfMasks(files: readonly string[], img: Raster): Promise<BinaryMap | undefined> {
  if (files.length === 0) return undefined;
  const maps = await Promise.all(files.map((f) => decodeMask(f, img.width, img.height, true)));
  const data = new Uint8Array(img.width * img.height);
  for (const m of maps) for (let i = 0; i < data.length; i++) data[i] |= m.data[i];
  return { width: img.width, height: img.height, data };
}
