import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinBackbone } from '../../app/model/backbone/builtin.js';
import { COLOUR_TAP, WIDE_STATS_TAP, modelBackbone, withColourTap } from '../../app/model/backbone/colour-tap.js';
import { BackboneExtractor } from '../../app/model/backbone/extractor.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-colour-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** (1, 3, 32, 32) in [0, 255]: a grey weave-like pattern with one brownish darker 8 × 8 cell (a stain). */
function image(): Float32Array {
  const out = new Float32Array(3 * 32 * 32);
  for (let y = 0; y < 32; y++)
    for (let x = 0; x < 32; x++) {
      const base = 150 + 40 * Math.sin(x * 1.7) * Math.cos(y * 1.3);
      const stain = x >= 8 && x < 16 && y >= 16 && y < 24;
      const tint = stain ? [0.78, 0.72, 0.62] : [1, 1, 1];
      for (let c = 0; c < 3; c++) out[c * 1024 + y * 32 + x] = base * tint[c];
    }
  return out;
}

describe('colour-statistics tap', () => {
  it('adds log brightness and log chroma per 8 × 8 cell to the backbone, leaving its own taps untouched', async () => {
    const base = builtinBackbone();
    const derived = withColourTap(base, tmp);
    expect(derived.taps).toEqual([...base.taps, COLOUR_TAP]);
    expect(derived.sha256).not.toBe(base.sha256);
    // Built once: the same file (and hash) next time, and a backbone that already has the tap is returned as is.
    const mtime = fs.statSync(derived.path).mtimeMs;
    expect(withColourTap(base, tmp)).toEqual(derived);
    expect(fs.statSync(derived.path).mtimeMs).toBe(mtime);
    expect(withColourTap(derived, tmp)).toBe(derived);

    const img = image();
    const a = await BackboneExtractor.create(base);
    const b = await BackboneExtractor.create(derived);
    const [plain] = await a.run(img, 1, 32, 32);
    const [withColour] = await b.run(img, 1, 32, 32);
    await a.release();
    await b.release();
    for (let t = 0; t < base.taps.length; t++) expect(Array.from(withColour[t].data)).toEqual(Array.from(plain[t].data));

    const colour = withColour[base.taps.length];
    expect(colour.name).toBe('colour_s8');
    expect(colour.shape).toEqual([3, 4, 4]);
    for (const [cx, cy] of [[1, 2], [3, 0]]) {
      const mean = [0, 0, 0];
      for (let y = cy * 8; y < cy * 8 + 8; y++) for (let x = cx * 8; x < cx * 8 + 8; x++) for (let c = 0; c < 3; c++) mean[c] += img[c * 1024 + y * 32 + x] / (64 * 255);
      const [r, g, bl] = mean.map((v) => v + 0.02);
      const cell = cy * 4 + cx;
      expect(colour.data[cell]).toBeCloseTo(Math.log((r + g + bl) / 3), 4);
      expect(colour.data[16 + cell]).toBeCloseTo(Math.log(r / g), 4);
      expect(colour.data[32 + cell]).toBeCloseTo(Math.log(bl / g), 4);
    }
    // The stained cell stands out on every channel: darker, redder against green, less blue.
    const stained = 2 * 4 + 1;
    const clean = 2 * 4 + 3;
    expect(colour.data[stained]).toBeLessThan(colour.data[clean] - 0.2);
    expect(colour.data[16 + stained]).toBeGreaterThan(colour.data[16 + clean] + 0.05);
    expect(colour.data[32 + stained]).toBeLessThan(colour.data[32 + clean] - 0.1);
  });

  it('adds the wide statistics on request: a smeared (flattened) cell has a lower local contrast, and the wide channels average 5 × 5 cells', async () => {
    const base = builtinBackbone();
    const derived = modelBackbone(base, { colourTap: true, wideStats: true }, tmp);
    expect(derived.taps).toEqual([...base.taps, COLOUR_TAP, WIDE_STATS_TAP]);
    // The colour-only choice keeps its earlier file, so models made before the wide tap are unchanged.
    expect(modelBackbone(base, { colourTap: true }, tmp).sha256).toBe(withColourTap(base, tmp).sha256);
    const img = image();
    // Flatten cell (3, 1) to its mean: a smear keeps the mean and removes the texture.
    for (let c = 0; c < 3; c++) {
      let sum = 0;
      for (let y = 8; y < 16; y++) for (let x = 24; x < 32; x++) sum += img[c * 1024 + y * 32 + x];
      for (let y = 8; y < 16; y++) for (let x = 24; x < 32; x++) img[c * 1024 + y * 32 + x] = sum / 64;
    }
    const ex = await BackboneExtractor.create(derived);
    const out = await ex.run(img, 1, 32, 32);
    await ex.release();
    const wide = out[0][base.taps.length + 1];
    expect(wide.name).toBe('stats_wide_s8');
    expect(wide.shape).toEqual([5, 4, 4]);
    const contrast = (cell: number) => wide.data[4 * 16 + cell];
    expect(contrast(1 * 4 + 3)).toBeLessThan(contrast(1 * 4 + 1) - 1);
    expect(Array.from(wide.data).every(Number.isFinite)).toBe(true);
    // Channel 3 is channel 4 averaged over the 5 × 5 neighbourhood (inside a 4 × 4 grid: all cells in reach of the corner).
    const corner = Array.from({ length: 9 }, (_, i) => contrast(Math.floor(i / 3) * 4 + (i % 3)));
    expect(wide.data[3 * 16]).toBeCloseTo(corner.reduce((a, b) => a + b) / corner.length, 4);
  });
});
