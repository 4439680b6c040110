import { decodeImage, decodeMask, loadTexturesFor, wantsDonors } from './io.js';
import type { SynthesisParams } from './params.js';
import type { BinaryMap, Raster } from './raster.js';
import { colourChannels, maxValue } from './raster.js';
import { synthesize } from './synthesize.js';

/** One training sample to render: everything a worker needs, plain data (structured-clonable). */
export interface SampleTask {
  readonly source: string | Uint8Array;
  /** Another image of the set, a CutPaste donor (used when the params want one). */
  readonly donor?: string | Uint8Array;
  /** Ignore-region mask image of the source (white = never a defect), any size: scaled to `size`. */
  readonly ignore?: string | Uint8Array;
  readonly params: SynthesisParams;
  readonly seed: number;
  readonly size: { readonly width: number; readonly height: number };
}

/** Float tensors of one sample: clean and synthesized (3, H, W) RGB in [0, 1], mask (1, H, W) in {0, 1}. */
export interface SampleTensors {
  readonly clean: Float32Array;
  readonly image: Float32Array;
  readonly mask: Float32Array;
}

/** Decoded images a worker keeps between samples (a small LRU: no dataset-sized memory). */
export class SampleCache {
  private readonly images = new Map<string, Promise<Raster>>();
  private readonly masks = new Map<string, Promise<BinaryMap>>();

  constructor(private readonly capacity = 16) {}

  image(src: string | Uint8Array, size: SampleTask['size']): Promise<Raster> {
    if (typeof src !== 'string') return decodeImage(asBuffer(src), { size });
    return this.lru(this.images, `${size.width}x${size.height}:${src}`, () => decodeImage(src, { size }));
  }

  ignoreMask(src: string | Uint8Array, size: SampleTask['size']): Promise<BinaryMap> {
    if (typeof src !== 'string') return decodeMask(asBuffer(src), size.width, size.height, true);
    return this.lru(this.masks, `${size.width}x${size.height}:${src}`, () => decodeMask(src, size.width, size.height, true));
  }

  private lru<T>(map: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
    let r = map.get(key);
    if (r) {
      map.delete(key);
    } else {
      r = load();
      r.catch(() => map.delete(key));
      if (map.size >= this.capacity) map.delete(map.keys().next().value!);
    }
    map.set(key, r);
    return r;
  }
}

const asBuffer = (a: Uint8Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Decodes, synthesizes and converts one sample to float tensors (grey is replicated to RGB, alpha dropped). */
export async function renderSample(task: SampleTask, cache: SampleCache): Promise<SampleTensors> {
  const img = await cache.image(task.source, task.size);
  const donors = task.donor !== undefined && wantsDonors(task.params) ? [await cache.image(task.donor, task.size)] : [];
  const textures = await loadTexturesFor(task.params);
  const ignore = task.ignore !== undefined ? await cache.ignoreMask(task.ignore, task.size) : undefined;
  const out = synthesize(img, task.params, task.seed, { donors, textures, ignore });
  return { clean: toTensor(img), image: toTensor(out.image), mask: Float32Array.from(out.mask.data, (v) => (v ? 1 : 0)) };
}

/** (H, W, C) integer raster → (3, H, W) float in [0, 1]. */
export function toTensor(r: Raster): Float32Array {
  const n = r.width * r.height;
  const out = new Float32Array(3 * n);
  const cc = colourChannels(r.channels);
  const inv = 1 / maxValue(r.bitDepth);
  for (let i = 0; i < n; i++) {
    const base = i * r.channels;
    for (let k = 0; k < 3; k++) out[k * n + i] = r.data[base + (cc === 1 ? 0 : k)] * inv;
  }
  return out;
}
