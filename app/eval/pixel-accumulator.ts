import {
  aurocFromTable,
  auproFromTable,
  f1MaxFromTable,
  prFromTable,
  proFromTable,
  rocFromTable,
  statsFromTable,
  thinPoints,
  type F1Max,
  type PrPoint,
  type ProPoint,
  type RocPoint,
  type ThresholdStats,
} from './curves.js';
import { MetricInputError } from './errors.js';
import { labelRegions } from './regions.js';
import { emptyTable, mergeTables, tableFromSamples, type ScoreTable } from './score-table.js';

/** Fixed-width binning of scores into `count` bins over [min, max]; values outside are clamped to the end bins. */
export interface Binning {
  readonly count: number;
  readonly min: number;
  readonly max: number;
}

/** One image's anomaly map `(H, W)` with its defect mask and optional ignore-region mask (both `(H, W)`, 0 / non-0). */
export interface PixelSample {
  readonly map: ArrayLike<number>;
  readonly width: number;
  readonly height: number;
  /** Non-zero = defect pixel; null / undefined for a good image. */
  readonly mask?: ArrayLike<number> | null;
  /** Non-zero = pixel not evaluated. */
  readonly ignore?: ArrayLike<number> | null;
}

/**
 * Streaming pixel-level metrics (pixel AUROC, AUPRO, ROC / PR / PRO curves, pixel F1-max). Add images one by one;
 * maps are not kept. Exact by default: it keeps one entry per distinct score value (32 bytes each), merged in
 * geometrically sized runs so adding N pixels costs O(N log N). With `binning`, memory is O(bins) and the metrics
 * are approximations whose error shrinks with the bin count.
 */
export class PixelMetricAccumulator {
  private runs: ScoreTable[] = [];
  private readonly binned?: { spec: Binning; pos: Float64Array; neg: Float64Array; weight: Float64Array };
  private regions = 0;
  private images = 0;
  private pixels = 0;

  constructor(options: { binning?: Binning } = {}) {
    const b = options.binning;
    if (b) {
      if (!Number.isInteger(b.count) || b.count < 2) throw new MetricInputError(`binning.count must be an integer >= 2 (got ${b.count})`);
      if (!(Number.isFinite(b.min) && Number.isFinite(b.max) && b.max > b.min)) {
        throw new MetricInputError(`binning range must be finite with max > min (got ${b.min}..${b.max})`);
      }
      this.binned = { spec: b, pos: new Float64Array(b.count), neg: new Float64Array(b.count), weight: new Float64Array(b.count) };
    }
  }

  get imageCount(): number {
    return this.images;
  }
  get pixelCount(): number {
    return this.pixels;
  }
  get regionCount(): number {
    return this.regions;
  }

  add(sample: PixelSample): void {
    const { map, width, height, mask, ignore } = sample;
    const n = width * height;
    const where = `image #${this.images}`;
    if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
      throw new MetricInputError(`pixel metrics: ${where} has invalid size ${width}x${height}`);
    }
    if (map.length !== n) throw new MetricInputError(`pixel metrics: ${where} map has ${map.length} values, expected ${width}x${height}`);
    if (mask && mask.length !== n) throw new MetricInputError(`pixel metrics: ${where} mask has ${mask.length} values, expected ${width}x${height}`);
    if (ignore && ignore.length !== n) throw new MetricInputError(`pixel metrics: ${where} ignore mask has ${ignore.length} values, expected ${width}x${height}`);
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(map[i])) throw new MetricInputError(`pixel metrics: ${where} has a non-finite score (${map[i]}) at pixel ${i}`);
    }

    const regions = mask ? labelRegions(mask, width, height, ignore) : null;
    let negCount = 0;
    let posCount = 0;
    for (let i = 0; i < n; i++) {
      if (ignore && ignore[i] !== 0) continue;
      if (regions && regions.labels[i] !== 0) posCount++;
      else negCount++;
    }
    const negScores = new Float64Array(negCount);
    const posScores = new Float64Array(posCount);
    const posWeights = new Float64Array(posCount);
    let a = 0;
    let b = 0;
    for (let i = 0; i < n; i++) {
      if (ignore && ignore[i] !== 0) continue;
      const r = regions ? regions.labels[i] : 0;
      if (r !== 0) {
        posScores[b] = map[i];
        posWeights[b++] = 1 / regions!.sizes[r - 1];
      } else negScores[a++] = map[i];
    }
    this.images++;
    this.pixels += negCount + posCount;
    this.regions += regions ? regions.sizes.length : 0;

    if (this.binned) this.addBinned(negScores, posScores, posWeights);
    else this.pushRun(tableFromSamples(negScores.sort(), posScores, posWeights));
  }

  private addBinned(neg: Float64Array, pos: Float64Array, weights: Float64Array): void {
    const { spec, pos: bp, neg: bn, weight: bw } = this.binned!;
    const scale = spec.count / (spec.max - spec.min);
    const bin = (v: number) => Math.min(spec.count - 1, Math.max(0, Math.floor((v - spec.min) * scale)));
    for (let i = 0; i < neg.length; i++) bn[bin(neg[i])]++;
    for (let i = 0; i < pos.length; i++) {
      const k = bin(pos[i]);
      bp[k]++;
      bw[k] += weights[i];
    }
  }

  /** Keeps runs in decreasing size so every entry takes part in O(log N) merges. */
  private pushRun(run: ScoreTable): void {
    this.runs.push(run);
    while (this.runs.length >= 2) {
      const top = this.runs[this.runs.length - 1];
      const below = this.runs[this.runs.length - 2];
      if (below.values.length > 2 * top.values.length) break;
      this.runs.splice(this.runs.length - 2, 2, mergeTables(below, top));
    }
  }

  /** The merged score table (bins are represented by their lower edges). */
  table(): ScoreTable {
    if (this.binned) {
      const { spec, pos, neg, weight } = this.binned;
      const values = new Float64Array(spec.count);
      for (let k = 0; k < spec.count; k++) values[k] = spec.min + ((spec.max - spec.min) * k) / spec.count;
      return { values, pos: pos.slice(), neg: neg.slice(), regionWeight: weight.slice() };
    }
    let t = emptyTable();
    for (const run of this.runs) t = mergeTables(t, run);
    this.runs = t.values.length > 0 ? [t] : [];
    return t;
  }

  pixelAuroc(): number {
    return aurocFromTable('pixel AUROC', this.table(), 'pixels');
  }
  aupro(fprLimit = 0.3): number {
    return auproFromTable('AUPRO', this.table(), this.regions, fprLimit);
  }
  f1Max(): F1Max {
    return f1MaxFromTable('pixel F1-max', this.table(), 'pixels');
  }
  statsAt(threshold: number): ThresholdStats {
    return statsFromTable('pixel threshold statistics', this.table(), threshold);
  }
  roc(maxPoints?: number): RocPoint[] {
    return thinPoints(rocFromTable('pixel ROC curve', this.table(), 'pixels'), maxPoints);
  }
  pr(maxPoints?: number): PrPoint[] {
    return thinPoints(prFromTable('pixel PR curve', this.table(), 'pixels'), maxPoints);
  }
  pro(maxPoints?: number): ProPoint[] {
    return thinPoints(proFromTable('PRO curve', this.table(), this.regions), maxPoints);
  }
}

function accumulate(samples: Iterable<PixelSample>, binning?: Binning): PixelMetricAccumulator {
  const acc = new PixelMetricAccumulator({ binning });
  for (const s of samples) acc.add(s);
  return acc;
}

/** Pixel AUROC over all evaluated pixels of all images (streams the iterable). */
export function pixelAuroc(samples: Iterable<PixelSample>, options: { binning?: Binning } = {}): number {
  return accumulate(samples, options.binning).pixelAuroc();
}

/** AUPRO up to `fprLimit` (default 0.3), normalised to [0, 1], per the MVTec AD protocol (streams the iterable). */
export function aupro(samples: Iterable<PixelSample>, fprLimit = 0.3, options: { binning?: Binning } = {}): number {
  return accumulate(samples, options.binning).aupro(fprLimit);
}
