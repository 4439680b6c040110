/**
 * Resize (N, C, H, W) → (N, C, H·s, W·s) by a fixed factor, written as two MatMuls with constant interpolation
 * matrices: y = A_h · x · A_wᵀ. The gradient is then the transposed matrices (MatMul's rule), and it runs in float64.
 * Coordinates follow ONNX `half_pixel` (PyTorch `align_corners=False`).
 */
import { GraphError, fmtShape } from '../errors.js';
import { requireRank } from '../shape.js';
import { Tensor } from '../tensor.js';
import { MatMul } from './matmul.js';

export interface ResizeOptions {
  /** Factor: an integer ≥ 1 (upsampling) or 1/k for an integer k (downsampling). */
  readonly scale: number;
  /** 'linear' (bilinear, default) or 'nearest'. */
  readonly mode?: 'linear' | 'nearest';
}

export function Resize(x: Tensor, options: ResizeOptions): Tensor {
  if (!(x instanceof Tensor)) throw new GraphError('Resize', 'x must be a tensor');
  requireRank('Resize', x, 4, 'input');
  const { scale } = options;
  const mode = options.mode ?? 'linear';
  const [, , h, w] = x.shape;
  const ho = Math.round(h * scale);
  const wo = Math.round(w * scale);
  if (!(scale > 0) || Math.abs(h * scale - ho) > 1e-9 || Math.abs(w * scale - wo) > 1e-9 || ho < 1 || wo < 1) {
    throw new GraphError('Resize', `scale ${scale} does not give whole output sizes for ${fmtShape(x.shape)}`);
  }
  const g = x.graph;
  const ah = g.constant(interpolationMatrix(h, ho, mode), [ho, h], x.dtype);
  const awT = g.constant(transpose(interpolationMatrix(w, wo, mode), wo, w), [w, wo], x.dtype);
  return MatMul(MatMul(ah, x), awT);
}

/** Row-major (out, in) weights mapping `inSize` samples to `outSize`. */
export function interpolationMatrix(inSize: number, outSize: number, mode: 'linear' | 'nearest'): Float64Array {
  const m = new Float64Array(outSize * inSize);
  const scale = outSize / inSize;
  for (let o = 0; o < outSize; o++) {
    const src = (o + 0.5) / scale - 0.5;
    if (mode === 'nearest') {
      // ONNX nearest_mode round_prefer_floor on asymmetric coordinates equals floor(o / scale) for these factors.
      m[o * inSize + Math.min(inSize - 1, Math.floor(o / scale))] = 1;
      continue;
    }
    const c = Math.min(Math.max(src, 0), inSize - 1);
    const i0 = Math.floor(c);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const t = c - i0;
    m[o * inSize + i0] += 1 - t;
    m[o * inSize + i1] += t;
  }
  return m;
}

function transpose(m: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c];
  return out;
}
