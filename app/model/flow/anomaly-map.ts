/**
 * Anomaly map and image score from the flows' outputs (no trainable params, never differentiated):
 *   per tap q = 0.5·mean_c z² (N, 1, h, w) — the negative log-likelihood per position up to constants —
 *   → bilinear upsample by the tap's stride (half-pixel, as PyTorch align_corners=False) → mean over taps
 *   → map (N, 1, H, W), higher = more anomalous;
 *   score (N) = max of the 3×3-smoothed map ('smoothed-max') or the mean of its top-k pixels ('topk-mean').
 * Thresholds and score normalisation are never in the graph: they live in SQLite and ONNX metadata_props.
 */
import { Add, Conv, Flatten, Mul, ReduceMax, ReduceMean, Resize, type Tensor } from '../../graph/index.js';
import type { FlowConfig, TapShape } from './config.js';
import { positionScore } from './objective.js';

export interface MapAndScore {
  /** (N, 1, H, W) */
  readonly map: Tensor;
  /** (N) */
  readonly score: Tensor;
}

export function anomalyMapAndScore(zs: readonly Tensor[], taps: readonly TapShape[], config: FlowConfig): MapAndScore {
  const g = zs[0].graph;
  const up = zs.map((z, i) => {
    const q = positionScore(z, true);
    return taps[i].stride === 1 ? q : Resize(q, { scale: taps[i].stride, mode: 'linear' });
  });
  const map = Mul(up.reduce((a, b) => Add(a, b)), 1 / up.length);
  const [n, , h, w] = map.shape;
  let score: Tensor;
  if (config.score === 'smoothed-max') {
    const box = g.constant(new Array<number>(9).fill(1 / 9), [1, 1, 3, 3]);
    score = ReduceMax(Conv(map, box, null, { pad: 1 }), [1, 2, 3], false);
  } else {
    const k = Math.max(1, Math.round(config.topkFraction * h * w));
    const flat = Flatten(map, 1); // (N, H·W); ONNX Flatten keeps the exported batch dim symbolic
    const [values] = g.addNode('TopK', [flat, g.int64s([k])], [
      { shape: [n, k], dtype: flat.dtype },
      { shape: [n, k], dtype: 'int64' },
    ], {}, { differentiable: false });
    score = ReduceMean(values, [1], false);
  }
  return { map, score };
}
