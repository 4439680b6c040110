import type { Rng } from './prng.js';
import { createRng, sampleRange } from './prng.js';
import { fractalNoise } from './noise.js';
import type { Content } from './params.js';
import type { Raster } from './raster.js';
import { colourChannels, maxValue, regionValues } from './raster.js';
import type { Region } from './shapes.js';

/** What a content source may read to paint one defect. */
export interface ContentInput {
  /** The image as it stands (earlier defects applied). */
  readonly current: Raster;
  /** The untouched input image (the same-image CutPaste donor). */
  readonly original: Raster;
  /** Other images of the set, already conformed to the image's channels and bit depth. */
  readonly donors: readonly Raster[];
  /** Textures of a folder, already conformed to the image's channels and bit depth. */
  readonly textures: (folder: string) => readonly Raster[];
  readonly region: Region;
  /** Signed distance to the defect's edge over the region, (h, w), positive inside. */
  readonly sd: Float32Array;
  /** Defect centre and half extents, in image pixels. */
  readonly cx: number;
  readonly cy: number;
  readonly rx: number;
  readonly ry: number;
}

/**
 * Paints the defect's content layer over the region: Float32Array shaped (h, w, colourChannels) in the image's value
 * units (0…255 or 0…65535), not yet clamped.
 */
export function paintContent(content: Content, input: ContentInput, rng: Rng): Float32Array {
  switch (content.source) {
    case 'cutpaste':
      return cutPaste(content, input, rng);
    case 'texture':
      return texture(content, input, rng);
    case 'noise':
      return noiseMaterial(content, input, rng);
    case 'shift':
      return shift(content, input, rng);
    case 'blur':
      return blur(content, input, rng);
    case 'warp':
      return warp(content, input, rng);
    case 'displace':
      return displace(content, input, rng);
    case 'hole':
      return hole(content, input, rng);
  }
}

const DEG = Math.PI / 180;

/** Bilinear sample of colour channel c at continuous pixel coordinates (centre of pixel i at i + 0.5), edge-clamped. */
function sampleBilinear(img: Raster, x: number, y: number, c: number): number {
  const { width: w, height: h, channels: ch, data } = img;
  let fx = x - 0.5;
  let fy = y - 0.5;
  fx = fx < 0 ? 0 : fx > w - 1 ? w - 1 : fx;
  fy = fy < 0 ? 0 : fy > h - 1 ? h - 1 : fy;
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const x1 = x0 + 1 < w ? x0 + 1 : x0;
  const y1 = y0 + 1 < h ? y0 + 1 : y0;
  const tx = fx - x0;
  const ty = fy - y0;
  const a = data[(y0 * w + x0) * ch + c];
  const b = data[(y0 * w + x1) * ch + c];
  const d = data[(y1 * w + x0) * ch + c];
  const e = data[(y1 * w + x1) * ch + c];
  return a + (b - a) * tx + (d - a) * ty + (a - b - d + e) * tx * ty;
}

/**
 * Samples `src` through a similarity transform: a layer pixel at offset (dx, dy) from the defect centre reads the
 * source at (sx, sy) + R(−rot)·(dx, dy)/scale, mirrored in x when `flip`, wrapping when `tile`.
 */
function transformedLayer(
  src: Raster,
  input: ContentInput,
  sx: number,
  sy: number,
  rot: number,
  scale: number,
  flip: boolean,
  tile: boolean,
): Float32Array {
  const { region, cx, cy } = input;
  const cc = colourChannels(src.channels);
  const out = new Float32Array(region.w * region.h * cc);
  const c = Math.cos(rot) / scale;
  const s = Math.sin(rot) / scale;
  for (let y = 0; y < region.h; y++) {
    const dy = region.y0 + y + 0.5 - cy;
    for (let x = 0; x < region.w; x++) {
      let dx = region.x0 + x + 0.5 - cx;
      if (flip) dx = -dx;
      let px = sx + dx * c - dy * s;
      let py = sy + dx * s + dy * c;
      if (tile) {
        px = ((px % src.width) + src.width) % src.width;
        py = ((py % src.height) + src.height) % src.height;
      }
      const di = (y * region.w + x) * cc;
      for (let k = 0; k < cc; k++) out[di + k] = sampleBilinear(src, px, py, k);
    }
  }
  return out;
}

function cutPaste(p: Extract<Content, { source: 'cutpaste' }>, input: ContentInput, rng: Rng): Float32Array {
  const other = input.donors.length > 0 && rng.next() < p.otherImage;
  const donor = other ? input.donors[rng.int(0, input.donors.length - 1)] : input.original;
  const rot = sampleRange(rng, p.rotate) * DEG;
  const scale = sampleRange(rng, p.scale, true);
  const flip = p.flip && rng.next() < 0.5;
  const ext = Math.max(input.rx, input.ry) / scale;
  const pick = (lo: number, hi: number): number => (hi > lo ? rng.uniform(lo, hi) : (lo + hi) / 2);
  // From the same image the patch must come from elsewhere, or the "defect" would be the object itself.
  let sx = 0;
  let sy = 0;
  for (let attempt = 0; attempt < 16; attempt++) {
    sx = pick(ext, donor.width - ext);
    sy = pick(ext, donor.height - ext);
    if (other || Math.hypot(sx - input.cx, sy - input.cy) > 1.5 * ext) break;
  }
  const layer = transformedLayer(donor, input, sx, sy, rot, scale, flip, false);
  const max = maxValue(input.current.bitDepth);
  const brightness = sampleRange(rng, p.brightness) * max;
  const contrast = sampleRange(rng, p.contrast, true);
  if (brightness !== 0 || contrast !== 1) {
    const mid = max / 2;
    for (let i = 0; i < layer.length; i++) layer[i] = (layer[i] - mid) * contrast + mid + brightness;
  }
  return layer;
}

function texture(p: Extract<Content, { source: 'texture' }>, input: ContentInput, rng: Rng): Float32Array {
  const textures = input.textures(p.folder);
  if (textures.length === 0) {
    throw new Error(`content.texture: no textures loaded from '${p.folder}' (load them with loadTexturesFor and pass them as resources.textures)`);
  }
  const tex = textures[rng.int(0, textures.length - 1)];
  const rot = sampleRange(rng, p.rotate) * DEG;
  const scale = sampleRange(rng, p.scale, true);
  return transformedLayer(tex, input, rng.uniform(0, tex.width), rng.uniform(0, tex.height), rot, scale, false, true);
}

function noiseMaterial(p: Extract<Content, { source: 'noise' }>, input: ContentInput, rng: Rng): Float32Array {
  const { region, current } = input;
  const cc = colourChannels(current.channels);
  const max = maxValue(current.bitDepth);
  const base = sampleRange(rng, p.base);
  const colour: number[] = [];
  for (let k = 0; k < cc; k++) colour.push(base + (cc > 1 ? p.saturation * 0.5 * (rng.next() - 0.5) : 0));
  const amp = sampleRange(rng, p.contrast);
  const short = Math.min(current.width, current.height);
  const cellPx = Math.max(1, sampleRange(rng, p.cell, true) * short);
  const n = fractalNoise(createRng(rng.fork()), region.w, region.h, cellPx, p.octaves);
  const out = new Float32Array(region.w * region.h * cc);
  for (let i = 0; i < region.w * region.h; i++) {
    const v = amp * n[i];
    for (let k = 0; k < cc; k++) out[i * cc + k] = (colour[k] + v) * max;
  }
  return out;
}

function shift(p: Extract<Content, { source: 'shift' }>, input: ContentInput, rng: Rng): Float32Array {
  const { region, current } = input;
  const cc = colourChannels(current.channels);
  const max = maxValue(current.bitDepth);
  const gain = sampleRange(rng, p.gain);
  const offset = sampleRange(rng, p.intensity);
  const perChannel: number[] = [];
  for (let k = 0; k < cc; k++) perChannel.push((offset + (cc > 1 ? p.tint * rng.uniform(-1, 1) : 0)) * max);
  const out = regionValues(current, region);
  for (let i = 0; i < out.length; i += cc) {
    for (let k = 0; k < cc; k++) out[i + k] = out[i + k] * gain + perChannel[k];
  }
  return out;
}

/** Box blur (two passes ≈ Gaussian) of the region, reading neighbours outside it from the image. */
function blur(p: Extract<Content, { source: 'blur' }>, input: ContentInput, rng: Rng): Float32Array {
  const { region, current } = input;
  const short = Math.min(current.width, current.height);
  const r = Math.max(1, Math.round(sampleRange(rng, p.radius, true) * short / 1.5));
  const cc = colourChannels(current.channels);
  // Work on the region grown by 2r so the two passes see real neighbours at the region's edge.
  const g = 2 * r;
  const x0 = Math.max(0, region.x0 - g);
  const y0 = Math.max(0, region.y0 - g);
  const x1 = Math.min(current.width, region.x0 + region.w + g);
  const y1 = Math.min(current.height, region.y0 + region.h + g);
  const big = { x0, y0, w: x1 - x0, h: y1 - y0 };
  let buf = regionValues(current, big);
  for (let pass = 0; pass < 2; pass++) buf = boxBlur(boxBlurT(buf, big.w, big.h, cc, r), big.w, big.h, cc, r);
  const out = new Float32Array(region.w * region.h * cc);
  for (let y = 0; y < region.h; y++) {
    const sy = region.y0 - y0 + y;
    for (let x = 0; x < region.w; x++) {
      const si = (sy * big.w + region.x0 - x0 + x) * cc;
      const di = (y * region.w + x) * cc;
      for (let k = 0; k < cc; k++) out[di + k] = buf[si + k];
    }
  }
  return out;
}

/** Horizontal running-mean of radius r over (h, w, cc), edge-clamped. */
function boxBlur(src: Float32Array, w: number, h: number, cc: number, r: number): Float32Array {
  const out = new Float32Array(src.length);
  const inv = 1 / (2 * r + 1);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let k = 0; k < cc; k++) {
      let acc = 0;
      for (let i = -r; i <= r; i++) acc += src[(row + Math.min(w - 1, Math.max(0, i))) * cc + k];
      for (let x = 0; x < w; x++) {
        out[(row + x) * cc + k] = acc * inv;
        const add = Math.min(w - 1, x + r + 1);
        const sub = Math.max(0, x - r);
        acc += src[(row + add) * cc + k] - src[(row + sub) * cc + k];
      }
    }
  }
  return out;
}

/** Vertical running-mean of radius r over (h, w, cc), edge-clamped. */
function boxBlurT(src: Float32Array, w: number, h: number, cc: number, r: number): Float32Array {
  const out = new Float32Array(src.length);
  const inv = 1 / (2 * r + 1);
  for (let x = 0; x < w; x++) {
    for (let k = 0; k < cc; k++) {
      let acc = 0;
      for (let i = -r; i <= r; i++) acc += src[(Math.min(h - 1, Math.max(0, i)) * w + x) * cc + k];
      for (let y = 0; y < h; y++) {
        out[(y * w + x) * cc + k] = acc * inv;
        const add = Math.min(h - 1, y + r + 1);
        const sub = Math.max(0, y - r);
        acc += src[(add * w + x) * cc + k] - src[(sub * w + x) * cc + k];
      }
    }
  }
  return out;
}

function warp(p: Extract<Content, { source: 'warp' }>, input: ContentInput, rng: Rng): Float32Array {
  const { region, current } = input;
  const short = Math.min(current.width, current.height);
  const amp = sampleRange(rng, p.amplitude, true) * short;
  const cellPx = Math.max(2, sampleRange(rng, p.cell, true) * short);
  const nx = fractalNoise(createRng(rng.fork()), region.w, region.h, cellPx, 2);
  const ny = fractalNoise(createRng(rng.fork()), region.w, region.h, cellPx, 2);
  const cc = colourChannels(current.channels);
  const out = new Float32Array(region.w * region.h * cc);
  for (let y = 0; y < region.h; y++) {
    for (let x = 0; x < region.w; x++) {
      const i = y * region.w + x;
      const px = region.x0 + x + 0.5 + amp * nx[i];
      const py = region.y0 + y + 0.5 + amp * ny[i];
      for (let k = 0; k < cc; k++) out[i * cc + k] = sampleBilinear(current, px, py, k);
    }
  }
  return out;
}

function displace(p: Extract<Content, { source: 'displace' }>, input: ContentInput, rng: Rng): Float32Array {
  const { region, current } = input;
  const d = sampleRange(rng, p.distance) * Math.min(current.width, current.height);
  const a = sampleRange(rng, p.angle) * DEG;
  const dx = Math.cos(a) * d;
  const dy = Math.sin(a) * d;
  const cc = colourChannels(current.channels);
  const out = new Float32Array(region.w * region.h * cc);
  for (let y = 0; y < region.h; y++) {
    for (let x = 0; x < region.w; x++) {
      const i = y * region.w + x;
      for (let k = 0; k < cc; k++) out[i * cc + k] = sampleBilinear(current, region.x0 + x + 0.5 - dx, region.y0 + y + 0.5 - dy, k);
    }
  }
  return out;
}

function hole(p: Extract<Content, { source: 'hole' }>, input: ContentInput, rng: Rng): Float32Array {
  const { region, current, sd } = input;
  const cc = colourChannels(current.channels);
  const max = maxValue(current.bitDepth);
  const keep = 1 - sampleRange(rng, p.depth);
  const rim = sampleRange(rng, p.rim);
  const rimPx = Math.max(1, sampleRange(rng, p.rimWidth) * Math.min(current.width, current.height));
  const out = regionValues(current, region);
  for (let i = 0; i < region.w * region.h; i++) {
    // The rim lies just inside the edge (sd in [0, rimPx)), where the wall of a hole catches the light.
    const d = sd[i];
    const lift = rim > 0 && d >= 0 && d < rimPx ? rim * (1 - d / rimPx) : 0;
    for (let k = 0; k < cc; k++) {
      const v = out[i * cc + k] * keep;
      out[i * cc + k] = v + lift * (max - v);
    }
  }
  return out;
}
