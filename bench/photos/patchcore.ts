/**
 * A PatchCore-style baseline on the SAME built-in backbone features as the flows (the taps a default model uses:
 * stride 8 and 16 plus the colour tap, from the project's feature cache through app/train's FeatureSource — no
 * second backbone runner):
 * - each tap 3 × 3 average-pooled (stride 1, mean over the valid neighbours), bilinearly upsampled to the finest
 *   tap's grid, concatenated along channels → one D-dim vector per patch;
 * - memory bank: a seeded random subsample of at most 40k patches of the training images (PatchCore proper uses a
 *   greedy coreset; a random one is what fits 2 CPU cores);
 * - nearest-neighbour distance per test patch, computed as ||q||² + ||b||² − 2 q·b with an ONNX MatMul session
 *   (app/runtime), in blocks of queries;
 * - image score = max over patches; pixel map = the patch distances, bilinearly upsampled to the image size.
 * Metrics with app/eval, like runInference's: image AUROC, pixel AUROC, AUPRO (FPR ≤ 0.3), per-defect image AUROC.
 *
 * Border patches: the zero-padded backbone makes the patches at the frame's edge unlike any other, and a bank of a
 * few dozen images holds few of them, so the plain max is often set by a corner rather than by the defect. The
 * result therefore also gives `interior`: the same image score with the outer INTERIOR_BORDER cells of the patch
 * grid left out (a diagnostic; the headline numbers are the plain PatchCore ones).
 */
import sharp from 'sharp';
import { imageAuroc, PixelMetricAccumulator } from '../../app/eval/index.js';
import { Graph, MatMul, Mul, ReduceMax, serialize, Sub } from '../../app/graph/index.js';
import { builtinBackbone } from '../../app/model/backbone/builtin.js';
import { modelBackbone } from '../../app/model/backbone/colour-tap.js';
import { FeatureCache, type TapFeatures } from '../../app/model/features/cache.js';
import { createSession, float32Tensor, type Session } from '../../app/runtime/index.js';
import { selectModelImages, type ModelImage } from '../../app/store/models.js';
import type { Project } from '../../app/store/project.js';
import { imageFile, selectTrainingData } from '../../app/train/data.js';
import { FeatureSource } from '../../app/train/features.js';
import { tapShapes } from '../../app/train/trainer.js';
import { Rng } from './raster.js';

export interface PatchcoreOptions {
  readonly category: string;
  readonly size: number;
  readonly seed: number;
  /** Largest memory bank (patches). */
  readonly maxBank?: number;
  /** Same split as the trainer's (the held-out validation images are not in the bank). */
  readonly valFraction?: number;
  readonly log?: (m: string) => void;
}

export interface PatchcoreResult {
  readonly imageAuroc: number | null;
  readonly pixelAuroc: number | null;
  readonly aupro: number | null;
  readonly byDefectType: Record<string, number | null>;
  /** Image AUROC (overall and per defect type) with the image score taken over the interior patches only. */
  readonly interior: { readonly border: number; readonly imageAuroc: number | null; readonly byDefectType: Record<string, number | null> };
  readonly bank: number;
  readonly dims: number;
  readonly grid: readonly [number, number];
  readonly trainImages: number;
  readonly seconds: number;
}

export const MAX_BANK = 40_000;
/** Cells of the patch grid left out of the `interior` image score, on each side. */
export const INTERIOR_BORDER = 2;
const QUERY_BLOCK = 512;

/** 3 × 3 average pool (stride 1; edges average the neighbours that exist) of a (C, h, w) tap. */
export function avgPool3(data: Float32Array, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let k = 0; k < c; k++) {
    const base = k * h * w;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let s = 0;
        let n = 0;
        for (let dy = -1; dy <= 1; dy++) {
          const yy = y + dy;
          if (yy < 0 || yy >= h) continue;
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            if (xx < 0 || xx >= w) continue;
            s += data[base + yy * w + xx];
            n++;
          }
        }
        out[base + y * w + x] = s / n;
      }
    }
  }
  return out;
}

/** Bilinear resize of a (C, h, w) array to (C, H, W), half-pixel centres (align_corners = false). */
export function resizeChw(data: Float32Array, c: number, h: number, w: number, H: number, W: number): Float32Array {
  if (h === H && w === W) return data;
  const out = new Float32Array(c * H * W);
  for (let y = 0; y < H; y++) {
    const sy = Math.min(Math.max(((y + 0.5) * h) / H - 0.5, 0), h - 1);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, h - 1);
    const fy = sy - y0;
    for (let x = 0; x < W; x++) {
      const sx = Math.min(Math.max(((x + 0.5) * w) / W - 0.5, 0), w - 1);
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, w - 1);
      const fx = sx - x0;
      for (let k = 0; k < c; k++) {
        const b = k * h * w;
        const top = data[b + y0 * w + x0] * (1 - fx) + data[b + y0 * w + x1] * fx;
        const bot = data[b + y1 * w + x0] * (1 - fx) + data[b + y1 * w + x1] * fx;
        out[k * H * W + y * W + x] = top * (1 - fy) + bot * fy;
      }
    }
  }
  return out;
}

/** One image's patch vectors, (H0 · W0, D) row-major, on the finest tap's grid. */
export function embedPatches(taps: readonly TapFeatures[]): { vectors: Float32Array; grid: [number, number]; dims: number } {
  const H0 = Math.max(...taps.map((t) => t.shape[1]));
  const W0 = Math.max(...taps.map((t) => t.shape[2]));
  const dims = taps.reduce((a, t) => a + t.shape[0], 0);
  const vectors = new Float32Array(H0 * W0 * dims);
  let off = 0;
  for (const t of taps) {
    const [c, h, w] = t.shape;
    const up = resizeChw(avgPool3(t.data, c, h, w), c, h, w, H0, W0);
    for (let k = 0; k < c; k++) for (let p = 0; p < H0 * W0; p++) vectors[p * dims + off + k] = up[k * H0 * W0 + p];
    off += c;
  }
  return { vectors, grid: [H0, W0], dims };
}

/** Nearest-neighbour squared distances of query rows to a bank, on ORT (MatMul) in fixed-size blocks. */
export class NearestNeighbours {
  private constructor(
    private readonly session: Session,
    private readonly bankT: Float32Array,
    private readonly bankNorm: Float32Array,
    readonly dims: number,
    readonly size: number,
  ) {}

  static async create(bank: Float32Array, dims: number): Promise<NearestNeighbours> {
    const m = bank.length / dims;
    const g = new Graph({ name: 'patchcore-nn' });
    const q = g.input('q', [QUERY_BLOCK, dims]);
    const bt = g.input('bt', [dims, m]);
    const bn = g.input('bn', [1, m]);
    // max_j (2 q·b_j − ||b_j||²) = ||q||² − min_j ||q − b_j||²
    g.output('best', ReduceMax(Sub(Mul(MatMul(q, bt), 2), bn), [1], false));
    const session = await createSession(serialize(g), {});
    const bankT = new Float32Array(dims * m);
    const bankNorm = new Float32Array(m);
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < dims; k++) {
        const v = bank[j * dims + k];
        bankT[k * m + j] = v;
        s += v * v;
      }
      bankNorm[j] = s;
    }
    return new NearestNeighbours(session, bankT, bankNorm, dims, m);
  }

  /** Squared distance of every row of `queries` ((n, D) row-major) to its nearest bank row. */
  async query(queries: Float32Array): Promise<Float32Array> {
    const d = this.dims;
    const n = queries.length / d;
    const out = new Float32Array(n);
    const bt = float32Tensor(this.bankT, [d, this.size]);
    const bn = float32Tensor(this.bankNorm, [1, this.size]);
    for (let start = 0; start < n; start += QUERY_BLOCK) {
      const rows = Math.min(QUERY_BLOCK, n - start);
      const block = new Float32Array(QUERY_BLOCK * d);
      block.set(queries.subarray(start * d, (start + rows) * d));
      const r = await this.session.run({ q: float32Tensor(block, [QUERY_BLOCK, d]), bt, bn }, ['best']);
      const best = r.best.data as Float32Array;
      for (let i = 0; i < rows; i++) {
        let qn = 0;
        for (let k = 0; k < d; k++) qn += block[i * d + k] ** 2;
        out[start + i] = Math.max(0, qn - best[i]);
      }
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

async function loadMask(file: string, size: number): Promise<Uint8Array> {
  const { data } = await sharp(file).greyscale().resize(size, size, { fit: 'fill', kernel: 'nearest' }).raw().toBuffer({ resolveWithObject: true });
  return Uint8Array.from(data, (v) => (v >= 128 ? 1 : 0));
}

/** Scores a category's test split with the baseline; the project must hold the category (train + test). */
export async function runPatchcore(project: Project, o: PatchcoreOptions): Promise<PatchcoreResult> {
  const started = performance.now();
  const log = o.log ?? (() => {});
  const size = o.size;
  const backbone = modelBackbone(builtinBackbone({ outDir: project.path('backbones') }), { colourTap: true }, project.path('backbones'));
  const taps = tapShapes(backbone, size, size).map((t) => t.name);
  const features = await FeatureSource.create(backbone, { width: size, height: size, fit: 'stretch' }, new FeatureCache(project.path('features')), {}, taps);
  let nn: NearestNeighbours | undefined;
  try {
    const train = selectTrainingData(project, { category: o.category }, o.seed, o.valFraction ?? 0.15).train;
    const asFeat = (imgs: readonly ModelImage[]) => imgs.map((i) => ({ file: imageFile(project, i.path), sha256: i.sha256 }));
    // The bank: every training patch, then a seeded subsample.
    let dims = 0;
    let grid: [number, number] = [0, 0];
    const chunks: Float32Array[] = [];
    for (let s = 0; s < train.length; s += 16) {
      for (const f of await features.clean(asFeat(train.slice(s, s + 16)))) {
        const e = embedPatches(f);
        dims = e.dims;
        grid = e.grid;
        chunks.push(e.vectors);
      }
    }
    const perImage = grid[0] * grid[1];
    const total = chunks.length * perImage;
    const m = Math.min(o.maxBank ?? MAX_BANK, total);
    const order = new Int32Array(total);
    for (let i = 0; i < total; i++) order[i] = i;
    const rng = new Rng(o.seed ^ 0x7c0de);
    for (let i = 0; i < m; i++) {
      const j = i + Math.floor(rng.unit() * (total - i));
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    const bank = new Float32Array(m * dims);
    for (let i = 0; i < m; i++) {
      const idx = order[i];
      const src = chunks[Math.floor(idx / perImage)];
      const p = idx % perImage;
      bank.set(src.subarray(p * dims, (p + 1) * dims), i * dims);
    }
    chunks.length = 0;
    log(`${o.category}: patchcore bank ${m} of ${total} patches (${dims} dims, ${grid[0]}×${grid[1]} grid, ${train.length} training images)`);
    nn = await NearestNeighbours.create(bank, dims);

    const test = selectModelImages(project.db, { category: o.category, split: 'test' });
    const pixels = new PixelMetricAccumulator();
    const scores: number[] = [];
    const inner: number[] = [];
    const labels: number[] = [];
    const types: (string | null)[] = [];
    for (let s = 0; s < test.length; s += 8) {
      const chunk = test.slice(s, s + 8);
      const feats = await features.clean(asFeat(chunk));
      for (let i = 0; i < chunk.length; i++) {
        const img = chunk[i];
        const e = embedPatches(feats[i]);
        const d2 = await nn.query(e.vectors);
        const dist = Float32Array.from(d2, (v) => Math.sqrt(v));
        let score = 0;
        let interior = 0;
        const [gh, gw] = e.grid;
        const b = Math.min(INTERIOR_BORDER, Math.floor((Math.min(gh, gw) - 1) / 2));
        for (let p = 0; p < dist.length; p++) {
          score = Math.max(score, dist[p]);
          const x = p % gw;
          const y = Math.floor(p / gw);
          if (x >= b && y >= b && x < gw - b && y < gh - b) interior = Math.max(interior, dist[p]);
        }
        scores.push(score);
        inner.push(interior);
        const defect = img.label === 'defect';
        labels.push(defect ? 1 : 0);
        types.push(defect ? (img.defectType ?? 'unspecified') : null);
        const map = resizeChw(dist, 1, e.grid[0], e.grid[1], size, size);
        const mask = defect && img.maskPath ? await loadMask(imageFile(project, img.maskPath), size) : null;
        if (!defect || mask) pixels.add({ map, width: size, height: size, mask });
      }
    }
    const nDef = labels.filter((l) => l === 1).length;
    const mixed = nDef > 0 && nDef < labels.length;
    const pixelOk = pixels.imageCount > 0 && pixels.regionCount > 0;
    return {
      imageAuroc: mixed ? imageAuroc(scores, labels) : null,
      pixelAuroc: pixelOk ? pixels.pixelAuroc() : null,
      aupro: pixelOk ? pixels.aupro(0.3) : null,
      byDefectType: aurocByType(scores, types),
      interior: { border: INTERIOR_BORDER, imageAuroc: mixed ? imageAuroc(inner, labels) : null, byDefectType: aurocByType(inner, types) },
      bank: m,
      dims,
      grid,
      trainImages: train.length,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await nn?.release();
    await features.release();
  }
}

/** Image AUROC of each defect type against every good image (`types[i]` null for a good image). */
function aurocByType(scores: readonly number[], types: readonly (string | null)[]): Record<string, number | null> {
  const good = scores.filter((_, i) => types[i] === null);
  const out: Record<string, number | null> = {};
  for (const t of [...new Set(types.filter((x): x is string => x !== null))].sort()) {
    const d = scores.filter((_, i) => types[i] === t);
    out[t] = good.length ? imageAuroc([...good, ...d], [...good.map(() => 0), ...d.map(() => 1)]) : null;
  }
  return out;
}
