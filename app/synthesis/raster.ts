/**
 * Raw pixel buffers the synthesis engine works on: interleaved, row-major (H, W, C), 8- or 16-bit.
 * Channels: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA. Alpha is never modified by synthesis.
 */
export type BitDepth = 8 | 16;

export interface Raster {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
  readonly bitDepth: BitDepth;
  /** Length width * height * channels. Uint8Array for 8-bit, Uint16Array for 16-bit. */
  readonly data: Uint8Array | Uint16Array;
}

/** A single-channel 0/1 (or 0/255) map, row-major (H, W). Non-zero = set. */
export interface BinaryMap {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export function maxValue(depth: BitDepth): number {
  return depth === 16 ? 65535 : 255;
}

/** Number of colour channels (channels without alpha). */
export function colourChannels(channels: number): number {
  return channels === 2 || channels === 4 ? channels - 1 : channels;
}

export function createRaster(width: number, height: number, channels: Raster['channels'], bitDepth: BitDepth): Raster {
  const n = width * height * channels;
  return { width, height, channels, bitDepth, data: bitDepth === 16 ? new Uint16Array(n) : new Uint8Array(n) };
}

export function cloneRaster(r: Raster): Raster {
  return { ...r, data: r.data.slice() };
}

/** Throws a descriptive error when a raster's fields are inconsistent (it came from outside). */
export function assertRaster(r: Raster, name = 'image'): void {
  if (!Number.isInteger(r.width) || !Number.isInteger(r.height) || r.width < 8 || r.height < 8) {
    throw new Error(`${name}: width and height must be integers ≥ 8 (got ${r.width}×${r.height})`);
  }
  if (![1, 2, 3, 4].includes(r.channels)) throw new Error(`${name}: channels must be 1, 2, 3 or 4 (got ${r.channels})`);
  if (r.bitDepth !== 8 && r.bitDepth !== 16) throw new Error(`${name}: bitDepth must be 8 or 16 (got ${r.bitDepth})`);
  const want = r.bitDepth === 16 ? Uint16Array : Uint8Array;
  if (!(r.data instanceof want)) throw new Error(`${name}: ${r.bitDepth}-bit data must be a ${want.name}`);
  if (r.data.length !== r.width * r.height * r.channels) {
    throw new Error(`${name}: data length ${r.data.length} ≠ width·height·channels = ${r.width * r.height * r.channels}`);
  }
}

export function assertMap(m: BinaryMap, width: number, height: number, name: string): void {
  if (m.width !== width || m.height !== height || m.data.length !== width * height) {
    throw new Error(`${name}: must be ${width}×${height} like the image (got ${m.width}×${m.height})`);
  }
}

/**
 * Converts a raster to another channel layout and bit depth (grey ↔ RGB by luma / replication, alpha dropped or
 * made opaque, 8 ↔ 16 bit by ×257), so donor patches and textures match the image they are pasted into.
 */
export function conformRaster(src: Raster, channels: Raster['channels'], bitDepth: BitDepth): Raster {
  if (src.channels === channels && src.bitDepth === bitDepth) return src;
  const out = createRaster(src.width, src.height, channels, bitDepth);
  const n = src.width * src.height;
  const sc = src.channels;
  const scc = colourChannels(sc);
  const dcc = colourChannels(channels);
  const scale = maxValue(bitDepth) / maxValue(src.bitDepth);
  const outMax = maxValue(bitDepth);
  const s = src.data;
  const d = out.data;
  for (let i = 0; i < n; i++) {
    const si = i * sc;
    const di = i * channels;
    if (scc === dcc) {
      for (let c = 0; c < dcc; c++) d[di + c] = Math.round(s[si + c] * scale);
    } else if (scc === 1) {
      const g = Math.round(s[si] * scale);
      for (let c = 0; c < dcc; c++) d[di + c] = g;
    } else {
      d[di] = Math.round((0.299 * s[si] + 0.587 * s[si + 1] + 0.114 * s[si + 2]) * scale);
    }
    if (channels === 2 || channels === 4) d[di + dcc] = sc === 2 || sc === 4 ? Math.round(s[si + scc] * scale) : outMax;
  }
  return out;
}

/** Colour values (alpha left out) of a rectangle of the image as floats, shape (h, w, colourChannels). */
export function regionValues(img: Raster, region: { x0: number; y0: number; w: number; h: number }): Float32Array {
  const cc = colourChannels(img.channels);
  const out = new Float32Array(region.w * region.h * cc);
  for (let y = 0; y < region.h; y++) {
    for (let x = 0; x < region.w; x++) {
      const si = ((region.y0 + y) * img.width + region.x0 + x) * img.channels;
      const di = (y * region.w + x) * cc;
      for (let k = 0; k < cc; k++) out[di + k] = img.data[si + k];
    }
  }
  return out;
}
