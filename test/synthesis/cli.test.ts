import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../app/cli.js';
import { demoImage } from '../../app/synthesis/demo-image.js';
import { decodeImage, encodeMaskPng, encodePng } from '../../app/synthesis/io.js';
import { PRESET_NAMES } from '../../app/synthesis/presets.js';
import { tempDir } from '../helpers.js';

const t = tempDir();
const src = path.join(t.dir, 'src.png');
const grey16 = path.join(t.dir, 'grey16.png');

async function cli(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

beforeAll(async () => {
  fs.writeFileSync(src, await encodePng(demoImage(96, 96)));
  fs.writeFileSync(grey16, await encodePng(demoImage(64, 48, { channels: 1, bitDepth: 16 })));
});
afterAll(() => t.cleanup());

describe('flowspect synth', () => {
  it('writes image.png and mask.png for every preset and prints the JSON summary', async () => {
    for (const preset of PRESET_NAMES) {
      const out = path.join(t.dir, preset);
      const r = await cli(['synth', '--preset', preset, '--image', src, '--seed', '3', '--out', out, '--json']);
      expect(r.code, r.err.join('\n')).toBe(0);
      const summary = JSON.parse(r.out[r.out.length - 1]);
      expect(summary.mask_fraction).toBeGreaterThan(0);
      expect(summary.seconds).toBeGreaterThan(0);
      const img = await decodeImage(path.join(out, 'image.png'));
      const mask = await decodeImage(path.join(out, 'mask.png'));
      expect([img.width, img.height, img.channels]).toEqual([96, 96, 3]);
      let n = 0;
      for (const v of mask.data) if (v === 255) n++;
      expect(n / (96 * 96)).toBeCloseTo(summary.mask_fraction, 9);
    }
  });

  it('keeps 16-bit grey, merges --params into the preset, and honours --ignore', async () => {
    const ignorePng = path.join(t.dir, 'ignore.png');
    const ignore = new Uint8Array(64 * 48).fill(255);
    for (let y = 0; y < 48; y++) for (let x = 40; x < 64; x++) ignore[y * 64 + x] = 0;
    fs.writeFileSync(ignorePng, await encodeMaskPng({ width: 64, height: 48, data: ignore }));
    const out = path.join(t.dir, 'g16');
    const r = await cli(['synth', '--preset', 'hole', '--params', '{"count":[4,4]}', '--image', grey16, '--ignore', ignorePng, '--seed', '1', '--out', out, '--json']);
    expect(r.code, r.err.join('\n')).toBe(0);
    expect(JSON.parse(r.out.at(-1)!)).toMatchObject({ defects: 4, channels: 1, bit_depth: 16 });
    const img = await decodeImage(path.join(out, 'image.png'));
    expect([img.channels, img.bitDepth]).toEqual([1, 16]);
    const mask = await decodeImage(path.join(out, 'mask.png'));
    for (let i = 0; i < 64 * 48; i++) if (mask.data[i]) expect(i % 64).toBeGreaterThanOrEqual(40);
  });

  it('paints textures from a folder named in the params', async () => {
    const folder = path.join(t.dir, 'textures');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'a.png'), await encodePng(demoImage(32, 32, { seed: 9, channels: 1 })));
    fs.writeFileSync(path.join(folder, 'notes.txt'), 'not an image');
    const params = {
      count: [2, 2],
      defects: [
        {
          weight: 1,
          shape: { kind: 'box', area: [0.02, 0.04], aspect: [1, 2], angle: [0, 90] },
          content: { source: 'texture', folder, scale: [1, 2], rotate: [-180, 180] },
          blend: { mode: 'multiply', opacity: [0.8, 1], feather: [0, 0.02], poisson: false },
        },
      ],
      placement: { foreground: 'none', borderMargin: 0.05 },
    };
    const out = path.join(t.dir, 'tex');
    const r = await cli(['synth', '--params', JSON.stringify(params), '--image', src, '--out', out, '--json']);
    expect(r.code, r.err.join('\n')).toBe(0);
    expect(JSON.parse(r.out.at(-1)!)).toMatchObject({ defects: 2 });
    const empty = path.join(t.dir, 'empty');
    fs.mkdirSync(empty);
    const bad = await cli(['synth', '--params', JSON.stringify({ ...params, defects: [{ ...params.defects[0], content: { ...params.defects[0].content, folder: empty } }] }), '--image', src, '--out', out]);
    expect(bad.code).toBe(1);
    expect(bad.err[0]).toContain('contains no images');
  });

  it('fails with a clear message and a non-zero exit on bad input', async () => {
    const bad = await cli(['synth', '--preset', 'crack', '--params', '{"count":[1,99]}', '--image', src, '--out', t.dir, '--json']);
    expect(bad.code).toBe(1);
    expect(bad.err[0]).toContain('params.count[1] must be an integer in [1, 16] (got 99)');
    expect(JSON.parse(bad.err.at(-1)!).error.code).toBe('invalid_request');
    const unknown = await cli(['synth', '--preset', 'glitter', '--image', src, '--out', t.dir]);
    expect(unknown.code).toBe(1);
    expect(unknown.err[0]).toContain('unknown preset "glitter"');
    const missing = await cli(['synth', '--preset', 'crack', '--image', path.join(t.dir, 'none.png'), '--out', t.dir, '--json']);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.err.at(-1)!).error.code).toBe('invalid_file');
    expect((await cli(['synth', '--preset', 'crack', '--out', t.dir])).code).toBe(2);
    expect((await cli(['synth', '--preset', 'crack', '--image', src, '--out', t.dir, '--seed', '-1'])).code).toBe(2);
  });
});
