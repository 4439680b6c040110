/** Synthesis masks (N, 1, H, W) in {0, 1} → per-tap cell weights for the objective. */

export interface TapMasks {
  /** Defect fraction of each (stride × stride) cell, (N, h, w). */
  readonly masked: Float32Array;
  /** 1 where the cell holds no defect pixel, (N, h, w). */
  readonly keep: Float32Array;
}

export function downsampleMask(masks: Float32Array, n: number, height: number, width: number, stride: number): TapMasks {
  const h = height / stride;
  const w = width / stride;
  const masked = new Float32Array(n * h * w);
  const keep = new Float32Array(n * h * w);
  const area = stride * stride;
  for (let b = 0; b < n; b++) {
    const base = b * height * width;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let sum = 0;
        for (let dy = 0; dy < stride; dy++) {
          const row = base + (y * stride + dy) * width + x * stride;
          for (let dx = 0; dx < stride; dx++) sum += masks[row + dx];
        }
        const o = (b * h + y) * w + x;
        masked[o] = sum / area;
        keep[o] = sum === 0 ? 1 : 0;
      }
    }
  }
  return { masked, keep };
}
