/** Photometric normalisation in front of the backbone: a brighter, tinted or softer copy of a part gives the same features; a local stain does not vanish. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinBackbone } from '../../app/model/backbone/builtin.js';
import { modelBackbone } from '../../app/model/backbone/colour-tap.js';
import { BackboneExtractor } from '../../app/model/backbone/extractor.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-photometric-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** (1, 3, 64, 64) in [0, 255]: a weave-like pattern, each channel × gain[c] + offset, optionally a darker 16 × 16 stain. */
function image(gain: readonly number[], contrast = 1, stain = false): Float32Array {
  const out = new Float32Array(3 * 64 * 64);
  for (let y = 0; y < 64; y++)
    for (let x = 0; x < 64; x++) {
      const v = 120 + contrast * 40 * Math.sin(x * 1.7) * Math.cos(y * 1.3);
      const k = stain && x >= 24 && x < 40 && y >= 24 && y < 40 ? 0.9 : 1;
      for (let c = 0; c < 3; c++) out[c * 4096 + y * 64 + x] = v * gain[c]! * k;
    }
  return out;
}

async function features(mode: 'none' | 'mean' | 'mean-std', img: Float32Array): Promise<Float32Array[]> {
  const info = modelBackbone(builtinBackbone(), { colourTap: true, photometricNorm: mode }, tmp);
  const ex = await BackboneExtractor.create(info);
  try {
    return (await ex.run(img, 1, 64, 64))[0]!.map((t) => t.data);
  } finally {
    await ex.release();
  }
}

const relDiff = (a: Float32Array[], b: Float32Array[]): number => {
  let num = 0;
  let den = 0;
  a.forEach((t, i) => t.forEach((v, j) => ((num += (v - b[i]![j]!) ** 2), (den += v * v))));
  return Math.sqrt(num / den);
};

describe('photometric normalisation', () => {
  it("'mean' makes a brighter, white-balanced-differently copy give the same features; 'none' does not", async () => {
    const ref = image([1, 1, 1]);
    const drifted = image([1.1, 1.06, 1.12]);
    expect(relDiff(await features('mean', ref), await features('mean', drifted))).toBeLessThan(0.01);
    expect(relDiff(await features('none', ref), await features('none', drifted))).toBeGreaterThan(0.03);
  });

  it("'mean-std' also absorbs a softer contrast, and a local stain still changes the features", async () => {
    const ref = await features('mean-std', image([1, 1, 1]));
    expect(relDiff(ref, await features('mean-std', image([0.95, 0.95, 0.95], 0.9)))).toBeLessThan(0.02);
    expect(relDiff(ref, await features('mean-std', image([1, 1, 1], 1, true)))).toBeGreaterThan(0.03);
  });

  it('is a derived backbone: its own file and hash, built once, same taps', () => {
    const a = modelBackbone(builtinBackbone(), { colourTap: true, photometricNorm: 'mean' }, tmp);
    const b = modelBackbone(builtinBackbone(), { colourTap: true, photometricNorm: 'mean' }, tmp);
    const plain = modelBackbone(builtinBackbone(), { colourTap: true }, tmp);
    expect(a).toEqual(b);
    expect(a.sha256).not.toBe(plain.sha256);
    expect(a.taps).toEqual(plain.taps);
    expect(a.name).toBe(`${plain.name}+photometric-mean`);
  });
});
