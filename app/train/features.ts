/**
 * Frozen backbone features for training: clean images come from the on-disk cache (computed once with the same
 * preprocessing as inference), synthesized twins are computed per step from the synthesis batch.
 * Per image, per tap of the model (`taps`, in that order; the cache keeps every tap the backbone has): (C, h, w).
 */
import { BackboneExtractor } from '../model/backbone/extractor.js';
import type { BackboneInfo } from '../core/backbone.js';
import type { FeatureCache, TapFeatures } from '../model/features/cache.js';
import { type PreprocessOptions, preprocessKey } from '../model/features/preprocess.js';
import { extractFeatures } from '../model/backbone/extractor.js';
import type { SessionConfig } from '../runtime/index.js';
import type { TileBox } from '../model/tiling.js';

export interface FeatureImage {
  readonly file: string;
  readonly sha256: string;
  /** Tiles (app/train/tiles.ts): where the tile lies in its part, fed as tile_box to position-conditioned flows. */
  readonly box?: TileBox;
}

export class FeatureSource {
  private constructor(
    readonly extractor: BackboneExtractor,
    readonly preprocess: PreprocessOptions,
    private readonly cache: FeatureCache,
    private readonly taps: readonly string[],
  ) {}

  /** `taps`: the tap names the model uses, in its order (default: all of the backbone's). */
  static async create(info: BackboneInfo, preprocess: PreprocessOptions, cache: FeatureCache, session: SessionConfig, taps?: readonly string[]): Promise<FeatureSource> {
    const names = taps ?? info.taps.map((t) => t.name);
    const unknown = names.filter((n) => !info.taps.some((t) => t.name === n));
    if (unknown.length) throw new Error(`backbone ${info.name} has no tap ${unknown.join(', ')}`);
    return new FeatureSource(await BackboneExtractor.create(info, session), preprocess, cache, names);
  }

  private select(all: TapFeatures[]): TapFeatures[] {
    return this.taps.map((n) => all.find((t) => t.name === n)!);
  }

  get provider(): string {
    return this.extractor.provider.provider;
  }

  /** Fills the cache for these images (progress per batch, cancellable). */
  async warm(images: readonly FeatureImage[], signal?: AbortSignal, progress?: (f: number, m?: string) => void): Promise<void> {
    for await (const _ of extractFeatures(this.extractor, images, { preprocess: this.preprocess, cache: this.cache, signal, progress, batchSize: 8 })) {
      // results land in the cache
    }
  }

  /** Features of clean images, in order (from the cache; recomputed if an entry was evicted). */
  async clean(images: readonly FeatureImage[]): Promise<TapFeatures[][]> {
    const out: TapFeatures[][] = new Array(images.length);
    const pKey = preprocessKey(this.preprocess);
    const missing: number[] = [];
    images.forEach((img, i) => {
      const hit = this.cache.get({ imageSha256: img.sha256, backboneHash: this.extractor.info.sha256, preprocess: pKey });
      if (hit) out[i] = this.select(hit);
      else missing.push(i);
    });
    if (missing.length) {
      const todo = missing.map((i) => images[i]);
      for await (const r of extractFeatures(this.extractor, todo, { preprocess: this.preprocess, cache: this.cache })) out[missing[r.index]] = this.select(r.taps);
    }
    return out;
  }

  /** Features of an (n, 3, H, W) batch with values in [0, 1] (synthesis output), scaled to the backbone's [0, 255]. */
  async fromUnitBatch(batch: Float32Array, n: number): Promise<TapFeatures[][]> {
    const scaled = new Float32Array(batch.length);
    for (let i = 0; i < batch.length; i++) scaled[i] = Math.round(batch[i] * 255);
    return this.fromImageBatch(scaled, n);
  }

  /** Features of an (n, 3, H, W) batch in [0, 255] (not cached). */
  async fromImageBatch(batch: Float32Array, n: number): Promise<TapFeatures[][]> {
    const { height: h, width: w } = this.preprocess;
    return (await this.extractor.run(batch, n, h, w)).map((f) => this.select(f));
  }

  async release(): Promise<void> {
    await this.extractor.release();
  }
}

