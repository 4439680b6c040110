import { describe, expect, it } from 'vitest';
import { demoImage } from '../../app/synthesis/demo-image.js';
import { decodeImage, encodePng } from '../../app/synthesis/io.js';
import type { DefectKind, SynthesisParams } from '../../app/synthesis/params.js';
import { builtinPreset, PRESET_NAMES } from '../../app/synthesis/presets.js';
import { synthesize } from '../../app/synthesis/synthesize.js';
import { changedPixels, grow, maskFraction, singleKind } from './helpers.js';

const texture256 = demoImage(256, 256);

describe('synthesize: determinism', () => {
  it('gives byte-identical output for the same seed and different output for another seed', () => {
    for (const name of PRESET_NAMES) {
      const p = builtinPreset(name);
      const a = synthesize(texture256, p, 42);
      const b = synthesize(texture256, p, 42);
      const c = synthesize(texture256, p, 43);
      expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data)), name).toBe(true);
      expect(Buffer.from(a.mask.data).equals(Buffer.from(b.mask.data)), name).toBe(true);
      expect(Buffer.from(a.mask.data).equals(Buffer.from(c.mask.data)), name).toBe(false);
    }
  });

  it('leaves the input untouched', () => {
    const copy = texture256.data.slice();
    synthesize(texture256, builtinPreset('mixed'), 1);
    expect(Buffer.from(texture256.data).equals(Buffer.from(copy))).toBe(true);
  });
});

describe('synthesize: mask and image agree', () => {
  it('changes nothing outside the mask grown by the feather width, and changes the masked pixels', () => {
    for (const name of PRESET_NAMES) {
      for (let seed = 0; seed < 6; seed++) {
        const r = synthesize(texture256, builtinPreset(name), seed);
        const feather = Math.ceil(Math.max(1, ...r.defects.map((d) => d.featherPx)));
        const allowedChange = grow(r.mask, feather);
        const changed = changedPixels(texture256, r.image, 1);
        let outside = 0;
        let insideChanged = 0;
        let inside = 0;
        for (let i = 0; i < changed.length; i++) {
          if (changed[i] && !allowedChange[i]) outside++;
          if (r.mask.data[i]) {
            inside++;
            for (let k = 0; k < 3; k++) if (texture256.data[i * 3 + k] !== r.image.data[i * 3 + k]) { insideChanged++; break; }
          }
        }
        expect(outside, `${name} seed ${seed}: changed pixels outside the grown mask`).toBe(0);
        expect(inside, `${name} seed ${seed}: empty mask`).toBeGreaterThan(0);
        expect(insideChanged / inside, `${name} seed ${seed}: fraction of masked pixels changed`).toBeGreaterThan(0.5);
      }
    }
  });

  it('marks exactly the pixels with blend weight ≥ 0.5 for a hard-edged box of known size', () => {
    const kind: DefectKind = {
      weight: 1,
      shape: { kind: 'box', area: [0.0625, 0.0625], aspect: [1, 1], angle: [0, 0] },
      content: { source: 'shift', intensity: [0.3, 0.3], tint: 0, gain: [1, 1] },
      blend: { mode: 'normal', opacity: [1, 1], feather: [0, 0], poisson: false },
    };
    const flat = demoImage(64, 64, { channels: 1 });
    const r = synthesize(flat, singleKind(kind), 5);
    // 0.0625 of 64² is a 16×16 square: 256 pixels, each shifted by 0.3·255 (clamped).
    expect(maskFraction(r.mask) * 64 * 64).toBe(256);
    let wrong = 0;
    for (let i = 0; i < 64 * 64; i++) {
      const want = r.mask.data[i] ? Math.min(255, flat.data[i] + Math.round(0.3 * 255)) : flat.data[i];
      if (Math.abs(r.image.data[i] - want) > 1) wrong++;
    }
    expect(wrong).toBe(0);
  });
});

describe('synthesize: defect size follows the requested range', () => {
  const shapes: SynthesisParams['defects'][number]['shape'][] = [
    { kind: 'box', area: [0.002, 0.02], aspect: [0.3, 3], angle: [-180, 180] },
    { kind: 'spot', area: [0.002, 0.02], aspect: [0.5, 2], angle: [-180, 180] },
    { kind: 'perlin', area: [0.002, 0.02], aspect: [0.5, 2], angle: [-180, 180], scale: [1, 4], octaves: 3, roughness: 0.6 },
  ];
  for (const shape of shapes) {
    it(`${shape.kind}: 200 samples stay in [0.002, 0.02] of the area and spread over it`, () => {
      const kind: DefectKind = {
        weight: 1,
        shape,
        content: { source: 'shift', intensity: [-0.3, -0.3], tint: 0, gain: [1, 1] },
        blend: { mode: 'normal', opacity: [1, 1], feather: [0, 0], poisson: false },
      };
      const img = demoImage(128, 128);
      const fractions: number[] = [];
      for (let seed = 0; seed < 200; seed++) fractions.push(maskFraction(synthesize(img, singleKind(kind), seed).mask));
      fractions.sort((a, b) => a - b);
      // Rasterising a shape moves its area by about half its perimeter in pixels: ±15% at the small end.
      expect(fractions[0]).toBeGreaterThanOrEqual(0.002 * 0.85);
      expect(fractions[199]).toBeLessThanOrEqual(0.02 * 1.1);
      // Sizes are log-uniform: ~30% below 2·min, ~30% above max/2, median near the geometric mean.
      const below = fractions.filter((f) => f < 0.004).length / 200;
      const above = fractions.filter((f) => f > 0.01).length / 200;
      expect(below).toBeGreaterThan(0.18);
      expect(above).toBeGreaterThan(0.18);
      expect(fractions[100]).toBeGreaterThan(0.0063 / 1.4);
      expect(fractions[100]).toBeLessThan(0.0063 * 1.4);
    });
  }
});

describe('synthesize: every preset at every size', () => {
  const sizes = [64, 96, 128, 256, 512, 1024];
  const images = new Map(sizes.map((s) => [s, demoImage(s, s, { seed: s })]));
  for (const name of PRESET_NAMES) {
    it(`${name} gives a non-empty mask on 64²…1024²`, () => {
      for (const s of sizes) {
        const seeds = s <= 128 ? 8 : s <= 256 ? 3 : 1;
        for (let seed = 0; seed < seeds; seed++) {
          const r = synthesize(images.get(s)!, builtinPreset(name), 1000 + seed);
          expect(maskFraction(r.mask), `${name} at ${s}² seed ${seed}`).toBeGreaterThan(0);
          expect(maskFraction(r.mask), `${name} at ${s}² seed ${seed}`).toBeLessThan(0.5);
        }
      }
    });
  }
});

describe('synthesize: bit depths and channel layouts', () => {
  it('round-trips every channel layout and bit depth through PNG, alpha included', async () => {
    for (const channels of [1, 2, 3, 4] as const) {
      for (const bitDepth of [8, 16] as const) {
        const img = demoImage(24, 16, { channels, bitDepth });
        if (channels === 2 || channels === 4) for (let i = channels - 1; i < img.data.length; i += channels) img.data[i] = (i * 37) % (bitDepth === 16 ? 65536 : 256);
        const back = await decodeImage(await encodePng(img));
        expect([back.channels, back.bitDepth], `${channels}ch ${bitDepth}-bit`).toEqual([channels, bitDepth]);
        expect(Buffer.from(back.data.buffer, back.data.byteOffset, back.data.byteLength).equals(Buffer.from(img.data.buffer)), `${channels}ch ${bitDepth}-bit`).toBe(true);
      }
    }
  });

  it('keeps 16-bit grey precision through PNG and clamps instead of wrapping', async () => {
    const img = demoImage(96, 96, { channels: 1, bitDepth: 16 });
    const decoded = await decodeImage(await encodePng(img));
    expect(decoded.bitDepth).toBe(16);
    expect(decoded.channels).toBe(1);
    expect(Buffer.from(decoded.data.buffer).equals(Buffer.from(img.data.buffer))).toBe(true);

    const bright: SynthesisParams = singleKind({
      weight: 1,
      shape: { kind: 'box', area: [0.05, 0.05], aspect: [1, 1], angle: [0, 0] },
      content: { source: 'shift', intensity: [1, 1], tint: 0, gain: [1.5, 1.5] },
      blend: { mode: 'screen', opacity: [1, 1], feather: [0, 0], poisson: false },
    });
    const r = synthesize(decoded, bright, 3);
    expect(r.image.data).toBeInstanceOf(Uint16Array);
    let inMask = 0;
    let notSaturated = 0;
    for (let i = 0; i < r.mask.data.length; i++) {
      if (!r.mask.data[i]) continue;
      inMask++;
      if (r.image.data[i] !== 65535) notSaturated++;
    }
    expect(inMask).toBeGreaterThan(0);
    expect(notSaturated).toBe(0);
    const back = await decodeImage(await encodePng(r.image));
    expect(Buffer.from(back.data.buffer).equals(Buffer.from(r.image.data.buffer))).toBe(true);

    // A soft stain in 16-bit uses levels an 8-bit image cannot hold.
    const stain = synthesize(decoded, builtinPreset('stain'), 4);
    let fine = 0;
    for (let i = 0; i < stain.mask.data.length; i++) if (stain.mask.data[i] && stain.image.data[i] % 257 !== 0) fine++;
    expect(fine).toBeGreaterThan(0);
  });

  it('keeps 8-bit grey as one channel, darkens to 0 without wrapping, and leaves RGBA alpha alone', async () => {
    const grey = demoImage(80, 80, { channels: 1 });
    const dg = await decodeImage(await encodePng(grey));
    expect(dg.channels).toBe(1);
    expect(Buffer.from(dg.data).equals(Buffer.from(grey.data))).toBe(true);
    const black = singleKind({
      weight: 1,
      shape: { kind: 'spot', area: [0.05, 0.05], aspect: [1, 1], angle: [0, 0] },
      content: { source: 'hole', depth: [1, 1], rim: [0, 0], rimWidth: [0, 0] },
      blend: { mode: 'multiply', opacity: [1, 1], feather: [0, 0], poisson: false },
    });
    const r = synthesize(dg, black, 1);
    let notBlack = 0;
    for (let i = 0; i < r.mask.data.length; i++) if (r.mask.data[i] && r.image.data[i] !== 0) notBlack++;
    expect(maskFraction(r.mask)).toBeGreaterThan(0);
    expect(notBlack).toBe(0);
    const back = await decodeImage(await encodePng(r.image));
    expect(Buffer.from(back.data).equals(Buffer.from(r.image.data))).toBe(true);

    const rgba = demoImage(80, 80, { channels: 4 });
    for (let i = 3; i < rgba.data.length; i += 4) rgba.data[i] = (i * 7) & 255;
    const ra = synthesize(rgba, builtinPreset('mixed'), 9);
    let alphaChanged = 0;
    for (let i = 3; i < rgba.data.length; i += 4) if (ra.image.data[i] !== rgba.data[i]) alphaChanged++;
    expect(alphaChanged).toBe(0);
    expect(changedPixels(rgba, ra.image, 0).some((v) => v === 1)).toBe(true);
    expect(maskFraction(ra.mask)).toBeGreaterThan(0);
  });
});

describe('synthesize: placement', () => {
  it('never marks or changes ignore regions or the border margin', () => {
    const W = 128;
    const ignore = new Uint8Array(W * W);
    for (let y = 0; y < W; y++) for (let x = 0; x < W / 2; x++) ignore[y * W + x] = 1;
    const p: SynthesisParams = { ...builtinPreset('mixed'), count: [3, 5], placement: { foreground: 'none', borderMargin: 0.1 } };
    const img = demoImage(W, W);
    for (let seed = 0; seed < 20; seed++) {
      const r = synthesize(img, p, seed, { ignore: { width: W, height: W, data: ignore } });
      const changed = changedPixels(img, r.image, 0);
      let violations = 0;
      for (let y = 0; y < W; y++) {
        for (let x = 0; x < W; x++) {
          const i = y * W + x;
          const forbidden = ignore[i] || x < 13 || y < 13 || x >= W - 13 || y >= W - 13;
          if (forbidden && (r.mask.data[i] || changed[i])) violations++;
        }
      }
      expect(violations, `seed ${seed}`).toBe(0);
      expect(maskFraction(r.mask)).toBeGreaterThan(0);
    }
  });

  it('keeps defects on the object when the foreground is estimated or supplied', () => {
    const W = 160;
    const obj = demoImage(W, W, { object: true });
    const onObject = (x: number, y: number): boolean => Math.hypot(x + 0.5 - W / 2, y + 0.5 - W / 2) <= W * 0.38;
    const p: SynthesisParams = { ...builtinPreset('mixed'), count: [2, 4], placement: { foreground: 'auto', borderMargin: 0 } };
    let total = 0;
    let off = 0;
    for (let seed = 0; seed < 20; seed++) {
      const r = synthesize(obj, p, seed);
      for (let i = 0; i < W * W; i++) {
        if (!r.mask.data[i]) continue;
        total++;
        // The estimate works on a thumbnail, so allow its one-pixel staircase at the object's edge.
        if (!onObject(i % W, Math.floor(i / W)) && Math.hypot((i % W) + 0.5 - W / 2, Math.floor(i / W) + 0.5 - W / 2) > W * 0.38 + 2) off++;
      }
    }
    expect(total).toBeGreaterThan(0);
    expect(off).toBe(0);

    const supplied = new Uint8Array(W * W);
    for (let y = 100; y < 140; y++) for (let x = 20; x < 60; x++) supplied[y * W + x] = 1;
    const ps: SynthesisParams = { ...p, placement: { foreground: 'supplied', borderMargin: 0 } };
    for (let seed = 0; seed < 10; seed++) {
      const r = synthesize(obj, ps, seed, { foreground: { width: W, height: W, data: supplied } });
      let outside = 0;
      for (let i = 0; i < W * W; i++) if (r.mask.data[i] && !supplied[i]) outside++;
      expect(maskFraction(r.mask)).toBeGreaterThan(0);
      expect(outside).toBe(0);
    }
    expect(() => synthesize(obj, ps, 1)).toThrow(/foreground is 'supplied'/);
  });
});

describe('synthesize: content sources and blending', () => {
  const base: Omit<DefectKind, 'content'> = {
    weight: 1,
    shape: { kind: 'box', area: [0.03, 0.05], aspect: [0.5, 2], angle: [-30, 30] },
    blend: { mode: 'normal', opacity: [1, 1], feather: [0.01, 0.02], poisson: false },
  };
  const contents: DefectKind['content'][] = [
    { source: 'cutpaste', otherImage: 1, rotate: [-20, 20], scale: [1, 1], flip: true, brightness: [0, 0], contrast: [1, 1] },
    { source: 'noise', base: [0.2, 0.8], saturation: 0.5, contrast: [0.1, 0.3], cell: [0.01, 0.05], octaves: 3 },
    { source: 'blur', radius: [0.01, 0.02] },
    { source: 'warp', amplitude: [0.01, 0.03], cell: [0.02, 0.08] },
    { source: 'displace', distance: [0.02, 0.04], angle: [-180, 180] },
    { source: 'texture', folder: 'mem', scale: [0.5, 2], rotate: [-180, 180] },
  ];
  const img = demoImage(128, 128);
  const donor = demoImage(128, 128, { seed: 99, channels: 1, bitDepth: 16 });
  const tex = demoImage(40, 40, { seed: 5, channels: 3 });
  for (const content of contents) {
    for (const mode of ['normal', 'multiply', 'screen'] as const) {
      for (const poisson of [false, true]) {
        it(`${content.source} / ${mode}${poisson ? ' / poisson' : ''} stays within the feathered mask`, () => {
          const kind: DefectKind = { ...base, content, blend: { ...base.blend, mode, poisson } };
          const r = synthesize(img, singleKind(kind), 11, { donors: [donor], textures: { mem: [tex] } });
          const reach = grow(r.mask, Math.ceil(r.defects[0].featherPx));
          const changed = changedPixels(img, r.image, 1);
          let n = 0;
          let outside = 0;
          for (let i = 0; i < changed.length; i++) {
            if (changed[i] && !reach[i]) outside++;
            n += changed[i];
          }
          expect(outside).toBe(0);
          expect(n).toBeGreaterThan(0);
        });
      }
    }
  }

  it('displace shifts the content rigidly: inside the shape each pixel reads the original one fixed offset away', () => {
    const kind: DefectKind = { ...base, content: { source: 'displace', distance: [0.05, 0.05], angle: [0, 0] }, blend: { ...base.blend, feather: [0, 0] } };
    const r = synthesize(img, singleKind(kind), 4);
    const shift = Math.round(0.05 * 128); // angle 0: content moves right by 6.4 px → reads x − 6.4
    let checked = 0;
    for (let y = 0; y < 128; y++)
      for (let x = shift + 1; x < 128; x++) {
        const i = y * 128 + x;
        if (!r.mask.data[i]) continue;
        for (let k = 0; k < 3; k++) {
          const expected = 0.6 * img.data[(y * 128 + x - shift) * 3 + k] + 0.4 * img.data[(y * 128 + x - shift - 1) * 3 + k];
          expect(Math.abs(r.image.data[i * 3 + k] - expected)).toBeLessThanOrEqual(1);
        }
        checked++;
      }
    expect(checked).toBeGreaterThan(50);
  });

  it('minChange leaves pixels the defect did not visibly change out of the mask', () => {
    // A flat image with thin bright bars: displacing a box over it changes only the pixels near the bars.
    const W = 96;
    const flat = { width: W, height: W, channels: 1 as const, bitDepth: 8 as const, data: new Uint8Array(W * W).fill(60) };
    for (let y = 0; y < W; y++) for (let x = 0; x < W; x++) if (x % 32 < 4) flat.data[y * W + x] = 220;
    const kind: DefectKind = {
      weight: 1,
      shape: { kind: 'box', area: [0.2, 0.2], aspect: [1, 1], angle: [0, 0] },
      content: { source: 'displace', distance: [0.06, 0.06], angle: [0, 0] },
      blend: { mode: 'normal', opacity: [1, 1], feather: [0, 0], poisson: false },
    };
    const params = { ...singleKind(kind), placement: { foreground: 'none' as const, borderMargin: 0.1 } };
    const whole = synthesize(flat, params, 3);
    const strict = synthesize(flat, { ...params, defects: [{ ...kind, blend: { ...kind.blend, minChange: 0.1 } }] }, 3);
    expect(Buffer.from(strict.image.data).equals(Buffer.from(whole.image.data))).toBe(true);
    const changed = changedPixels(flat, strict.image, 26);
    const area = (m: Uint8Array) => m.reduce((n, v) => n + (v ? 1 : 0), 0);
    expect(area(strict.mask.data)).toBeLessThan(area(whole.mask.data) / 2);
    for (let i = 0; i < W * W; i++) expect(strict.mask.data[i] ? 1 : 0, `pixel ${i}`).toBe(changed[i] && whole.mask.data[i] ? 1 : 0);
  });

  it('Poisson blending matches the surroundings at the edge better than pasting', () => {
    const content: DefectKind['content'] = { source: 'shift', intensity: [0.4, 0.4], tint: 0, gain: [1, 1] };
    const hard = { ...base.blend, feather: [0, 0] as [number, number] };
    const plain = synthesize(img, singleKind({ ...base, content, blend: hard }), 2);
    const seamless = synthesize(img, singleKind({ ...base, content, blend: { ...hard, poisson: true } }), 2);
    const edgeStep = (r: typeof plain): number => {
      let s = 0;
      const W = 128;
      for (let y = 1; y < W - 1; y++) for (let x = 1; x < W - 1; x++) {
        const i = y * W + x;
        if (r.mask.data[i] && !r.mask.data[i + 1]) s += Math.abs(r.image.data[i * 3] - r.image.data[(i + 1) * 3]);
      }
      return s;
    };
    expect(edgeStep(seamless)).toBeLessThan(edgeStep(plain) * 0.5);
  });

  it('reports a texture folder that was not loaded', () => {
    const kind: DefectKind = { ...base, content: contents.find((c) => c.source === 'texture')! };
    expect(() => synthesize(img, singleKind(kind), 1)).toThrow(/no textures loaded from 'mem'/);
  });
});

describe('synthesize: the subtle preset', () => {
  it('makes faint defects: every one changes its mask, and by a few per cent of full scale on average', () => {
    let masks = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const r = synthesize(texture256, builtinPreset('subtle'), seed);
      let n = 0;
      let change = 0;
      for (let p = 0; p < r.mask.data.length; p++) {
        if (!r.mask.data[p]) continue;
        n++;
        for (let c = 0; c < 3; c++) change += Math.abs(r.image.data[p * 3 + c] - texture256.data[p * 3 + c]);
      }
      if (n === 0) continue;
      masks++;
      const meanChange = change / (3 * n) / 255;
      expect(meanChange, `seed ${seed}`).toBeGreaterThan(0.003);
      expect(meanChange, `seed ${seed}`).toBeLessThan(0.12);
    }
    expect(masks).toBeGreaterThanOrEqual(10);
  });
});
