import type { Blend } from './params.js';
import type { Raster } from './raster.js';
import { colourChannels, maxValue } from './raster.js';
import type { Region } from './shapes.js';

/** Combines the image under the region with a content layer, in place on `layer` (both (h, w, cc), value units). */
export function applyMode(mode: Blend['mode'], base: Float32Array, layer: Float32Array, max: number): void {
  switch (mode) {
    case 'normal':
      return;
    case 'multiply':
      for (let i = 0; i < layer.length; i++) layer[i] = (base[i] * Math.max(0, layer[i])) / max;
      return;
    case 'screen':
      for (let i = 0; i < layer.length; i++) layer[i] = base[i] + layer[i] - (base[i] * layer[i]) / max;
      return;
  }
}

/**
 * Gradient-domain (Poisson) blend: adds to `layer` the harmonic function h that equals base − layer outside the
 * support (weight 0) — so the result keeps the layer's gradients inside while meeting the surrounding intensities at
 * the edge. Solved by successive over-relaxation, started from the mean boundary difference.
 */
export function poissonBlend(base: Float32Array, layer: Float32Array, weight: Float32Array, w: number, h: number, cc: number): void {
  const n = w * h;
  const hcorr = new Float32Array(n);
  const support = new Uint8Array(n);
  for (let i = 0; i < n; i++) support[i] = weight[i] > 0 ? 1 : 0;
  const iterations = Math.min(400, Math.max(30, Math.round(1.5 * Math.max(w, h))));
  const omega = 2 / (1 + Math.sin(Math.PI / Math.max(w, h, 2)));
  for (let k = 0; k < cc; k++) {
    let sum = 0;
    let cnt = 0;
    for (let i = 0; i < n; i++) {
      const d = base[i * cc + k] - layer[i * cc + k];
      if (!support[i]) {
        hcorr[i] = d;
        sum += d;
        cnt++;
      }
    }
    const mean = cnt > 0 ? sum / cnt : 0;
    for (let i = 0; i < n; i++) if (support[i]) hcorr[i] = mean;
    for (let it = 0; it < iterations; it++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const i = y * w + x;
          if (!support[i]) continue;
          // Neighbours outside the region are skipped (zero-flux edge at the image border).
          let acc = 0;
          let m = 0;
          if (x > 0) { acc += hcorr[i - 1]; m++; }
          if (x < w - 1) { acc += hcorr[i + 1]; m++; }
          if (y > 0) { acc += hcorr[i - w]; m++; }
          if (y < h - 1) { acc += hcorr[i + w]; m++; }
          if (m > 0) hcorr[i] += omega * (acc / m - hcorr[i]);
        }
      }
    }
    for (let i = 0; i < n; i++) if (support[i]) layer[i * cc + k] += hcorr[i];
  }
}

/**
 * Writes image ← image + weight·opacity·(layer − image) over the region, rounded and clamped to the bit depth.
 * Pixels with weight 0 are not touched, so they keep their exact input value.
 */
export function composite(img: Raster, region: Region, layer: Float32Array, weight: Float32Array, opacity: number): void {
  const cc = colourChannels(img.channels);
  const max = maxValue(img.bitDepth);
  const { data, channels, width } = img;
  for (let y = 0; y < region.h; y++) {
    for (let x = 0; x < region.w; x++) {
      const i = y * region.w + x;
      const a = weight[i] * opacity;
      if (a <= 0) continue;
      const di = ((region.y0 + y) * width + region.x0 + x) * channels;
      for (let k = 0; k < cc; k++) {
        const v = data[di + k];
        const t = Math.round(v + a * (layer[i * cc + k] - v));
        data[di + k] = t < 0 ? 0 : t > max ? max : t;
      }
    }
  }
}
