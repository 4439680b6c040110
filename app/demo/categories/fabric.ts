import { makeCanvas, smoothstep, type Mask, type Rgb } from '../canvas.js';
import type { DemoCategory } from '../category.js';
import { drawStain, maskArea } from '../defects.js';
import { fbm, valueNoise } from '../noise.js';
import { hash2, type Rng } from '../random.js';

/**
 * Plain-weave linen: vertical warp and horizontal weft threads alternately passing over each other, each thread a
 * shaded cylinder with fibre striations and its own thickness and tone. Defects that change the weave itself (a
 * missing thread, a hole with frayed ends) are edits of the weave; a stain is drawn on top.
 */

const WARP: Rgb = [0.66, 0.59, 0.47];
const WEFT: Rgb = [0.72, 0.65, 0.52];
const GAP: Rgb = [0.16, 0.13, 0.1];
const BACKING: Rgb = [0.05, 0.05, 0.06];

interface WeaveEdit {
  /** True where the warp (vertical) / weft (horizontal) thread is absent, given thread index and pixel. */
  warpGone?(i: number, x: number, y: number): boolean;
  weftGone?(j: number, x: number, y: number): boolean;
  /** Inside a hole: no thread at all, backing shows (thread ends may still reach in). */
  holeDepth?(x: number, y: number): number;
}

/** Per-image weave pose: thread period in pixels, a small rotation, and the phase of the thread grid. */
interface Weave {
  readonly period: number;
  readonly cos: number;
  readonly sin: number;
  readonly pu: number;
  readonly pv: number;
  readonly seed: number;
}

function drawWeave(rng: Rng): Weave {
  const angle = rng.range(-1.5, 1.5) * (Math.PI / 180);
  return { period: rng.range(7.6, 8.4), cos: Math.cos(angle), sin: Math.sin(angle), pu: rng.range(0, 100), pv: rng.range(0, 100), seed: rng.int(0, 1e9) };
}

/** Thread-grid coordinates (u across warps, v across wefts) of pixel (x, y). */
function weaveCoords(w: Weave, size: number, x: number, y: number): [number, number] {
  return [
    ((x - size / 2) * w.cos + (y - size / 2) * w.sin) / w.period + w.pu,
    (-(x - size / 2) * w.sin + (y - size / 2) * w.cos) / w.period + w.pv,
  ];
}

function renderWeave(weave: Weave, size: number, edit: WeaveEdit, mask: Mask | null) {
  const c = makeCanvas(size, size);
  const { period, seed } = weave;
  const aa = 0.7 / period;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = ((x - size / 2) * weave.cos + (y - size / 2) * weave.sin) / period + weave.pu;
      const v = (-(x - size / 2) * weave.sin + (y - size / 2) * weave.cos) / period + weave.pv;
      const i = Math.floor(u);
      const j = Math.floor(v);
      const fu = u - i - 0.5;
      const fv = v - j - 0.5;
      const hwWarp = 0.36 + 0.06 * hash2(i, 0, seed);
      const hwWeft = 0.36 + 0.06 * hash2(0, j, seed + 1);
      let covWarp = 1 - smoothstep(hwWarp - aa, hwWarp + aa, Math.abs(fu));
      let covWeft = 1 - smoothstep(hwWeft - aa, hwWeft + aa, Math.abs(fv));
      const warpMissing = edit.warpGone?.(i, x, y) ?? false;
      const weftMissing = edit.weftGone?.(j, x, y) ?? false;
      if (warpMissing) covWarp = 0;
      if (weftMissing) covWeft = 0;
      // Heights along each thread: a warp is on top where i + j is even, a weft where it is odd.
      const hWarp = Math.cos(Math.PI * (v - 0.5 - i));
      const hWeft = -Math.cos(Math.PI * (u - 0.5 - j));
      const crossWarp = Math.sqrt(Math.max(0, 1 - (fu / hwWarp) ** 2));
      const crossWeft = Math.sqrt(Math.max(0, 1 - (fv / hwWeft) ** 2));
      const fibreWarp = 1 + 0.22 * (valueNoise(u * 6 + i * 13.1, v * 0.7, seed) - 0.5);
      const fibreWeft = 1 + 0.22 * (valueNoise(u * 0.7, v * 6 + j * 13.1, seed + 7) - 0.5);
      const toneWarp = (0.9 + 0.2 * hash2(i, 3, seed)) * fibreWarp * (0.45 + 0.55 * crossWarp) * (0.72 + 0.28 * hWarp);
      // A weft whose warp partner is missing lies flat and in shadow.
      const toneWeft =
        (0.9 + 0.2 * hash2(4, j, seed)) * fibreWeft * (0.45 + 0.55 * crossWeft) * (warpMissing ? 0.62 : 0.72 + 0.28 * hWeft);
      const warpOnTop = hWarp >= hWeft;
      const o = (y * size + x) * 3;
      const mottling = 1 + 0.05 * fbm(x / 40, y / 40, seed + 11, 3);
      for (let ch = 0; ch < 3; ch++) {
        const warpC = WARP[ch] * toneWarp;
        const weftC = WEFT[ch] * toneWeft;
        const under = warpOnTop ? weftC : warpC;
        const top = warpOnTop ? warpC : weftC;
        const covUnder = warpOnTop ? covWeft : covWarp;
        const covTop = warpOnTop ? covWarp : covWeft;
        let col = GAP[ch] + (under - GAP[ch]) * covUnder;
        col += (top - col) * covTop;
        c.rgb[o + ch] = col * mottling;
      }
      const hole = edit.holeDepth?.(x, y) ?? -1;
      if (hole > 0) {
        for (let ch = 0; ch < 3; ch++) c.rgb[o + ch] += (BACKING[ch] - c.rgb[o + ch]) * smoothstep(0, 1.2, hole);
      }
      if (mask && (hole > 0 || ((warpMissing && Math.abs(fu) < hwWarp + aa) || (weftMissing && Math.abs(fv) < hwWeft + aa)))) {
        mask[y * size + x] = 1;
      }
    }
  }
  return c;
}

export const fabric: DemoCategory = {
  name: 'fabric',
  fixtured: false,
  defectTypes: ['missing_thread', 'hole', 'stain'],
  render(rng, size, defect) {
    if (defect === null) return { canvas: renderWeave(drawWeave(rng), size, {}, null), mask: null };
    for (;;) {
      const weave = drawWeave(rng);
      const mask = new Uint8Array(size * size);
      let canvas;
      if (defect === 'missing_thread') {
        // One warp or weft thread absent over a stretch (or the whole image), as after a yarn break.
        const vertical = rng.next() < 0.5;
        const at = rng.range(size * 0.2, size * 0.8);
        const from = rng.next() < 0.4 ? -1 : rng.range(0, size * 0.5);
        const to = from < 0 ? size + 1 : from + rng.range(size * 0.25, size * 0.6);
        const [u, v] = weaveCoords(weave, size, vertical ? at : size / 2, vertical ? size / 2 : at);
        const target = Math.floor(vertical ? u : v);
        const edit: WeaveEdit = vertical
          ? { warpGone: (i, _x, y) => i === target && y >= from && y <= to }
          : { weftGone: (j, x) => j === target && x >= from && x <= to };
        canvas = renderWeave(weave, size, edit, mask);
      } else if (defect === 'hole') {
        const r = rng.range(5, 13);
        const cx = rng.range(30, size - 30);
        const cy = rng.range(30, size - 30);
        const seed = rng.int(0, 1e9);
        const holeDepth = (x: number, y: number) => {
          const dx = x + 0.5 - cx;
          const dy = y + 0.5 - cy;
          if (Math.abs(dx) > 1.5 * r + 2 || Math.abs(dy) > 1.5 * r + 2) return -1;
          const theta = Math.atan2(dy, dx);
          // Frayed rim: the radius wobbles with angle and thread ends poke in at fine scale.
          const rr = r * (1 + 0.3 * fbm(Math.cos(theta) * 1.3, Math.sin(theta) * 1.3, seed, 3)) - 2.2 * valueNoise(x * 0.9, y * 0.9, seed + 3);
          return rr - Math.hypot(dx, dy);
        };
        canvas = renderWeave(weave, size, { holeDepth }, mask);
      } else if (defect === 'stain') {
        canvas = renderWeave(weave, size, {}, null);
        mask.set(drawStain(canvas, rng, [0.55, 0.45, 0.3]));
      } else throw new Error(`fabric has no defect type "${defect}"`);
      if (maskArea(mask) >= 30) return { canvas, mask };
    }
  },
};
