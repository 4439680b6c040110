import type { BinaryMap, Raster } from '../../app/synthesis/raster.js';
import type { SynthesisParams } from '../../app/synthesis/params.js';

/** Pixels whose colour changed by more than `tol` grey levels between two rasters of the same layout. */
export function changedPixels(a: Raster, b: Raster, tol: number): Uint8Array {
  const n = a.width * a.height;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < a.channels; k++) {
      if (Math.abs(a.data[i * a.channels + k] - b.data[i * a.channels + k]) > tol) out[i] = 1;
    }
  }
  return out;
}

/** The mask dilated by r pixels (Chebyshev distance; a superset of the Euclidean r-disc growth). */
export function grow(mask: BinaryMap, r: number): Uint8Array {
  const { width: W, height: H, data } = mask;
  const tmp = new Uint8Array(W * H);
  const out = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (!data[y * W + x]) continue;
      for (let dx = Math.max(0, x - r); dx <= Math.min(W - 1, x + r); dx++) tmp[y * W + dx] = 1;
    }
  }
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (!tmp[y * W + x]) continue;
      for (let dy = Math.max(0, y - r); dy <= Math.min(H - 1, y + r); dy++) out[dy * W + x] = 1;
    }
  }
  return out;
}

export function maskFraction(mask: BinaryMap): number {
  let n = 0;
  for (const v of mask.data) if (v) n++;
  return n / mask.data.length;
}

/** A one-kind parameter set for focused tests. */
export function singleKind(kind: SynthesisParams['defects'][number], count: [number, number] = [1, 1]): SynthesisParams {
  return { count, defects: [kind], placement: { foreground: 'none', borderMargin: 0 } };
}
