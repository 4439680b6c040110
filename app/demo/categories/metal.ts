import { makeCanvas, type Canvas } from '../canvas.js';
import type { DemoCategory } from '../category.js';
import { drawContamination, drawDent, drawScratch, drawStain, maskArea } from '../defects.js';
import { fbm, valueNoise } from '../noise.js';
import type { Rng } from '../random.js';

/**
 * Brushed aluminium: fine streaks along the brushing direction (noise stretched ~60x along it), a broad anisotropic
 * highlight band across it, and slow tonal drift. Defects: scratches across the grain, dents, contamination.
 */

interface Brushing {
  readonly angle: number;
  readonly light: readonly [number, number, number];
}

function renderBrushed(rng: Rng, size: number): { canvas: Canvas; brushing: Brushing } {
  const c = makeCanvas(size, size);
  const angle = rng.range(-2.5, 2.5) * (Math.PI / 180);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const seed = rng.int(0, 1e9);
  const base = rng.range(0.55, 0.63);
  const tint = [rng.range(0.98, 1.0), 1, rng.range(1.0, 1.04)];
  const bandPhase = rng.range(0, 2 * Math.PI);
  const bandFreq = rng.range(0.6, 1.2);
  const bandAmp = rng.range(0.08, 0.16);
  const lightAngle = rng.range(-0.8, -0.4) * Math.PI;
  const light: [number, number, number] = [Math.cos(lightAngle) * 0.55, Math.sin(lightAngle) * 0.55, 0.835];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = x * cos + y * sin;
      const v = -x * sin + y * cos;
      const streaks =
        0.55 * (valueNoise(u / 60, v * 1.1, seed) - 0.5) +
        0.3 * (valueNoise(u / 25, v * 2.3, seed + 1) - 0.5) +
        0.15 * (valueNoise(u / 9, v * 4.1, seed + 2) - 0.5);
      const band = bandAmp * Math.cos((2 * Math.PI * bandFreq * v) / size + bandPhase);
      const drift = 0.04 * fbm(x / 90, y / 90, seed + 3, 3);
      const value = base * (1 + 0.16 * streaks + band + drift);
      const o = (y * size + x) * 3;
      for (let ch = 0; ch < 3; ch++) c.rgb[o + ch] = value * tint[ch];
    }
  }
  return { canvas: c, brushing: { angle, light } };
}

export const metal: DemoCategory = {
  name: 'metal',
  fixtured: false,
  defectTypes: ['scratch', 'dent', 'contamination'],
  render(rng, size, defect) {
    if (defect === null) return { canvas: renderBrushed(rng, size).canvas, mask: null };
    for (;;) {
      const { canvas, brushing } = renderBrushed(rng, size);
      let mask;
      if (defect === 'scratch') mask = drawScratch(canvas, rng, brushing.angle + Math.PI / 2 + rng.range(-1.1, 1.1));
      else if (defect === 'dent') mask = drawDent(canvas, rng, brushing.light);
      else if (defect === 'contamination') {
        mask = rng.next() < 0.3 ? drawStain(canvas, rng, [0.6, 0.5, 0.38]) : drawContamination(canvas, rng, ['specks', 'fibre']);
      } else throw new Error(`metal has no defect type "${defect}"`);
      if (maskArea(mask) >= 20) return { canvas, mask };
    }
  },
};
