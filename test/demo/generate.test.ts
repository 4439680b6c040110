import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CATEGORIES, generateDemoDataset, type DemoSummary } from '../../app/demo/generate.js';

let dir: string;
let summary: DemoSummary;
const counts = { trainGood: 4, testGood: 2, defective: 6 };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'flowspect-demo-'));
  summary = await generateDemoDataset({ outDir: path.join(dir, 'a'), size: counts });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('demo dataset generator', () => {
  it('writes the MVTec AD layout with the requested counts for all three categories', async () => {
    expect(summary.categories.map((c) => c.name)).toEqual(['fabric', 'metal', 'pcb']);
    expect(summary.images).toBe(3 * 12);
    for (const cat of DEMO_CATEGORIES) {
      const root = path.join(dir, 'a', cat.name);
      expect(await readdir(path.join(root, 'train', 'good'))).toEqual(['000.png', '001.png', '002.png', '003.png']);
      expect(await readdir(path.join(root, 'test', 'good'))).toHaveLength(2);
      expect((await readdir(path.join(root, 'test'))).sort()).toEqual([...cat.defectTypes, 'good'].sort());
      for (const type of cat.defectTypes) {
        const images = await readdir(path.join(root, 'test', type));
        const masks = await readdir(path.join(root, 'ground_truth', type));
        expect(images).toEqual(['000.png', '001.png']);
        expect(masks).toEqual(['000_mask.png', '001_mask.png']);
      }
    }
  });

  it('writes 256x256 RGB images and 8-bit binary masks of a plausible size', async () => {
    for (const cat of DEMO_CATEGORIES) {
      for (const type of cat.defectTypes) {
        const imgPath = path.join(dir, 'a', cat.name, 'test', type, '000.png');
        const maskPath = path.join(dir, 'a', cat.name, 'ground_truth', type, '000_mask.png');
        const meta = await sharp(imgPath).metadata();
        expect([meta.width, meta.height, meta.channels]).toEqual([256, 256, 3]);
        expect((await sharp(maskPath).metadata()).channels).toBe(1);
        const mask = await sharp(maskPath).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
        expect([mask.info.width, mask.info.height]).toEqual([256, 256]);
        const values = new Set(mask.data);
        expect([...values].sort()).toEqual([0, 255]);
        const area = mask.data.reduce((s, v) => s + (v ? 1 : 0), 0);
        expect(area, `${cat.name}/${type} mask area`).toBeGreaterThanOrEqual(20);
        expect(area, `${cat.name}/${type} mask area`).toBeLessThan(256 * 256 * 0.25);
      }
    }
  });

  it('is deterministic: the same images byte for byte on a second run, whatever the subset', async () => {
    await generateDemoDataset({ outDir: path.join(dir, 'b'), size: counts, categories: ['pcb'] });
    for (const rel of ['pcb/train/good/002.png', 'pcb/test/misprint/001.png', 'pcb/ground_truth/missing_copper/000_mask.png']) {
      expect(Buffer.compare(await readFile(path.join(dir, 'a', rel)), await readFile(path.join(dir, 'b', rel)))).toBe(0);
    }
    // Different indices are different images (per-image randomness, not one image copied).
    const a = await readFile(path.join(dir, 'a', 'fabric/train/good/000.png'));
    const b = await readFile(path.join(dir, 'a', 'fabric/train/good/001.png'));
    expect(Buffer.compare(a, b)).not.toBe(0);
  });

  it('stops when cancelled and rejects bad options with a clear message', async () => {
    const controller = new AbortController();
    const run = generateDemoDataset({
      outDir: path.join(dir, 'c'),
      size: 'quick',
      signal: controller.signal,
      progress: (f) => {
        if (f > 0.05) controller.abort();
      },
    });
    await expect(run).rejects.toThrow(/abort/i);
    await expect(generateDemoDataset({ outDir: path.join(dir, 'd'), categories: ['glass'] })).rejects.toThrow(/unknown demo category "glass"/);
    await expect(generateDemoDataset({ outDir: path.join(dir, 'd'), size: { trainGood: -1, testGood: 0, defective: 0 } })).rejects.toThrow(/trainGood/);
  });
});
