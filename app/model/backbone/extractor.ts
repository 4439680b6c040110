/**
 * Batched feature extraction with an ORT session, backed by the on-disk feature cache.
 *
 * Input batches are (N, 3, H, W) float32 RGB in [0, 255]; each image yields one (C, H / stride, W / stride) float32
 * array per tap.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { FeatureCache, TapFeatures } from '../features/cache.js';
import { type PreprocessOptions, loadRgb8, preprocessKey, rgb8ToChw } from '../features/preprocess.js';
import { checkInputSize } from './model-file.js';
import { type Session, type SessionConfig, createSession, float32Tensor } from '../../runtime/index.js';
import type { BackboneInfo } from '../../core/backbone.js';
import { AppError } from '../../core/errors.js';

export class BackboneExtractor {
  private constructor(
    readonly info: BackboneInfo,
    private readonly session: Session,
  ) {}

  /** Which execution provider runs it and why (for logs and the UI). */
  get provider(): { provider: string; reason: string } {
    return { provider: this.session.provider, reason: this.session.reason };
  }

  static async create(info: BackboneInfo, config: SessionConfig = {}): Promise<BackboneExtractor> {
    const session = await createSession(info.path, config);
    const missing = info.taps.filter((t) => !session.outputNames.includes(t.name));
    if (missing.length || !session.inputNames.includes(info.input.name)) {
      await session.release();
      throw new AppError('invalid_file', `backbone ${info.name}: ${info.path} lacks ${missing.length ? `tap outputs ${missing.map((t) => t.name).join(', ')}` : `input ${info.input.name}`}`);
    }
    return new BackboneExtractor(info, session);
  }

  /** Runs one (n, 3, h, w) batch; returns per image, per tap. */
  async run(batch: Float32Array, n: number, h: number, w: number): Promise<TapFeatures[][]> {
    checkInputSize(this.info, h, w);
    if (batch.length !== n * 3 * h * w) throw new Error(`backbone ${this.info.name}: batch has ${batch.length} values, (${n}, 3, ${h}, ${w}) needs ${n * 3 * h * w}`);
    const out = await this.session.run({ [this.info.input.name]: float32Tensor(batch, [n, 3, h, w]) }, this.info.taps.map((t) => t.name));
    const perImage: TapFeatures[][] = Array.from({ length: n }, () => []);
    for (const tap of this.info.taps) {
      const t = out[tap.name];
      const [, c, th, tw] = t.dims.map(Number);
      if (c !== tap.channels || th * tap.stride !== h || tw * tap.stride !== w) {
        throw new Error(`backbone ${this.info.name}: tap ${tap.name} came out (${t.dims}), expected (${n}, ${tap.channels}, ${h / tap.stride}, ${w / tap.stride})`);
      }
      const data = t.data as Float32Array;
      const size = c * th * tw;
      // Copy per image: the caller may keep one image's features while the batch buffer is released.
      for (let i = 0; i < n; i++) perImage[i].push({ name: tap.name, shape: [c, th, tw], data: data.slice(i * size, (i + 1) * size) });
    }
    return perImage;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

export interface ExtractImage {
  readonly file: string;
  /** sha256 of the file bytes when already known (the dataset stores it); computed otherwise. */
  readonly sha256?: string;
}

export interface ExtractOptions {
  readonly preprocess: PreprocessOptions;
  readonly batchSize?: number;
  readonly cache?: FeatureCache;
  readonly signal?: AbortSignal;
  readonly progress?: (fraction: number, message?: string) => void;
}

export interface ExtractedImage {
  readonly index: number;
  readonly taps: TapFeatures[];
  readonly cached: boolean;
}

function fileSha256(file: string): string {
  try {
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch (err) {
    throw new AppError('invalid_file', `feature extraction: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { file });
  }
}

/**
 * Features of every image, cached ones first from disk, the rest computed in batches and cached. Yields in
 * completion order (each result carries its input index). Cancellable between batches.
 */
export async function* extractFeatures(extractor: BackboneExtractor, images: readonly ExtractImage[], options: ExtractOptions): AsyncGenerator<ExtractedImage> {
  const { preprocess, cache, signal, progress } = options;
  const batchSize = options.batchSize ?? 8;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`feature extraction: batchSize must be a positive integer, got ${batchSize}`);
  checkInputSize(extractor.info, preprocess.height, preprocess.width);
  const pKey = preprocessKey(preprocess);
  const todo: { index: number; file: string; sha256: string }[] = [];
  let done = 0;
  for (let index = 0; index < images.length; index++) {
    signal?.throwIfAborted();
    const sha256 = images[index].sha256 ?? fileSha256(images[index].file);
    const hit = cache?.get({ imageSha256: sha256, backboneHash: extractor.info.sha256, preprocess: pKey });
    if (hit) {
      done++;
      yield { index, taps: hit, cached: true };
    } else todo.push({ index, file: images[index].file, sha256 });
  }
  progress?.(images.length ? done / images.length : 1, `${done} cached`);
  const { width: w, height: h } = preprocess;
  const plane = 3 * w * h;
  for (let start = 0; start < todo.length; start += batchSize) {
    signal?.throwIfAborted();
    const chunk = todo.slice(start, start + batchSize);
    const batch = new Float32Array(chunk.length * plane);
    for (let i = 0; i < chunk.length; i++) rgb8ToChw(await loadRgb8(chunk[i].file, preprocess), batch, i * plane);
    const feats = await extractor.run(batch, chunk.length, h, w);
    for (let i = 0; i < chunk.length; i++) {
      cache?.put({ imageSha256: chunk[i].sha256, backboneHash: extractor.info.sha256, preprocess: pKey }, feats[i]);
      done++;
      yield { index: chunk[i].index, taps: feats[i], cached: false };
    }
    progress?.(done / images.length, `${done}/${images.length} images`);
  }
}
