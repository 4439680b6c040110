import { featherWeights, signedDistance } from './coverage.js';
import { AppError } from '../core/errors.js';
import { paintContent } from './content.js';
import { applyMode, composite, poissonBlend } from './blend.js';
import { estimateForeground } from './foreground.js';
import type { SynthesisParams } from './params.js';
import { parseParams } from './params.js';
import type { Rng } from './prng.js';
import { createRng, sampleRange } from './prng.js';
import type { BinaryMap, Raster } from './raster.js';
import { assertMap, assertRaster, cloneRaster, colourChannels, conformRaster, maxValue, regionValues } from './raster.js';
import type { Region } from './shapes.js';
import { planShape } from './shapes.js';

/** Optional inputs beyond the image itself. */
export interface SynthesisResources {
  /** Other images of the same set, CutPaste donors (any channels / bit depth / size; converted as needed). */
  readonly donors?: readonly Raster[];
  /** Textures for `content.source = 'texture'`, by the content's `folder` (see loadTexturesFor). */
  readonly textures?: Readonly<Record<string, readonly Raster[]>>;
  /** Object mask (non-zero = object), required when `placement.foreground = 'supplied'`. */
  readonly foreground?: BinaryMap;
  /** Regions where defects must never appear (non-zero = ignore). */
  readonly ignore?: BinaryMap;
}

export interface DefectInfo {
  readonly kind: number;
  readonly shape: string;
  readonly content: string;
  /** The defect's region (its bounding box grown by the feather), image pixels. */
  readonly region: Region;
  readonly featherPx: number;
  /** Pixels this defect added to the mask. */
  readonly maskPixels: number;
}

export interface SynthesisResult {
  /** Same size, channels and bit depth as the input. */
  readonly image: Raster;
  /** 255 where the blend weight of some defect is ≥ 0.5, else 0; shape (H, W). */
  readonly mask: BinaryMap;
  readonly defects: readonly DefectInfo[];
}

const foregroundCache = new WeakMap<object, BinaryMap>();
const conformCache = new WeakMap<Raster, Map<string, Raster>>();

function conformed(src: Raster, like: Raster): Raster {
  const key = `${like.channels}/${like.bitDepth}`;
  let m = conformCache.get(src);
  if (!m) conformCache.set(src, (m = new Map()));
  let r = m.get(key);
  if (!r) m.set(key, (r = conformRaster(src, like.channels, like.bitDepth)));
  return r;
}

/**
 * Pixels where a defect may be centred and drawn: the object (per `placement.foreground`), minus ignore regions,
 * minus a band of `borderMargin` along the image border. (H, W), 1 = allowed.
 */
function allowedMap(img: Raster, params: SynthesisParams, res: SynthesisResources): Uint8Array {
  const { width: W, height: H } = img;
  const allowed = new Uint8Array(W * H);
  let fg: BinaryMap | undefined;
  if (params.placement.foreground === 'auto') {
    fg = foregroundCache.get(img.data);
    if (!fg) foregroundCache.set(img.data, (fg = estimateForeground(img)));
  } else if (params.placement.foreground === 'supplied') {
    if (!res.foreground) throw new AppError('invalid_request', "placement.foreground is 'supplied' but no foreground mask was given");
    fg = res.foreground;
  }
  const m = Math.round(params.placement.borderMargin * Math.min(W, H));
  for (let y = m; y < H - m; y++) {
    for (let x = m; x < W - m; x++) {
      const i = y * W + x;
      allowed[i] = (!fg || fg.data[i] ? 1 : 0) & (res.ignore && res.ignore.data[i] ? 0 : 1);
    }
  }
  return allowed;
}

/** Picks a defect centre on an allowed pixel, preferring centres where the whole shape fits inside the margin. */
function placeCentre(rng: Rng, allowed: Uint8Array, W: number, H: number, margin: number, rx: number, ry: number, list: () => Int32Array): [number, number] {
  // Centre ranges where the shape's bounding box stays inside the margin; if it cannot, anywhere inside the margin.
  const span = (ext: number, full: number): [number, number] => {
    if (full - margin - ext > margin + ext) return [margin + ext, full - margin - ext];
    return full - margin > margin ? [margin, full - margin] : [0, full];
  };
  const [xa, xb] = span(rx, W);
  const [ya, yb] = span(ry, H);
  for (let attempt = 0; attempt < 64; attempt++) {
    const x = rng.uniform(xa, xb);
    const y = rng.uniform(ya, yb);
    if (allowed[Math.min(H - 1, Math.floor(y)) * W + Math.min(W - 1, Math.floor(x))]) return [x, y];
  }
  const idx = list();
  if (idx.length === 0) {
    throw new AppError('invalid_request', 'placement: no pixel is allowed for a defect (object ∩ outside ignore regions ∩ border margin is empty)');
  }
  const i = idx[rng.int(0, idx.length - 1)];
  return [(i % W) + rng.next(), Math.floor(i / W) + rng.next()];
}

/** What every defect of one synthesis paints onto and reads: the output so far, the mask, and where defects may go. */
interface Canvas {
  readonly image: Raster;
  readonly out: Raster;
  readonly mask: Uint8Array;
  readonly allowed: Uint8Array;
  /** The allowed pixels' indices, computed on first use (only when random placement keeps missing). */
  readonly allowedList: () => Int32Array;
  readonly donors: Raster[];
  readonly textures: (folder: string) => Raster[];
  readonly short: number;
  readonly margin: number;
  /** Colour channels and the largest sample value of the image's bit depth. */
  readonly cc: number;
  readonly max: number;
}

/**
 * Synthesizes defects into a copy of `image`. Deterministic: the same image, params and seed give the same bytes.
 * `params` is validated (unknown input is fine; invalid input throws InvalidParamsError).
 */
export function synthesize(image: Raster, params: unknown, seed: number, resources: SynthesisResources = {}): SynthesisResult {
  assertRaster(image);
  const p = parseParams(params);
  if (!Number.isFinite(seed)) throw new AppError('invalid_request', `seed must be a finite number (got ${seed})`);
  assertResources(image, resources);

  const rng = createRng(seed);
  const { width: W, height: H } = image;
  const allowed = allowedMap(image, p, resources);
  const short = Math.min(W, H);
  const canvas: Canvas = {
    image,
    out: cloneRaster(image),
    mask: new Uint8Array(W * H),
    allowed,
    allowedList: lazyIndexList(allowed),
    donors: (resources.donors ?? []).map((d) => conformed(d, image)),
    textures: (folder) => (resources.textures?.[folder] ?? []).map((t) => conformed(t, image)),
    short,
    margin: Math.round(p.placement.borderMargin * short),
    cc: colourChannels(image.channels),
    max: maxValue(image.bitDepth),
  };
  const weights = p.defects.map((d) => d.weight);
  const count = rng.int(p.count[0], p.count[1]);
  const defects: DefectInfo[] = [];
  for (let n = 0; n < count; n++) {
    const kindIndex = rng.weighted(weights);
    // Each defect draws from its own generator so a parameter change in one defect does not reshuffle the others.
    defects.push(paintDefect(canvas, kindIndex, p.defects[kindIndex], createRng(rng.fork())));
  }
  return { image: canvas.out, mask: { width: W, height: H, data: canvas.mask }, defects };
}

function assertResources(image: Raster, resources: SynthesisResources): void {
  const { width: W, height: H } = image;
  if (resources.foreground) assertMap(resources.foreground, W, H, 'foreground mask');
  if (resources.ignore) assertMap(resources.ignore, W, H, 'ignore mask');
  resources.donors?.forEach((d, i) => assertRaster(d, `donor image ${i}`));
  for (const [folder, list] of Object.entries(resources.textures ?? {})) list.forEach((t, i) => assertRaster(t, `texture ${i} of '${folder}'`));
}

/** The indices of the non-zero entries of `flags`, computed once on first call. */
function lazyIndexList(flags: Uint8Array): () => Int32Array {
  let list: Int32Array | undefined;
  return () => {
    if (!list) {
      let n = 0;
      for (const a of flags) n += a;
      list = new Int32Array(n);
      let j = 0;
      for (let i = 0; i < flags.length; i++) if (flags[i]) list[j++] = i;
    }
    return list;
  };
}

/** Plans, places, paints and blends one defect into the canvas, and marks the pixels it changed in the mask. */
function paintDefect(c: Canvas, kindIndex: number, kind: SynthesisParams['defects'][number], drng: Rng): DefectInfo {
  const { image, out, allowed, short, max } = c;
  const { width: W, height: H } = image;
  const shape = planShape(kind.shape, drng, image);
  const featherPx = sampleRange(drng, kind.blend.feather) * short;
  const opacity = sampleRange(drng, kind.blend.opacity);
  const [cx, cy] = placeCentre(drng, allowed, W, H, c.margin, shape.rx, shape.ry, c.allowedList);
  const grow = Math.ceil(featherPx / 2) + 2;
  const x0 = Math.max(0, Math.floor(cx - shape.rx) - grow);
  const y0 = Math.max(0, Math.floor(cy - shape.ry) - grow);
  const x1 = Math.min(W, Math.ceil(cx + shape.rx) + grow + 1);
  const y1 = Math.min(H, Math.ceil(cy + shape.ry) + grow + 1);
  const region: Region = { x0, y0, w: x1 - x0, h: y1 - y0 };
  const inside = new Uint8Array(region.w * region.h);
  shape.draw(inside, region, cx, cy);
  // Clip the shape to the allowed pixels before feathering, so the soft edge follows the clipped outline and every
  // changed pixel lies within the feather of the mask.
  for (let y = 0; y < region.h; y++) {
    for (let x = 0; x < region.w; x++) if (!allowed[(y0 + y) * W + x0 + x]) inside[y * region.w + x] = 0;
  }
  const sd = signedDistance(inside, region.w, region.h);
  const weight = featherWeights(sd, featherPx);
  for (let i = 0; i < weight.length; i++) if (!allowed[(y0 + Math.floor(i / region.w)) * W + x0 + (i % region.w)]) weight[i] = 0;
  const layer = paintContent(kind.content, { current: out, original: image, donors: c.donors, textures: c.textures, region, sd, cx, cy, rx: shape.rx, ry: shape.ry }, drng);
  const before = regionValues(out, region);
  applyMode(kind.blend.mode, before, layer, max);
  if (kind.blend.poisson) poissonBlend(before, layer, weight, region.w, region.h, c.cc);
  composite(out, region, layer, weight, opacity);
  const after = kind.blend.minChange ? regionValues(out, region) : null;
  const maskPixels = markMask(c, region, weight, before, after, (kind.blend.minChange ?? 0) * max);
  return { kind: kindIndex, shape: kind.shape.kind, content: kind.content.source, region, featherPx, maskPixels };
}

/**
 * Marks the region's pixels with blend weight ≥ 0.5 in the mask (when `after` is given, only those that changed by
 * at least `minChange`); returns how many it newly marked.
 */
function markMask(c: Canvas, region: Region, weight: Float32Array, before: Float32Array, after: Float32Array | null, minChange: number): number {
  const W = c.image.width;
  let maskPixels = 0;
  for (let y = 0; y < region.h; y++) {
    for (let x = 0; x < region.w; x++) {
      const i = y * region.w + x;
      const gi = (region.y0 + y) * W + region.x0 + x;
      if (weight[i] < 0.5 || c.mask[gi]) continue;
      if (after && !changedBy(before, after, i * c.cc, c.cc, minChange)) continue;
      c.mask[gi] = 255;
      maskPixels++;
    }
  }
  return maskPixels;
}

/** True when any colour channel of pixel offset `o` moved by at least `min`. */
function changedBy(before: Float32Array, after: Float32Array, o: number, cc: number, min: number): boolean {
  for (let k = 0; k < cc; k++) if (Math.abs(after[o + k] - before[o + k]) >= min) return true;
  return false;
}
