import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../app/api/dispatch.js';
import { AppContext } from '../../app/context.js';
import { tempDir } from '../helpers.js';
import { makeMvtec, pattern, put } from './fixtures.js';

const t = tempDir('flowspect-curation-');
const app = new AppContext(path.join(t.dir, 'user'), { logToFile: false });
const ctx = { app, transport: 'ipc' as const };

/** Calls a method through the real dispatcher (schema validation both ways) and unwraps the result. */
async function call<T = any>(method: string, params: unknown = {}): Promise<T> {
  const r = await dispatch(method, params, ctx);
  if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
  return r.result as T;
}

let datasetId: number;

beforeAll(async () => {
  const src = path.join(t.dir, 'mvtec');
  await makeMvtec(src);
  // Two near-duplicates of train image 000 (a few pixels changed) for the perceptual-hash search.
  for (const [k, delta] of [[0, 3], [1, 5]] as const) {
    const px = pattern(0);
    for (let i = 0; i < 12; i++) px[i * 37] = (px[i * 37] + delta) & 0xff;
    put(path.join(src, 'widget/train/good', `dup${k}.png`), await sharp(px, { raw: { width: 32, height: 32, channels: 3 } }).png().toBuffer());
  }
  app.createProject(path.join(t.dir, 'project'));
  // The import runs as a job in a worker thread, like in the app.
  const job = await call('datasets.import', { source: src });
  const done = await app.jobs.wait(app.project(), job.id);
  expect(done.status, done.error ?? '').toBe('succeeded');
  expect(done.result).toMatchObject({ format: 'mvtec', imported: 8, masks: 1 });
  datasetId = (await call('datasets.list'))[0].id;
}, 120_000);

afterAll(async () => {
  await app.dispose();
  t.cleanup();
});

describe('curation methods', () => {
  it('lists datasets with counts by label, split and mask', async () => {
    const [ds] = await call('datasets.list');
    expect(ds).toMatchObject({ name: 'widget', sourceFormat: 'mvtec', counts: { images: 8, good: 6, defect: 2, train: 5, test: 3, masks: 1 } });
  });

  it('filters, sorts and paginates', async () => {
    const page = await call('datasets.images', { datasetId, labels: ['good'], sort: 'path', order: 'desc', limit: 2, offset: 1 });
    expect(page.total).toBe(6);
    expect(page.items).toHaveLength(2);
    const all = await call('datasets.images', { datasetId, labels: ['good'], sort: 'path', order: 'desc' });
    expect(page.items.map((i: any) => i.id)).toEqual(all.items.slice(1, 3).map((i: any) => i.id));
    // Sorted by the part's name (its path in the imported folder), not by the hash it is stored under.
    expect(all.items.map((i: any) => i.originalPath)).toEqual([...all.items.map((i: any) => i.originalPath)].sort().reverse());
    expect(all.items.map((i: any) => i.originalPath)).toContain('widget/train/good/000.png');
    expect((await call('datasets.images', { hasMask: true })).total).toBe(1);
    expect((await call('datasets.images', { hasMask: false, labels: ['defect'] })).total).toBe(1);
    expect((await call('datasets.images', { splits: ['test'], defectType: 'crack' })).total).toBe(2);
    expect((await call('datasets.images', { category: 'nope' })).total).toBe(0);
    await expect(call('datasets.images', { labels: ['bad'] })).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(call('datasets.images', { sort: 'score' })).rejects.toThrow(/scoreModelId/);
  });

  it('sets label, split, notes and tags singly and in bulk, and undoes the last change', async () => {
    const trainGood = await call('datasets.images', { datasetId, splits: ['train'] });
    const one = trainGood.items[0].id;
    await call('datasets.update', { ids: [one], set: { note: 'smudge on lens', addTags: ['check', 'lens'] } });
    let item = await call('datasets.image', { id: one });
    expect(item).toMatchObject({ note: 'smudge on lens', tags: ['check', 'lens'] });
    expect((await call('datasets.images', { tags: ['check', 'lens'] })).items.map((i: any) => i.id)).toEqual([one]);

    // Bulk by filter: every train image to val.
    const r = await call('datasets.update', { where: { datasetId, splits: ['train'] }, set: { split: 'val', removeTags: ['lens'] } });
    expect(r.updated).toBe(5);
    expect((await call('datasets.images', { splits: ['val'] })).total).toBe(5);
    expect((await call('datasets.undo')).undone).toMatch(/5 images: split "val"/);
    expect((await call('datasets.images', { splits: ['train'] })).total).toBe(5);
    item = await call('datasets.image', { id: one });
    expect(item.tags).toEqual(['check', 'lens']);
    // The previous single change is next on the undo stack.
    expect((await call('datasets.undo')).restored).toBe(1);
    expect(await call('datasets.image', { id: one })).toMatchObject({ note: '', tags: [] });
    expect(await call('datasets.undo')).toEqual({ undone: null, restored: 0 });
  });

  it('refuses an import request with a relative or missing source before any job starts', async () => {
    await expect(call('datasets.import', { source: 'data/mvtec' })).rejects.toThrow(/must be an absolute path/);
    await expect(call('datasets.import', { source: '/data', format: 'kitti' })).rejects.toMatchObject({ code: 'invalid_request' });
    // A missing folder is a job that fails with the reason.
    const job = await call('datasets.import', { source: path.join(t.dir, 'nowhere') });
    const done = await app.jobs.wait(app.project(), job.id);
    expect(done).toMatchObject({ status: 'failed', error: expect.stringMatching(/is not a readable folder/) });
  });

  it('refuses bad updates without changing anything', async () => {
    const before = await call('datasets.images', { datasetId });
    await expect(call('datasets.update', { ids: [before.items[0].id, 99999], set: { label: 'ignore' } })).rejects.toMatchObject({ code: 'not_found' });
    await expect(call('datasets.update', { ids: [before.items[0].id], set: {} })).rejects.toThrow(/nothing to change/);
    await expect(call('datasets.update', { ids: [1], where: {}, set: { label: 'good' } })).rejects.toThrow(/either ids or where/);
    expect((await call('datasets.images', { datasetId, labels: ['ignore'] })).total).toBe(0);
  });

  it('finds near-duplicate groups by perceptual hash', async () => {
    const { groups } = await call('datasets.duplicates', { datasetId, maxDistance: 6 });
    const paths = await call('datasets.images', { datasetId, limit: 100 });
    const byId = new Map(paths.items.map((i: any) => [i.id, i]));
    expect(groups.length).toBeGreaterThanOrEqual(1);
    const g = groups.find((x: any) => x.ids.length >= 3);
    expect(g, JSON.stringify(groups)).toBeDefined();
    expect(g.ids.every((id: number) => byId.has(id))).toBe(true);
    await expect(call('datasets.duplicates', { datasetId: 999 })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('stores, replaces and deletes defect masks as PNG or polygons', async () => {
    const defect = (await call('datasets.images', { labels: ['defect'], hasMask: false })).items[0];
    const wrong = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } }).png().toBuffer();
    await expect(call('datasets.setMask', { imageId: defect.id, mask: { png: wrong.toString('base64') } })).rejects.toThrow(/mask is 8x8 but its image is 32x32/);
    const good = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#000' } })
      .composite([{ input: { create: { width: 4, height: 4, channels: 3, background: '#fff' } }, left: 2, top: 2 }])
      .png()
      .toBuffer();
    const m1 = await call('datasets.setMask', { imageId: defect.id, mask: { png: `data:image/png;base64,${good.toString('base64')}` } });
    expect(m1).toMatchObject({ format: 'png', kind: 'defect' });
    const file1 = app.project().path(m1.path);
    const px = await sharp(file1).extractChannel(0).raw().toBuffer();
    expect(px.filter((v) => v === 255).length).toBe(16);
    expect((await call('datasets.image', { id: defect.id })).hasMask).toBe(true);
    // Replacing with polygons removes the old PNG file.
    const m2 = await call('datasets.setMask', { imageId: defect.id, mask: { polygons: [[[1, 1], [10, 1], [10, 10]]] } });
    expect(m2).toMatchObject({ format: 'polygons', path: null, polygons: [[[1, 1], [10, 1], [10, 10]]] });
    expect(fs.existsSync(file1)).toBe(false);
    await expect(call('datasets.setMask', { imageId: defect.id, mask: { polygons: [[[1, 1], [40, 1], [10, 10]]] } })).rejects.toThrow(/outside the 32x32 image/);
    expect(await call('datasets.deleteMask', { imageId: defect.id })).toEqual({ deleted: true });
    expect(await call('datasets.deleteMask', { imageId: defect.id })).toEqual({ deleted: false });
  });

  it('sets and clears a dataset ignore-region mask', async () => {
    const ds = await call('datasets.setIgnoreMask', { datasetId, mask: { polygons: [[[0, 0], [32, 0], [32, 4], [0, 4]]] }, width: 32, height: 32 });
    const file = app.project().path(ds.ignoreMaskPath);
    const px = await sharp(file).extractChannel(0).raw().toBuffer();
    expect(px.filter((v) => v === 255).length).toBe(32 * 4);
    const cleared = await call('datasets.setIgnoreMask', { datasetId, mask: null });
    expect(cleared.ignoreMaskPath).toBeNull();
    expect(fs.existsSync(file)).toBe(false);
    await expect(call('datasets.setIgnoreMask', { datasetId, mask: { polygons: [[[0, 0], [1, 0], [1, 1]]] } })).rejects.toThrow(/width and height/);
  });

  it('filters and sorts by a model score once results exist', async () => {
    const db = app.project().db;
    const now = new Date().toISOString();
    const modelId = Number(
      db.prepare("INSERT INTO models (name, status, objective, backbone, config_json, created_at, updated_at) VALUES ('m', 'ready', 'clflow', 'mobilenetv2', '{}', ?, ?)").run(now, now).lastInsertRowid,
    );
    const imgs = (await call('datasets.images', { datasetId })).items;
    imgs.forEach((im: any, k: number) => db.prepare('INSERT INTO results (image_id, model_id, score, created_at) VALUES (?, ?, ?, ?)').run(im.id, modelId, k / 10, now));
    const hi = await call('datasets.images', { score: { modelId, min: 0.35 }, sort: 'score', order: 'desc' });
    expect(hi.items.map((i: any) => i.score)).toEqual([0.7, 0.6, 0.5, 0.4]);
    const thumb = await call('datasets.thumbnail', { id: imgs[0].id });
    expect(thumb.dataUrl).toMatch(/^data:image\/webp;base64,/);
  });
});
