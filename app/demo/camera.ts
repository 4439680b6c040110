import type { Canvas } from './canvas.js';
import { makeRng, type Rng } from './random.js';

/** Standard normals shared by all images; each image reads them from its own start with its own odd stride. */
const GAUSS_BITS = 18;
const gaussTable = (() => {
  const rng = makeRng(0x9a055);
  const t = new Float32Array(1 << GAUSS_BITS);
  for (let i = 0; i < t.length; i++) t[i] = rng.normal();
  return t;
})();

/**
 * What the camera adds on top of the scene, drawn fresh per image: exposure, white balance, an illumination
 * gradient, vignetting and sensor noise. Applied after the defects, so defects are lit like everything else.
 */
export function applyCamera(c: Canvas, rng: Rng): void {
  const gain = rng.range(0.93, 1.07);
  const wb = [rng.range(0.98, 1.02), 1, rng.range(0.98, 1.02)];
  const gx = rng.range(-0.06, 0.06);
  const gy = rng.range(-0.06, 0.06);
  const vignette = rng.range(0.03, 0.08);
  const sigma = rng.range(0.006, 0.013);
  const { width: w, height: h, rgb } = c;
  const wrap = (1 << GAUSS_BITS) - 1;
  let g = rng.int(0, wrap);
  const stride = rng.int(0, 1 << 12) * 2 + 1;
  for (let y = 0; y < h; y++) {
    const ny = (y + 0.5) / h - 0.5;
    for (let x = 0; x < w; x++) {
      const nx = (x + 0.5) / w - 0.5;
      const light = gain * (1 + gx * nx * 2 + gy * ny * 2) * (1 - vignette * 4 * (nx * nx + ny * ny));
      const o = (y * w + x) * 3;
      for (let ch = 0; ch < 3; ch++) rgb[o + ch] = rgb[o + ch] * light * wb[ch] + sigma * gaussTable[(g = (g + stride) & wrap)];
    }
  }
}
