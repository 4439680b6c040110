/**
 * Data-dependent init of the per-tap LayerNorm's elementwise affine (ActNorm-style, as in Glow): scale and bias
 * are set so that every (c, h, w) position of the normalised clean training features starts at mean 0 and unit
 * standard deviation. With the identity init the affine needs hundreds of steps to learn per-position offsets;
 * with this init the model starts as a per-position diagonal Gaussian (what PaDiM fits) and the flow learns what
 * remains. On aligned parts (boards, fixtures) that is what makes a displaced or missing structure stand out; on
 * textures the per-position statistics are all alike and the init is close to a global rescaling.
 */

/** Scale floor as a fraction of the median per-position std: positions that never vary must not amplify noise. */
const STD_FLOOR = 0.25;

/** Streams samples of one tap (C·H·W values each) and yields the LayerNorm scale and bias that standardise them. */
export class LayerNormStats {
  private readonly sum: Float64Array;
  private readonly sq: Float64Array;
  private n = 0;

  constructor(
    readonly size: number,
    private readonly epsilon = 1e-5,
  ) {
    this.sum = new Float64Array(size);
    this.sq = new Float64Array(size);
  }

  /** Adds one sample: the LayerNorm over all its values (what the graph computes), then per-position moments. */
  add(sample: Float32Array): void {
    const size = this.size;
    if (sample.length !== size) throw new Error(`layer-norm data init: a sample has ${sample.length} values, expected ${size}`);
    let m = 0;
    for (let i = 0; i < size; i++) m += sample[i];
    m /= size;
    let v = 0;
    for (let i = 0; i < size; i++) v += (sample[i] - m) ** 2;
    const inv = 1 / Math.sqrt(v / size + this.epsilon);
    for (let i = 0; i < size; i++) {
      const y = (sample[i] - m) * inv;
      this.sum[i] += y;
      this.sq[i] += y * y;
    }
    this.n++;
  }

  result(): { scale: Float32Array; bias: Float32Array } {
    const { n, size } = this;
    if (n < 2) throw new Error(`layer-norm data init needs at least 2 samples, got ${n}`);
    const std = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      const mean = this.sum[i] / n;
      std[i] = Math.sqrt(Math.max(0, this.sq[i] / n - mean * mean));
    }
    const floor = STD_FLOOR * median(std);
    const scale = new Float32Array(size);
    const bias = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      const k = 1 / Math.max(std[i], floor, 1e-6);
      scale[i] = k;
      bias[i] = (-this.sum[i] / n) * k;
    }
    return { scale, bias };
  }
}

/** `features`: n samples of one tap in one buffer, (n, size). */
export function layerNormDataInit(features: Float32Array, n: number, size: number): { scale: Float32Array; bias: Float32Array } {
  if (features.length !== n * size) throw new Error(`layer-norm data init: ${features.length} values are not ${n} samples of ${size}`);
  const stats = new LayerNormStats(size);
  for (let s = 0; s < n; s++) stats.add(features.subarray(s * size, (s + 1) * size));
  return stats.result();
}

function median(v: Float64Array): number {
  const s = Float64Array.from(v).sort();
  return s[Math.floor(s.length / 2)];
}
