import { decodeImage, loadTexturesFor, wantsDonors } from './io.js';
import type { SynthesisParams } from './params.js';
import type { Raster } from './raster.js';
import { colourChannels, maxValue } from './raster.js';
import { synthesize } from './synthesize.js';

/** One training sample to render: everything a worker needs, plain data (structured-clonable). */
export interface SampleTask {
  readonly source: string | Uint8Array;
  /** Another image of the set, a CutPaste donor (used when the params want one). */
  readonly donor?: string | Uint8Array;
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

  constructor(private readonly capacity = 16) {}

  image(src: string | Uint8Array, size: SampleTask['size']): Promise<Raster> {
    if (typeof src !== 'string') return decodeImage(Buffer.from(src.buffer, src.byteOffset, src.byteLength), { size });
    const key = `${size.width}x${size.height}:${src}`;
    let r = this.images.get(key);
    if (r) {
      this.images.delete(key);
    } else {
      r = decodeImage(src, { size });
      if (this.images.size >= this.capacity) this.images.delete(this.images.keys().next().value!);
    }
    this.images.set(key, r);
    return r;
  }
}

/** Decodes, synthesizes and converts one sample to float tensors (grey is replicated to RGB, alpha dropped). */
export async function renderSample(task: SampleTask, cache: SampleCache): Promise<SampleTensors> {
  const img = await cache.image(task.source, task.size);
  const donors = task.donor !== undefined && wantsDonors(task.params) ? [await cache.image(task.donor, task.size)] : [];
  const textures = await loadTexturesFor(task.params);
  const out = synthesize(img, task.params, task.seed, { donors, textures });
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
