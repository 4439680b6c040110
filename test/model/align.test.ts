import { describe, expect, it } from 'vitest';
import { pcb } from '../../app/demo/categories/pcb.js';
import { makeRng, seedOf } from '../../app/demo/random.js';
import { Graph, serialize } from '../../app/graph/index.js';
import { alignGeometry, shiftImage, unalignMap } from '../../app/model/align.js';
import { ImageAligner } from '../../app/model/align-runner.js';
import { createSession, float32Tensor } from '../../app/runtime/index.js';

const SIZE = 128;

/** A demo circuit board (a fixtured part with fine structure), (3, H, W) in [0, 255]. */
function board(seed: number): Float32Array {
  const { canvas } = pcb.render(makeRng(seedOf('align-test', seed)), SIZE, null);
  const plane = SIZE * SIZE;
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) out[c * plane + p] = 255 * Math.min(1, Math.max(0, canvas.rgb[p * 3 + c]));
  return out;
}

/** out(p) = img(p + d), bilinear, border repeated: an independent re-implementation of what the graph should do. */
function shifted(img: Float32Array, dx: number, dy: number, h = SIZE, w = SIZE, channels = 3): Float32Array {
  const out = new Float32Array(img.length);
  const clampTo = (v: number, n: number) => Math.min(Math.max(v, 0), n - 1);
  for (let c = 0; c < channels; c++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const sx = clampTo(x + dx, w);
        const sy = clampTo(y + dy, h);
        const x0 = Math.floor(sx);
        const y0 = Math.floor(sy);
        const x1 = Math.min(x0 + 1, w - 1);
        const y1 = Math.min(y0 + 1, h - 1);
        const fx = sx - x0;
        const fy = sy - y0;
        const v = (yy: number, xx: number) => img[c * h * w + yy * w + xx];
        out[c * h * w + y * w + x] = (v(y0, x0) * (1 - fx) + v(y0, x1) * fx) * (1 - fy) + (v(y1, x0) * (1 - fx) + v(y1, x1) * fx) * fy;
      }
  return out;
}

describe('alignment of fixtured parts', () => {
  it('finds sub-pixel displacements of a real image to within 0.1 px across the search range', async () => {
    const ref = board(1);
    const aligner = await ImageAligner.create(ref, alignGeometry(SIZE, SIZE, 0.08));
    try {
      for (const [dx, dy] of [[0, 0], [1.3, -0.6], [-4.7, 3.2], [7.5, -8.25], [0.25, 0.5]]) {
        const input = shifted(ref, dx, dy);
        const r = await aligner.align(input);
        // aligned(p) = input(p + s) = ref(p + d + s): the aligner must answer s = −d.
        expect(Math.abs(r.shift.x + dx)).toBeLessThan(0.1);
        expect(Math.abs(r.shift.y + dy)).toBeLessThan(0.1);
        // And the aligned image is the input moved by that shift in one resampling (away from the repeated border).
        const expected = shifted(input, r.shift.x, r.shift.y);
        let err = 0;
        let n = 0;
        for (let c = 0; c < 3; c++)
          for (let y = 12; y < SIZE - 12; y++)
            for (let x = 12; x < SIZE - 12; x++) {
              const i = c * SIZE * SIZE + y * SIZE + x;
              err += Math.abs(r.image[i] - expected[i]);
              n++;
            }
        expect(err / n).toBeLessThan(0.05); // in 0..255 levels
      }
    } finally {
      await aligner.release();
    }
  });

  it('aligns another photo of the same board (its own jitter, lighting and grain) onto the reference', async () => {
    const aligner = await ImageAligner.create(board(1), alignGeometry(SIZE, SIZE, 0.05));
    try {
      const other = board(2);
      const r = await aligner.align(other);
      // Aligning an already-aligned image finds (almost) nothing left to do.
      const again = await aligner.align(r.image);
      expect(Math.hypot(again.shift.x, again.shift.y)).toBeLessThan(0.15);
      // The demo jitter is ±3 px per axis; the found shift is in that range and not the trivial zero.
      expect(Math.abs(r.shift.x)).toBeLessThanOrEqual(6.5);
      expect(Math.abs(r.shift.y)).toBeLessThanOrEqual(6.5);
    } finally {
      await aligner.release();
    }
  });

  it('moves a map back onto the input: unalign(shift(x, s), s) = x in the interior, for a whole batch at once', async () => {
    const g = new Graph();
    const x = g.input('x', [2, 1, 32, 32]);
    const s = g.input('s', [2, 1, 1, 2]);
    g.output('moved', shiftImage(x, s));
    g.output('back', unalignMap(shiftImage(x, s), s));
    const session = await createSession(serialize(g));
    const map = new Float32Array(2 * 32 * 32).map((_, i) => Math.sin(i * 0.37) * 10 + (i % 32));
    const out = await session.run({ x: float32Tensor(map, [2, 1, 32, 32]), s: float32Tensor([2, -3, -1.5, 0.5], [2, 1, 1, 2]) }, ['moved', 'back']);
    await session.release();
    const moved = out.moved.data as Float32Array;
    const back = out.back.data as Float32Array;
    const expected = [shifted(map.slice(0, 1024), 2, -3, 32, 32, 1), shifted(map.slice(1024), -1.5, 0.5, 32, 32, 1)];
    for (let b = 0; b < 2; b++)
      for (let y = 5; y < 27; y++)
        for (let xx = 5; xx < 27; xx++) {
          const i = b * 1024 + y * 32 + xx;
          expect(moved[i]).toBeCloseTo(expected[b][y * 32 + xx], 3);
          // Integer shifts come back exactly; half-pixel ones are smoothed once more by the second bilinear pass.
          if (b === 0) expect(back[i]).toBeCloseTo(map[i], 3);
        }
  });

  it('rejects a search range it cannot honour and a reference with nothing to align on', async () => {
    expect(() => alignGeometry(256, 256, 0)).toThrow(/maxShift must be in \(0, 0.25\]/);
    expect(() => alignGeometry(256, 256, 0.3)).toThrow(/maxShift/);
    const geo = alignGeometry(SIZE, SIZE, 0.05);
    expect(geo).toMatchObject({ factor: 1, coarseRadius: 7, fineRadius: 1 });
    expect(alignGeometry(512, 384, 0.05)).toMatchObject({ factor: 4, coarseRadius: 7 });
    await expect(ImageAligner.create(new Float32Array(3 * SIZE * SIZE).fill(128), geo)).rejects.toThrow(/no detail to align on/);
  });
});
