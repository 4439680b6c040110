import { fractalNoise } from './noise.js';
import { createRng } from './prng.js';
import type { Raster } from './raster.js';
import { createRaster, maxValue } from './raster.js';

/**
 * A generated, textured stand-in for a product photo (tests, benchmarks, documentation): brushed-metal-like noise,
 * optionally as a round object on a plain dark background (an "object category" image).
 */
export function demoImage(
  width: number,
  height: number,
  opts: { channels?: Raster['channels']; bitDepth?: 8 | 16; object?: boolean; seed?: number } = {},
): Raster {
  const channels = opts.channels ?? 3;
  const bitDepth = opts.bitDepth ?? 8;
  const rng = createRng(opts.seed ?? 7);
  const coarse = fractalNoise(rng, width, height, Math.max(4, width / 5), 4);
  const fine = fractalNoise(rng, width, height, Math.max(2, width / 64), 2);
  const img = createRaster(width, height, channels, bitDepth);
  const max = maxValue(bitDepth);
  const tint = [1, 0.93, 0.8];
  const r = Math.min(width, height) * 0.38;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      // Horizontal streaks give the texture a direction, like a machined surface.
      const streak = 0.04 * Math.sin((y / height) * Math.PI * 40 + coarse[i] * 3);
      let v = 0.55 + 0.18 * coarse[i] + 0.06 * fine[i] + streak;
      if (opts.object && Math.hypot(x + 0.5 - width / 2, y + 0.5 - height / 2) > r) v = 0.08 + 0.01 * fine[i];
      const o = i * channels;
      if (channels <= 2) img.data[o] = Math.round(Math.min(1, Math.max(0, v)) * max);
      else for (let k = 0; k < 3; k++) img.data[o + k] = Math.round(Math.min(1, Math.max(0, v * tint[k])) * max);
      if (channels === 2 || channels === 4) img.data[o + channels - 1] = max;
    }
  }
  return img;
}
