import { describe, expect, it } from 'vitest';
import { choosePlacement, cutDefectPatch, pastePatch, TRANSPLANT_FEATHER } from '../../app/train/defect-transplant.js';
import { seededRandom } from '../../app/model/flow/random.js';

const W = 32;
const H = 24;

/** A (3, H, W) image of one grey level, with a dark 4 × 3 square at (10, 8) and its mask. */
function defectImage(): { pixels: Float32Array; mask: Float32Array } {
  const pixels = new Float32Array(3 * W * H).fill(0.6);
  const mask = new Float32Array(W * H);
  for (let y = 8; y < 11; y++) {
    for (let x = 10; x < 14; x++) {
      mask[y * W + x] = 1;
      for (let c = 0; c < 3; c++) pixels[c * W * H + y * W + x] = 0.1;
    }
  }
  return { pixels, mask };
}

describe('transplanting a real defect onto a clean image', () => {
  it('cuts the defect out with its mask at full weight and a feather that fades outward', () => {
    const { pixels, mask } = defectImage();
    const p = cutDefectPatch(pixels, mask, W, H)!;
    const f = TRANSPLANT_FEATHER;
    expect({ x: p.x, y: p.y, width: p.width, height: p.height }).toEqual({ x: 10 - f, y: 8 - f, width: 4 + 2 * f, height: 3 + 2 * f });
    const at = (x: number, y: number): number => p.alpha[(y - p.y) * p.width + (x - p.x)]!;
    expect(at(10, 8)).toBe(1);
    expect(at(9, 8)).toBeGreaterThan(at(8, 8));
    expect(at(8, 8)).toBeGreaterThan(at(10 - f, 8));
    expect(at(10 - f, 8)).toBeGreaterThan(0);
    expect(cutDefectPatch(pixels, new Float32Array(W * H), W, H)).toBeNull();
  });

  it('pastes it where it was found on aligned parts, and its mask is exactly the pixels it changed', () => {
    const { pixels, mask } = defectImage();
    const p = cutDefectPatch(pixels, mask, W, H)!;
    const clean = new Float32Array(3 * W * H).fill(0.3);
    const image = Float32Array.from(clean);
    const out = new Float32Array(W * H);
    pastePatch(p, choosePlacement(p, W, H, false, seededRandom(1)), image, out, W, H);
    for (let i = 0; i < W * H; i++) {
      const changed = [0, 1, 2].some((c) => image[c * W * H + i] !== clean[c * W * H + i]);
      expect(out[i] === 1).toBe(changed);
    }
    // The defect itself lands unchanged where its mask was; the feather blends the defect's own background in.
    expect(image[8 * W + 10]).toBeCloseTo(0.1, 6);
    expect(image[8 * W + 9]).toBeGreaterThan(0.3);
    expect(image[0]).toBe(clean[0]);
  });

  it('moves and mirrors it on textures, always inside the image', () => {
    const { pixels, mask } = defectImage();
    const p = cutDefectPatch(pixels, mask, W, H)!;
    const rand = seededRandom(7);
    const places = Array.from({ length: 200 }, () => choosePlacement(p, W, H, true, rand));
    for (const at of places) {
      expect(at.x).toBeGreaterThanOrEqual(0);
      expect(at.y).toBeGreaterThanOrEqual(0);
      expect(at.x + p.width).toBeLessThanOrEqual(W);
      expect(at.y + p.height).toBeLessThanOrEqual(H);
    }
    expect(new Set(places.map((q) => `${q.x},${q.y}`)).size).toBeGreaterThan(20);
    expect(places.some((q) => q.flipX) && places.some((q) => !q.flipX) && places.some((q) => q.flipY)).toBe(true);
    // A mirrored paste still covers the defect's own footprint size.
    const image = new Float32Array(3 * W * H).fill(0.3);
    const out = new Float32Array(W * H);
    pastePatch(p, { x: 0, y: 0, flipX: true, flipY: true }, image, out, W, H);
    expect(out.reduce((a, b) => a + b, 0)).toBe(p.alpha.filter((a) => a > 0).length);
  });
});
