import type { BinaryMap, Raster } from './raster.js';
import { colourChannels, maxValue } from './raster.js';

/**
 * Estimates the object (foreground) of an object-category image: pixels whose colour differs from the background
 * colour (the median of the border) by more than an Otsu threshold, computed on a ≤ 128-px thumbnail. Texture
 * categories (the border looks like everything else) and failed estimates yield "everything is foreground".
 */
export function estimateForeground(img: Raster): BinaryMap {
  const { width: W, height: H } = img;
  const step = Math.max(1, Math.ceil(Math.max(W, H) / 128));
  const tw = Math.ceil(W / step);
  const th = Math.ceil(H / step);
  const cc = colourChannels(img.channels);
  const max = maxValue(img.bitDepth);
  const thumb = new Float32Array(tw * th * cc);
  for (let ty = 0; ty < th; ty++) {
    for (let tx = 0; tx < tw; tx++) {
      const x = Math.min(W - 1, tx * step + (step >> 1));
      const y = Math.min(H - 1, ty * step + (step >> 1));
      for (let k = 0; k < cc; k++) thumb[(ty * tw + tx) * cc + k] = img.data[(y * W + x) * img.channels + k] / max;
    }
  }
  const border: number[][] = Array.from({ length: cc }, () => []);
  for (let ty = 0; ty < th; ty++) {
    for (let tx = 0; tx < tw; tx++) {
      if (tx > 0 && ty > 0 && tx < tw - 1 && ty < th - 1) continue;
      for (let k = 0; k < cc; k++) border[k].push(thumb[(ty * tw + tx) * cc + k]);
    }
  }
  const bg = border.map((v) => [...v].sort((a, b) => a - b)[v.length >> 1]);
  const dist = new Float32Array(tw * th);
  for (let i = 0; i < tw * th; i++) {
    let s = 0;
    for (let k = 0; k < cc; k++) s += (thumb[i * cc + k] - bg[k]) ** 2;
    dist[i] = Math.sqrt(s / cc);
  }
  const t = otsu(dist);
  const all = (): BinaryMap => ({ width: W, height: H, data: new Uint8Array(W * H).fill(1) });
  // A background that varies as much as the threshold is no uniform background: treat the image as all object.
  const borderDist = border[0].map((_, j) => Math.sqrt(border.reduce((s, v, k) => s + (v[j] - bg[k]) ** 2, 0) / cc));
  const borderAbove = borderDist.filter((d) => d > t).length / borderDist.length;
  if (t < 0.04 || borderAbove > 0.25) return all();
  let fgCount = 0;
  for (let i = 0; i < dist.length; i++) if (dist[i] > t) fgCount++;
  const frac = fgCount / dist.length;
  if (frac < 0.01 || frac > 0.97) return all();
  const out = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    const trow = Math.min(th - 1, Math.floor(y / step)) * tw;
    for (let x = 0; x < W; x++) out[y * W + x] = dist[trow + Math.min(tw - 1, Math.floor(x / step))] > t ? 1 : 0;
  }
  return { width: W, height: H, data: out };
}

/**
 * Otsu's threshold of values in [0, 1], returned as the midpoint of the two class means at the best split (a clean
 * bimodal histogram has a plateau of equally good splits; the midpoint sits in the middle of the gap).
 */
function otsu(values: Float32Array): number {
  const bins = 256;
  const hist = new Float64Array(bins);
  for (const v of values) hist[Math.min(bins - 1, Math.max(0, Math.floor(v * bins)))]++;
  const total = values.length;
  let sumAll = 0;
  for (let i = 0; i < bins; i++) sumAll += i * hist[i];
  let wB = 0;
  let sumB = 0;
  let best = 0;
  let bestT = 0;
  for (let i = 0; i < bins; i++) {
    wB += hist[i];
    if (wB === 0) continue;
    const wF = total - wB;
    if (wF === 0) break;
    sumB += i * hist[i];
    const mB = sumB / wB;
    const mF = (sumAll - sumB) / wF;
    const between = wB * wF * (mB - mF) ** 2;
    if (between > best) {
      best = between;
      bestT = (mB + mF) / 2 + 0.5;
    }
  }
  return bestT / bins;
}
