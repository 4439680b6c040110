import type { Rng } from './prng.js';

/**
 * Seeded 2D Perlin gradient noise, summed over octaves (fractal Brownian motion), evaluated on a pixel grid.
 * Output is roughly in [-1, 1].
 */
export function fractalNoise(
  rng: Rng,
  width: number,
  height: number,
  /** Size of one noise cell of the first octave, in pixels. */
  cellPx: number,
  octaves: number,
  persistence = 0.5,
): Float32Array {
  const out = new Float32Array(width * height);
  let amp = 1;
  let norm = 0;
  let cell = Math.max(cellPx, 1);
  for (let o = 0; o < octaves; o++) {
    addPerlinOctave(rng, out, width, height, cell, amp);
    norm += amp;
    amp *= persistence;
    cell = Math.max(cell / 2, 1);
  }
  const inv = 1 / norm;
  for (let i = 0; i < out.length; i++) out[i] *= inv;
  return out;
}

const fade = (t: number): number => t * t * t * (t * (t * 6 - 15) + 10);

function addPerlinOctave(rng: Rng, out: Float32Array, width: number, height: number, cell: number, amp: number): void {
  const gw = Math.ceil(width / cell) + 2;
  const gh = Math.ceil(height / cell) + 2;
  const gx = new Float32Array(gw * gh);
  const gy = new Float32Array(gw * gh);
  for (let i = 0; i < gw * gh; i++) {
    const a = rng.next() * 2 * Math.PI;
    gx[i] = Math.cos(a);
    gy[i] = Math.sin(a);
  }
  // A random sub-cell offset keeps octaves from sharing lattice lines.
  const ox = rng.next();
  const oy = rng.next();
  const inv = 1 / cell;
  // √2 scales the theoretical ±√½ range of 2D Perlin noise to about ±1.
  const k = amp * Math.SQRT2;
  for (let y = 0; y < height; y++) {
    const fy = (y + 0.5) * inv + oy;
    const iy = Math.floor(fy);
    const ty = fy - iy;
    const v = fade(ty);
    for (let x = 0; x < width; x++) {
      const fx = (x + 0.5) * inv + ox;
      const ix = Math.floor(fx);
      const tx = fx - ix;
      const u = fade(tx);
      const i00 = iy * gw + ix;
      const i10 = i00 + 1;
      const i01 = i00 + gw;
      const i11 = i01 + 1;
      const n00 = gx[i00] * tx + gy[i00] * ty;
      const n10 = gx[i10] * (tx - 1) + gy[i10] * ty;
      const n01 = gx[i01] * tx + gy[i01] * (ty - 1);
      const n11 = gx[i11] * (tx - 1) + gy[i11] * (ty - 1);
      const nx0 = n00 + u * (n10 - n00);
      const nx1 = n01 + u * (n11 - n01);
      out[y * width + x] += k * (nx0 + v * (nx1 - nx0));
    }
  }
}
