/**
 * Feathered blend weights from a hard shape. The weight ramps linearly with the signed distance to the shape's edge
 * over the feather width, centred on the edge, so weight ≥ 0.5 holds exactly for the pixels inside the shape (the mask)
 * however wide the feather, and the weight is zero further than feather/2 + 0.5 px outside it.
 */

const INF = 1e20;

/** 1D squared distance transform (Felzenszwalb & Huttenlocher) of f (length n) into d, using scratch v and z. */
function dt1d(f: Float32Array, n: number, d: Float32Array, v: Int32Array, z: Float32Array): void {
  let k = 0;
  v[0] = 0;
  z[0] = -INF;
  z[1] = INF;
  for (let q = 1; q < n; q++) {
    let s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
    while (s <= z[k]) {
      k--;
      s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = INF;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1] < q) k++;
    const dq = q - v[k];
    d[q] = dq * dq + f[v[k]];
  }
}

/** Squared Euclidean distance from every pixel to the nearest pixel where `bin[i] === target`, shape (h, w). */
export function squaredDistance(bin: Uint8Array, w: number, h: number, target: number): Float32Array {
  const out = new Float32Array(w * h);
  for (let i = 0; i < out.length; i++) out[i] = bin[i] === target ? 0 : INF;
  const n = Math.max(w, h);
  const f = new Float32Array(n);
  const d = new Float32Array(n);
  const v = new Int32Array(n);
  const z = new Float32Array(n + 1);
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) f[y] = out[y * w + x];
    dt1d(f, h, d, v, z);
    for (let y = 0; y < h; y++) out[y * w + x] = d[y];
  }
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) f[x] = out[row + x];
    dt1d(f, w, d, v, z);
    for (let x = 0; x < w; x++) out[row + x] = d[x];
  }
  return out;
}

/**
 * Signed distance to the shape edge, in pixels: positive inside (distance to the nearest outside pixel − 0.5),
 * negative outside. Pixels with no counterpart in the region get ±1e10.
 */
export function signedDistance(inside: Uint8Array, w: number, h: number): Float32Array {
  const toOutside = squaredDistance(inside, w, h, 0);
  const toInside = squaredDistance(inside, w, h, 1);
  const sd = new Float32Array(w * h);
  for (let i = 0; i < sd.length; i++) {
    sd[i] = inside[i] ? (toOutside[i] >= INF ? 1e10 : Math.sqrt(toOutside[i]) - 0.5) : toInside[i] >= INF ? -1e10 : -(Math.sqrt(toInside[i]) - 0.5);
  }
  return sd;
}

/** Blend weight in [0, 1] from a signed distance and a feather width in pixels (0 = hard edge). */
export function featherWeights(sd: Float32Array, featherPx: number): Float32Array {
  const out = new Float32Array(sd.length);
  if (featherPx <= 0) {
    for (let i = 0; i < sd.length; i++) out[i] = sd[i] >= 0 ? 1 : 0;
    return out;
  }
  // Inside pixels have sd ≥ 0.5 and outside ones sd ≤ −0.5, so the 0.5 level falls between them for any width.
  const inv = 1 / featherPx;
  for (let i = 0; i < sd.length; i++) {
    const wgt = 0.5 + sd[i] * inv;
    out[i] = wgt <= 0 ? 0 : wgt >= 1 ? 1 : wgt;
  }
  return out;
}
