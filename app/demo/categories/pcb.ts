import { makeCanvas, smoothstep, type Mask } from '../canvas.js';
import type { DemoCategory } from '../category.js';
import { drawContamination, maskArea } from '../defects.js';
import { fbm } from '../noise.js';
import { makeRng, seedOf, type Rng } from '../random.js';

/**
 * A printed circuit board: one fixed board design (traces, pads, vias, silkscreen) photographed with small shifts,
 * rotations and lighting changes, like a part on a fixture. Layers are rasterised once as coverage maps at twice
 * the image resolution and resampled per image. Defects: silkscreen misprint (misregistered print), missing
 * copper, and contamination (solder splash or dust).
 */

const SCALE = 2;
const MARGIN = 24;

interface Layers {
  readonly side: number;
  readonly copper: Float32Array;
  readonly pad: Float32Array;
  readonly drill: Float32Array;
  readonly silk: Float32Array;
  readonly silkBlocks: readonly Rect[];
  readonly copperFeatures: readonly Rect[];
}

interface Rect {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/** Adds a filled axis-aligned rectangle (board pixels) with exact area coverage per raster cell. */
function fillRect(layer: Float32Array, side: number, r: Rect): void {
  const s = SCALE;
  for (let y = Math.max(0, Math.floor(r.y0 * s)); y < Math.min(side, Math.ceil(r.y1 * s)); y++) {
    const cy = Math.min(y + 1, r.y1 * s) - Math.max(y, r.y0 * s);
    for (let x = Math.max(0, Math.floor(r.x0 * s)); x < Math.min(side, Math.ceil(r.x1 * s)); x++) {
      const cx = Math.min(x + 1, r.x1 * s) - Math.max(x, r.x0 * s);
      layer[y * side + x] = Math.min(1, layer[y * side + x] + cx * cy);
    }
  }
}

function fillDisk(layer: Float32Array, side: number, cx: number, cy: number, r: number): void {
  const s = SCALE;
  for (let y = Math.max(0, Math.floor((cy - r - 1) * s)); y < Math.min(side, Math.ceil((cy + r + 1) * s)); y++)
    for (let x = Math.max(0, Math.floor((cx - r - 1) * s)); x < Math.min(side, Math.ceil((cx + r + 1) * s)); x++) {
      const d = Math.hypot((x + 0.5) / s - cx, (y + 0.5) / s - cy);
      const cov = 1 - smoothstep(r - 0.5 / s, r + 0.5 / s, d);
      layer[y * side + x] = Math.max(layer[y * side + x], cov);
    }
}

function outline(layer: Float32Array, side: number, r: Rect, w: number): void {
  fillRect(layer, side, { x0: r.x0, y0: r.y0, x1: r.x1, y1: r.y0 + w });
  fillRect(layer, side, { x0: r.x0, y0: r.y1 - w, x1: r.x1, y1: r.y1 });
  fillRect(layer, side, { x0: r.x0, y0: r.y0 + w, x1: r.x0 + w, y1: r.y1 - w });
  fillRect(layer, side, { x0: r.x1 - w, y0: r.y0 + w, x1: r.x1, y1: r.y1 - w });
}

/** Blocky glyphs: a label of `n` characters made of 3x5 dot-matrix cells. */
function label(layer: Float32Array, side: number, rng: Rng, x: number, y: number, n: number, px: number): Rect {
  for (let k = 0; k < n; k++)
    for (let gy = 0; gy < 5; gy++)
      for (let gx = 0; gx < 3; gx++)
        if (rng.next() < 0.55) fillRect(layer, side, { x0: x + (k * 4 + gx) * px, y0: y + gy * px, x1: x + (k * 4 + gx + 1) * px, y1: y + (gy + 1) * px });
  return { x0: x, y0: y, x1: x + (n * 4 - 1) * px, y1: y + 5 * px };
}

let cachedLayers: Map<number, Layers> = new Map();

/** A board being drawn: its layers, the rectangles it records, the pins traces may join, and the design's rng. */
interface Drawing extends Omit<Layers, 'silkBlocks' | 'copperFeatures'> {
  readonly silkBlocks: Rect[];
  readonly copperFeatures: Rect[];
  /** Board units per 256 image pixels: the design is drawn for 256 px and scaled. */
  readonly k: number;
  readonly rng: Rng;
  readonly pins: { x: number; y: number }[];
}

/** The board design for a given image size (fixed seed: every image shows the same board). */
function boardLayers(size: number): Layers {
  const hit = cachedLayers.get(size);
  if (hit) return hit;
  const side = (size + 2 * MARGIN) * SCALE;
  const d: Drawing = {
    side,
    copper: new Float32Array(side * side),
    pad: new Float32Array(side * side),
    drill: new Float32Array(side * side),
    silk: new Float32Array(side * side),
    silkBlocks: [],
    copperFeatures: [],
    k: size / 256,
    rng: makeRng(seedOf('demo', 'pcb', 'design')),
    pins: [],
  };
  // Two ICs with pin rows, a column of two-terminal parts, and vias, then Manhattan traces between pins. The order
  // is the design: each step draws from the same rng.
  drawIcs(d);
  drawTwoTerminalParts(d);
  drawEdgeConnector(d);
  drawVias(d);
  routeTraces(d);
  for (let i = 0; i < d.copper.length; i++) d.copper[i] = Math.min(1, d.copper[i]);
  d.silkBlocks.push(label(d.silk, side, d.rng, MARGIN + 120 * d.k, MARGIN + 20 * d.k, 6, 1.6 * d.k));
  const { copper, pad, drill, silk, silkBlocks, copperFeatures } = d;
  const layers = { side, copper, pad, drill, silk, silkBlocks, copperFeatures };
  cachedLayers.set(size, layers);
  return layers;
}

function drawIcs(d: Drawing): void {
  const { k, side, rng } = d;
  const ics = [
    { x: MARGIN + 40 * k, y: MARGIN + 40 * k, w: 70 * k, h: 46 * k },
    { x: MARGIN + 150 * k, y: MARGIN + 140 * k, w: 60 * k, h: 60 * k },
    { x: MARGIN + 160 * k, y: MARGIN + 50 * k, w: 54 * k, h: 38 * k },
  ];
  for (const ic of ics) {
    const body = { x0: ic.x, y0: ic.y, x1: ic.x + ic.w, y1: ic.y + ic.h };
    outline(d.silk, side, body, 1.4 * k);
    fillDisk(d.silk, side, ic.x + 5 * k, ic.y + 5 * k, 1.8 * k);
    d.silkBlocks.push(body);
    d.silkBlocks.push(label(d.silk, side, rng, ic.x + 10 * k, ic.y + ic.h / 2 - 3 * k, 4, 1.4 * k));
    const n = Math.floor(ic.w / (8 * k));
    for (let p = 0; p < n; p++) {
      const px = ic.x + 5 * k + p * 8 * k;
      for (const py of [ic.y - 9 * k, ic.y + ic.h + 2 * k]) {
        const r = { x0: px, y0: py, x1: px + 4 * k, y1: py + 7 * k };
        fillRect(d.pad, side, r);
        d.copperFeatures.push(r);
        d.pins.push({ x: px + 2 * k, y: py < ic.y ? py : py + 7 * k });
      }
    }
  }
}

function drawTwoTerminalParts(d: Drawing): void {
  const { k, side, rng } = d;
  for (let p = 0; p < 4; p++) {
    const x = MARGIN + 30 * k + p * 28 * k;
    const y = MARGIN + 150 * k;
    const body = { x0: x - 2 * k, y0: y - 2 * k, x1: x + 12 * k, y1: y + 28 * k };
    outline(d.silk, side, body, 1.1 * k);
    d.silkBlocks.push(body);
    d.silkBlocks.push(label(d.silk, side, rng, x - 2 * k, y + 31 * k, 2, 1.2 * k));
    for (const py of [y, y + 20 * k]) {
      const r = { x0: x + 1 * k, y0: py, x1: x + 9 * k, y1: py + 6 * k };
      fillRect(d.pad, side, r);
      d.copperFeatures.push(r);
      d.pins.push({ x: x + 5 * k, y: py + 3 * k });
    }
  }
}

/** A row of large pads along the bottom, and its label. */
function drawEdgeConnector(d: Drawing): void {
  const { k, side } = d;
  for (let p = 0; p < 12; p++) {
    const r = { x0: MARGIN + (20 + p * 14) * k, y0: MARGIN + 226 * k, x1: MARGIN + (28 + p * 14) * k, y1: MARGIN + 244 * k };
    fillRect(d.pad, side, r);
    d.copperFeatures.push(r);
    d.pins.push({ x: (r.x0 + r.x1) / 2, y: r.y0 });
  }
  d.silkBlocks.push(label(d.silk, side, d.rng, MARGIN + 190 * k, MARGIN + 212 * k, 3, 1.4 * k));
}

function drawVias(d: Drawing): void {
  const { k, side, rng } = d;
  for (let v = 0; v < 16; v++) {
    const x = MARGIN + rng.range(15, 240) * k;
    const y = MARGIN + rng.range(15, 240) * k;
    fillDisk(d.pad, side, x, y, 3.2 * k);
    fillDisk(d.drill, side, x, y, 1.5 * k);
    d.copperFeatures.push({ x0: x - 3.2 * k, y0: y - 3.2 * k, x1: x + 3.2 * k, y1: y + 3.2 * k });
    d.pins.push({ x, y });
  }
}

/** Manhattan traces (one bend) between random pairs of pins. */
function routeTraces(d: Drawing): void {
  const { k, side, rng, pins } = d;
  for (let t = 0; t < 34; t++) {
    const a = rng.pick(pins);
    const b = rng.pick(pins);
    const w = rng.range(1.6, 3) * k;
    const mx = rng.next() < 0.5 ? b.x : a.x;
    const my = mx === b.x ? a.y : b.y;
    const seg = (p: { x: number; y: number }, q: { x: number; y: number }) => {
      const r = { x0: Math.min(p.x, q.x) - w / 2, y0: Math.min(p.y, q.y) - w / 2, x1: Math.max(p.x, q.x) + w / 2, y1: Math.max(p.y, q.y) + w / 2 };
      fillRect(d.copper, side, r);
      d.copperFeatures.push(r);
    };
    seg(a, { x: mx, y: my });
    seg({ x: mx, y: my }, b);
  }
}

/** Bilinear sample of a layer at board coordinates (board pixels). */
function sample(layer: Float32Array, side: number, bx: number, by: number): number {
  const x = bx * SCALE - 0.5;
  const y = by * SCALE - 0.5;
  const ix = Math.floor(x);
  const iy = Math.floor(y);
  if (ix < 0 || iy < 0 || ix + 1 >= side || iy + 1 >= side) return 0;
  const fx = x - ix;
  const fy = y - iy;
  const o = iy * side + ix;
  return (layer[o] * (1 - fx) + layer[o + 1] * fx) * (1 - fy) + (layer[o + side] * (1 - fx) + layer[o + side + 1] * fx) * fy;
}

interface Edit {
  /** Board-space point -> silkscreen sampled from elsewhere (misregistration) or undefined. */
  silkOffset?(bx: number, by: number): [number, number] | undefined;
  /** Board-space point -> true where copper was never plated / got etched away. */
  copperGone?(bx: number, by: number): boolean;
}

function renderBoard(rng: Rng, size: number, edit: Edit, mask: Mask | null) {
  const L = boardLayers(size);
  const c = makeCanvas(size, size);
  const angle = rng.range(-0.8, 0.8) * (Math.PI / 180);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const sx = rng.range(-3, 3);
  const sy = rng.range(-3, 3);
  const seed = rng.int(0, 1e9);
  const maskGreen = [rng.range(0.07, 0.09), rng.range(0.29, 0.33), rng.range(0.15, 0.18)];
  const centre = size / 2 + MARGIN;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = x + 0.5 - size / 2;
      const dy = y + 0.5 - size / 2;
      const bx = dx * cos - dy * sin + centre + sx;
      const by = dx * sin + dy * cos + centre + sy;
      let copper = sample(L.copper, L.side, bx, by);
      let pad = sample(L.pad, L.side, bx, by);
      const drill = sample(L.drill, L.side, bx, by);
      const silk0 = sample(L.silk, L.side, bx, by);
      let silk = silk0;
      const off = edit.silkOffset?.(bx, by);
      if (off) silk = sample(L.silk, L.side, bx + off[0], by + off[1]);
      const gone = edit.copperGone?.(bx, by) ?? false;
      const copperBefore = Math.max(copper, pad);
      if (gone) {
        copper = 0;
        pad = 0;
      }
      const grain = 1 + 0.05 * fbm(bx / 6, by / 6, seed, 2);
      const o = (y * size + x) * 3;
      const gold = [0.82, 0.68, 0.38];
      for (let ch = 0; ch < 3; ch++) {
        let col = maskGreen[ch] * grain;
        col += (maskGreen[ch] * 1.9 + 0.04 - col) * copper;
        col += (gold[ch] * (0.92 + 0.16 * fbm(bx / 2, by / 2, seed + 1, 2)) - col) * pad;
        col += (0.04 - col) * drill;
        col += (0.9 - col) * silk * 0.95 * (1 - pad);
        c.rgb[o + ch] = col;
      }
      if (mask && ((off && Math.abs(silk - silk0) > 0.3) || (gone && copperBefore > 0.3))) mask[y * size + x] = 1;
    }
  }
  return c;
}

/** Grows a mask by one pixel (8-neighbourhood) so the annotation covers anti-aliased edges. */
function dilate(mask: Mask, size: number): Mask {
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      if (!mask[y * size + x]) continue;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          const yy = y + dy;
          if (xx >= 0 && yy >= 0 && xx < size && yy < size) out[yy * size + xx] = 1;
        }
    }
  return out;
}

export const pcb: DemoCategory = {
  name: 'pcb',
  fixtured: true,
  defectTypes: ['misprint', 'missing_copper', 'contamination'],
  render(rng, size, defect) {
    if (defect === null) return { canvas: renderBoard(rng, size, {}, null), mask: null };
    const L = boardLayers(size);
    for (;;) {
      let mask: Mask = new Uint8Array(size * size);
      let canvas;
      if (defect === 'misprint') {
        // Part of the silkscreen printed out of register by a few pixels.
        const block = rng.pick(L.silkBlocks);
        const pad = 3;
        const dist = rng.range(3.5, 7);
        const dir = rng.range(0, 2 * Math.PI);
        const off: [number, number] = [Math.cos(dir) * dist, Math.sin(dir) * dist];
        const silkOffset = (bx: number, by: number) =>
          bx >= block.x0 - pad && bx <= block.x1 + pad && by >= block.y0 - pad && by <= block.y1 + pad ? off : undefined;
        canvas = renderBoard(rng, size, { silkOffset }, mask);
      } else if (defect === 'missing_copper') {
        const f = rng.pick(L.copperFeatures);
        const cx = rng.range(f.x0, f.x1);
        const cy = rng.range(f.y0, f.y1);
        const r = rng.range(5, 11);
        canvas = renderBoard(rng, size, { copperGone: (bx, by) => Math.hypot(bx - cx, by - cy) < r }, mask);
      } else if (defect === 'contamination') {
        canvas = renderBoard(rng, size, {}, null);
        mask = drawContamination(canvas, rng, ['splash', 'specks', 'fibre']);
      } else throw new Error(`pcb has no defect type "${defect}"`);
      if (defect !== 'contamination') mask = dilate(mask, size);
      if (maskArea(mask) >= 20) return { canvas, mask };
    }
  },
};
