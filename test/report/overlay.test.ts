import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeNpyFloat32, readAnomalyMap } from '../../app/model/map-files.js';
import { composeOverlay } from '../../app/report/overlay.js';
import { tempDir } from '../helpers.js';

const t = tempDir('flowspect-overlay-');
afterAll(() => t.cleanup());

async function pixels(dataUri: string): Promise<{ data: Buffer; width: number }> {
  const { data, info } = await sharp(Buffer.from(dataUri.split(',')[1]!, 'base64')).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width };
}

describe('heatmap overlay', () => {
  it('paints the hot region of the map over the part and leaves cold regions as they are', async () => {
    // A flat grey 16-bit grayscale image with alpha (the kinds peers reject), and a map hot in its top-left quarter.
    const img = path.join(t.dir, 'part.png');
    const grey = new Uint16Array(80 * 60 * 2);
    for (let i = 0; i < 80 * 60; i++) {
      grey[i * 2] = 30000;
      grey[i * 2 + 1] = 65535;
    }
    await sharp(grey, { raw: { width: 80, height: 60, channels: 2 } }).toColourspace('grey16').png().toFile(img);
    const map = new Float32Array(20 * 15);
    for (let y = 0; y < 15; y++) for (let x = 0; x < 20; x++) map[y * 20 + x] = x < 8 && y < 6 ? 5 : 0;
    const file = path.join(t.dir, 'map.npy');
    fs.writeFileSync(file, encodeNpyFloat32({ data: map, width: 20, height: 15 }));
    const back = await readAnomalyMap(file);
    expect(back.width).toBe(20);
    expect(Array.from(back.data)).toEqual(Array.from(map));

    const o = await composeOverlay(img, back, { size: 160, scale: { lo: 0, hi: 5 } });
    expect([o.width, o.height]).toEqual([160, 120]);
    const base = await pixels(o.image);
    const over = await pixels(o.overlay);
    const at = (p: { data: Buffer; width: number }, x: number, y: number) => Array.from(p.data.subarray((y * p.width + x) * 3, (y * p.width + x) * 3 + 3));
    const [r, g, b] = at(over, 20, 15);
    const [br, , bb] = at(base, 20, 15);
    expect(Math.abs(br! - bb!)).toBeLessThan(5); // the part is grey...
    expect(r! - b!).toBeGreaterThan(30); // ...the overlay is warm there (inferno's hot end is yellow-white)
    expect(Math.abs(r! - at(base, 20, 15)[0]!)).toBeGreaterThan(40);
    for (let c = 0; c < 3; c++) expect(Math.abs(at(over, 140, 100)[c]! - at(base, 140, 100)[c]!)).toBeLessThan(6);
    expect(g).toBeGreaterThan(b!);
  });

  it('names the file in errors for broken maps', async () => {
    const bad = path.join(t.dir, 'bad.npy');
    fs.writeFileSync(bad, 'garbage');
    await expect(readAnomalyMap(bad)).rejects.toThrow(/bad\.npy: not a \.npy file/);
    await expect(readAnomalyMap(path.join(t.dir, 'none.npy'))).rejects.toThrow(/none\.npy: cannot open \(ENOENT\)/);
  });
});
