/**
 * In-app scoring of backbone features with the current params: the flows + anomaly map head as one session
 * whose params are inputs (validation during training reuses it every epoch with new params).
 * Batches are static: a short last batch is padded and the padding discarded.
 */
import type ort from 'onnxruntime-node';
import type { TapFeatures } from '../features/cache.js';
import { type ModelSpec, MAP_OUTPUT, SCORE_OUTPUT, buildScoreGraph, featureInput } from './graphs.js';
import { type Session, type SessionConfig, createSession, float32Tensor } from '../../runtime/index.js';
import { stackTap } from '../features/stack.js';
import type { TileBox } from '../tiling.js';
import { tileBoxFeed } from './position.js';

export interface Scored {
  readonly scores: Float32Array;
  /** Per image (H, W) maps, when asked for. */
  readonly maps?: Float32Array[];
}

export class FeatureScorer {
  private constructor(
    private readonly spec: ModelSpec,
    private readonly session: Session,
    readonly batch: number,
  ) {}

  static async create(spec: ModelSpec, batch: number, config: SessionConfig): Promise<FeatureScorer> {
    return new FeatureScorer(spec, await createSession(buildScoreGraph(spec, batch).bytes, config), batch);
  }

  get provider(): string {
    return this.session.provider;
  }

  /** `boxes` (one per image, the tile's place in its part) are required by position-conditioned models. */
  async score(features: readonly TapFeatures[][], params: Readonly<Record<string, ort.Tensor>>, withMaps = false, boxes?: readonly (TileBox | undefined)[]): Promise<Scored> {
    if (this.spec.position && boxes?.length !== features.length) throw new Error(`a position-conditioned model needs one tile box per image (${features.length} images, ${boxes?.length ?? 0} boxes)`);
    const scores = new Float32Array(features.length);
    const maps: Float32Array[] = [];
    const plane = this.spec.height * this.spec.width;
    const paramFeeds: Record<string, ort.Tensor> = {};
    for (const name of this.session.inputNames) if (name in params) paramFeeds[name] = params[name];
    for (let start = 0; start < features.length; start += this.batch) {
      const chunk = features.slice(start, start + this.batch);
      const feeds: Record<string, ort.Tensor> = { ...paramFeeds, ...(this.spec.position ? tileBoxFeed(boxes!.slice(start, start + this.batch), this.batch) : {}) };
      this.spec.taps.forEach((t, i) => {
        feeds[featureInput('clean', i)] = float32Tensor(stackTap(chunk, i, this.batch), [this.batch, t.channels, t.height, t.width]);
      });
      const out = await this.session.run(feeds, withMaps ? [SCORE_OUTPUT, MAP_OUTPUT] : [SCORE_OUTPUT]);
      const s = out[SCORE_OUTPUT].data as Float32Array;
      for (let i = 0; i < chunk.length; i++) scores[start + i] = s[i];
      if (withMaps) {
        const m = out[MAP_OUTPUT].data as Float32Array;
        for (let i = 0; i < chunk.length; i++) maps.push(m.slice(i * plane, (i + 1) * plane));
      }
    }
    return withMaps ? { scores, maps } : { scores };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
