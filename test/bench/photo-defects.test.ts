/**
 * The photo suite's evaluation-only defects (bench/photos/defects.ts): deterministic, each type changes some pixels
 * and only those in its mask, stains stay in the 3–10 % contrast band, cracks are thin.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CHANGE_LEVELS, CRACK_MAX_WIDTH, DEFECT_TYPES, type DefectContext, makeDefect, STAIN_CONTRAST } from '../../bench/photos/defects.js';
import type { Rgb } from '../../bench/photos/raster.js';
import { greenPhoto, syntheticPhoto } from './photo-fixtures.js';

let img: Rgb;
let ctx: DefectContext;

beforeAll(async () => {
  img = await syntheticPhoto(128, 128, 11);
  ctx = { donors: [await greenPhoto(200, 160)], backing: [30, 30, 30] };
});

const SEEDS = [1, 2, 3, 4, 5];

describe('photo-suite defects', () => {
  it.each(DEFECT_TYPES)('%s is deterministic from its seed', (type) => {
    const a = makeDefect(type, img, 42, ctx);
    const b = makeDefect(type, img, 42, ctx);
    const c = makeDefect(type, img, 43, ctx);
    expect(Buffer.from(a.image).equals(Buffer.from(b.image))).toBe(true);
    expect(Buffer.from(a.mask).equals(Buffer.from(b.mask))).toBe(true);
    expect(Buffer.from(a.mask).equals(Buffer.from(c.mask))).toBe(false);
  });

  it.each(DEFECT_TYPES)('%s changes some pixels, exactly those of its mask', (type) => {
    for (const seed of SEEDS) {
      const d = makeDefect(type, img, seed, ctx);
      expect(d.type).toBe(type);
      let area = 0;
      let changedOutside = 0;
      let faintInside = 0;
      for (let p = 0; p < d.mask.length; p++) {
        const i = 3 * p;
        const diff = Math.max(Math.abs(d.image[i] - img.data[i]), Math.abs(d.image[i + 1] - img.data[i + 1]), Math.abs(d.image[i + 2] - img.data[i + 2]));
        if (d.mask[p]) {
          area++;
          if (diff <= CHANGE_LEVELS) faintInside++;
        } else if (diff !== 0) changedOutside++;
      }
      expect(changedOutside).toBe(0); // bit-identical outside the mask
      expect(faintInside).toBe(0); // every mask pixel moved by more than 1/255 on some channel
      expect(area).toBe(d.area);
      expect(area).toBeGreaterThan(10);
      expect(area).toBeLessThan(0.25 * d.mask.length);
    }
  });

  it('keeps stains within the 3–10 % contrast band of the local intensity', () => {
    for (const seed of [...SEEDS, 6, 7, 8, 9, 10]) {
      const d = makeDefect('stain', img, seed, ctx);
      expect(d.params.contrast).toBeGreaterThanOrEqual(STAIN_CONTRAST[0]);
      expect(d.params.contrast).toBeLessThanOrEqual(STAIN_CONTRAST[1]);
      let peak = 0;
      for (let p = 0; p < d.mask.length; p++) {
        if (!d.mask[p]) continue;
        for (let c = 0; c < 3; c++) {
          const old = img.data[3 * p + c];
          const delta = Math.abs(d.image[3 * p + c] - old);
          // Never more than 10 % of the pixel's own intensity (plus the 8-bit rounding).
          expect(delta).toBeLessThanOrEqual(STAIN_CONTRAST[1] * old + 0.5);
          peak = Math.max(peak, delta / old);
        }
      }
      // The core reaches the drawn contrast (≥ 3 %, less the rounding on these 80–200 intensities).
      expect(peak).toBeGreaterThanOrEqual(STAIN_CONTRAST[0] - 0.5 / 80);
      expect(peak).toBeLessThanOrEqual(STAIN_CONTRAST[1] + 0.5 / 80);
    }
  });

  it('draws cracks 1 to 2 px wide', () => {
    for (const seed of [...SEEDS, 6, 7, 8]) {
      const d = makeDefect('crack', img, seed, ctx);
      expect([1, 2]).toContain(d.params.width);
      expect(CRACK_MAX_WIDTH).toBe(2);
      // A 3 × 3 erosion removes a line at most 2 px wide; only the odd junction or tight bend survives it.
      const w = img.width;
      let core = 0;
      for (let y = 1; y < img.height - 1; y++) {
        for (let x = 1; x < w - 1; x++) {
          let all = true;
          for (let dy = -1; dy <= 1 && all; dy++) for (let dx = -1; dx <= 1 && all; dx++) all = d.mask[(y + dy) * w + x + dx] === 1;
          if (all) core++;
        }
      }
      expect(core).toBeLessThanOrEqual(Math.max(2, 0.03 * d.area));
      // Long and thin: far more pixels than a blob of the same extent would leave after thinning.
      expect(d.area).toBeGreaterThan(20);
    }
  });

  it('pastes foreign objects from the donor photo', () => {
    const d = makeDefect('foreign', img, 5, ctx);
    // The donor is green; the surface is grey: inside the mask green dominates.
    let g = 0;
    let r = 0;
    for (let p = 0; p < d.mask.length; p++) {
      if (!d.mask[p]) continue;
      g += d.image[3 * p + 1];
      r += d.image[3 * p];
    }
    expect(g).toBeGreaterThan(1.5 * r);
  });

  it('needs a donor for foreign objects', () => {
    expect(() => makeDefect('foreign', img, 1, { ...ctx, donors: [] })).toThrow(/donor/);
  });
});
