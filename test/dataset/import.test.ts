import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { importDataset } from '../../app/dataset/import.js';
import { listDatasets } from '../../app/store/datasets.js';
import { getMasks } from '../../app/store/masks.js';
import { imageFilePath, queryImages } from '../../app/store/images.js';
import { createProject, type Project } from '../../app/store/project.js';
import { tempDir } from '../helpers.js';
import { makeBadCorpus, makeBtad, makeMvtec, makeVariants, makeVisa } from './fixtures.js';

const t = tempDir('flowspect-import-');
afterAll(() => t.cleanup());
let n = 0;
const freshProject = (): Project => createProject(path.join(t.dir, `p${n++}`));
const rowsOf = (p: Project) => queryImages(p.db, { limit: 1000 }).items;

describe('importers', () => {
  it('imports MVTec AD with labels, splits, defect types and masks; a wrong-size mask is reported', async () => {
    const src = path.join(t.dir, 'mvtec');
    await makeMvtec(src);
    const p = freshProject();
    const progress: number[] = [];
    const report = await importDataset(p, { source: src, progress: (f) => progress.push(f) });
    expect(report.format).toBe('mvtec');
    expect(report).toMatchObject({ found: 6, imported: 6, duplicates: 0, masks: 1, failed: [] });
    expect(report.datasets).toEqual([{ id: expect.any(Number), name: 'widget', imported: 6, duplicates: 0, failed: 0 }]);
    expect(report.warnings).toEqual([{ file: path.join(src, 'widget/ground_truth/crack/001_mask.png'), reason: 'mask is 16x16 but its image is 32x32; image imported without its mask' }]);
    expect(progress.at(-1)).toBe(1);
    const rows = rowsOf(p);
    expect(rows.filter((r) => r.split === 'train' && r.label === 'good')).toHaveLength(3);
    expect(rows.filter((r) => r.split === 'test' && r.label === 'good')).toHaveLength(1);
    const defects = rows.filter((r) => r.label === 'defect');
    expect(defects.map((r) => [r.defectType, r.hasMask])).toEqual([['crack', true], ['crack', false]]);
    const mask = getMasks(p.db, defects[0].id)[0];
    const maskPixels = await sharp(p.path(mask.path!)).extractChannel(0).raw().toBuffer();
    expect(maskPixels.reduce((s, v) => s + (v === 255 ? 1 : 0), 0)).toBe(8 * 12);
    // Copies and thumbnails exist in the project; metadata recorded.
    for (const r of rows) {
      expect(fs.existsSync(imageFilePath(p, r))).toBe(true);
      expect(r.storage).toBe('copy');
      expect((await sharp(p.path(r.thumbnailPath!)).metadata()).format).toBe('webp');
      expect([r.width, r.height, r.channels, r.bitDepth, r.format]).toEqual([32, 32, 3, 8, 'png']);
      expect(r.phash).toMatch(/^[0-9a-f]{16}$/);
    }
    p.close();
  });

  it('is idempotent: re-importing adds no rows and no files', async () => {
    const src = path.join(t.dir, 'mvtec');
    const p = freshProject();
    await importDataset(p, { source: src });
    const filesBefore = fs.readdirSync(p.path('images'), { recursive: true }).length;
    const again = await importDataset(p, { source: src });
    expect(again).toMatchObject({ imported: 0, duplicates: 6 });
    expect(rowsOf(p)).toHaveLength(6);
    expect(fs.readdirSync(p.path('images'), { recursive: true }).length).toBe(filesBefore);
    p.close();
  });

  it('imports BTAD (BMP decoded, 0/1 mask normalised) and VisA from its split CSV', async () => {
    const btad = path.join(t.dir, 'btad');
    const visa = path.join(t.dir, 'visa');
    await makeBtad(btad);
    await makeVisa(visa);
    const p = freshProject();
    const b = await importDataset(p, { source: btad, namePrefix: 'btad-' });
    expect(b).toMatchObject({ format: 'btad', imported: 4, masks: 1, failed: [] });
    const v = await importDataset(p, { source: visa });
    expect(v).toMatchObject({ format: 'visa', imported: 3, masks: 1 });
    expect(v.failed).toEqual([{ file: `${path.join(visa, 'split_csv/1cls.csv')}:5`, reason: 'unknown label "weird" (normal or anomaly)' }]);
    expect(listDatasets(p.db).map((d) => [d.name, d.sourceFormat, d.counts.images, d.counts.defect, d.counts.masks])).toEqual([
      ['btad-01', 'btad', 4, 1, 1],
      ['candle', 'visa', 3, 1, 1],
    ]);
    const bmpRow = rowsOf(p).find((r) => r.format === 'bmp')!;
    expect(bmpRow.path).toMatch(/\.png$/);
    expect((await sharp(imageFilePath(p, bmpRow)).metadata()).width).toBe(32);
    const ko = rowsOf(p).find((r) => r.defectType === 'ko')!;
    const mask = await sharp(p.path(getMasks(p.db, ko.id)[0].path!)).extractChannel(0).raw().toBuffer();
    expect(mask.filter((v) => v === 255).length).toBe(96);
    p.close();
  });

  it('imports a generic folder by reference, with grayscale, 16-bit, alpha, TIFF, WebP and BMP files', async () => {
    const src = path.join(t.dir, 'variants');
    await makeVariants(src);
    const p = freshProject();
    const r = await importDataset(p, { source: src, storage: 'reference' });
    expect(r).toMatchObject({ format: 'folder', imported: 7, masks: 1, failed: [] });
    const byName = new Map(rowsOf(p).map((row) => [path.basename(row.storage === 'reference' ? row.path : row.sha256), row]));
    expect(byName.get('gray8.png')).toMatchObject({ channels: 1, bitDepth: 8, storage: 'reference', path: path.join(src, 'good/gray8.png') });
    expect(byName.get('gray16.png')).toMatchObject({ channels: 1, bitDepth: 16 });
    expect(byName.get('rgba.png')).toMatchObject({ channels: 4 });
    expect(byName.get('photo.tiff')).toMatchObject({ format: 'tiff' });
    expect(byName.get('photo.webp')).toMatchObject({ format: 'webp' });
    expect(byName.get('a.png')).toMatchObject({ label: 'defect', defectType: 'scratch', split: 'test', hasMask: true });
    // The BMP is the one file copied (as PNG), and the report says so.
    expect(r.warnings.map((w) => w.reason)).toContain('BMP stored as a PNG copy in the project (the model reads PNG)');
    expect(fs.readdirSync(p.path('images'), { recursive: true }).filter((f) => String(f).endsWith('.png'))).toHaveLength(1);
    p.close();
  });

  it('lists every bad file with its reason and imports the rest', async () => {
    const src = path.join(t.dir, 'bad');
    const expected = await makeBadCorpus(src);
    expect(Object.keys(expected).length).toBeGreaterThanOrEqual(20);
    const p = freshProject();
    const r = await importDataset(p, { source: src, limits: { maxPixels: 2000 * 2000, maxFileBytes: 300_000 } });
    const reasons = new Map(r.failed.map((f) => [path.basename(f.file), f.reason]));
    if (process.env.SHOW_REASONS) console.log(r.failed, r.warnings);
    for (const [name, reason] of Object.entries(expected)) {
      expect(reasons.get(name), `${name} should be reported`).toMatch(reason);
    }
    expect(r.failed).toHaveLength(Object.keys(expected).length);
    // fine.png + its copy (duplicate) + three dent images whose masks are unusable.
    expect(r).toMatchObject({ imported: 4, duplicates: 1, masks: 0 });
    const warned = new Map(r.warnings.map((w) => [path.basename(w.file), w.reason]));
    expect(warned.get('d1.png')).toMatch(/mask is 8x8 but its image is 32x32/);
    expect(warned.get('d2.png')).toMatch(/not an image/);
    expect(warned.get('d3.png')).toMatch(/empty file/);
    p.close();
  });

  it('commits whole batches only when cancelled, leaving no stray files', async () => {
    const src = path.join(t.dir, 'many');
    const { png } = await import('./fixtures.js');
    for (let i = 0; i < 40; i++) fs.mkdirSync(path.join(src, 'good'), { recursive: true }), fs.writeFileSync(path.join(src, 'good', `${i}.png`), await png(100 + i));
    const p = freshProject();
    const controller = new AbortController();
    const run = importDataset(p, {
      source: src,
      batchSize: 8,
      threads: 2,
      signal: controller.signal,
      progress: (f, m) => {
        if (/read 1[6-9] of/.test(m)) controller.abort(new Error('stop requested'));
      },
    });
    await expect(run).rejects.toThrow('stop requested');
    const rows = rowsOf(p);
    expect(rows.length % 8).toBe(0);
    expect(rows.length).toBeLessThan(40);
    const files = fs.readdirSync(p.path('images'), { recursive: true }).filter((f) => String(f).endsWith('.png'));
    expect(files).toHaveLength(rows.length);
    // Finishing later imports the rest without duplicating what was committed.
    const rest = await importDataset(p, { source: src });
    expect(rest.imported + rows.length).toBe(40);
    p.close();
  });

  it('rejects an unusable source folder with a clear message', async () => {
    const p = freshProject();
    await expect(importDataset(p, { source: path.join(t.dir, 'missing') })).rejects.toThrow(/is not a readable folder/);
    await expect(importDataset(p, { source: path.join(t.dir, 'mvtec'), format: 'visa' })).rejects.toThrow(/cannot read the VisA split file/);
    p.close();
  });
});
