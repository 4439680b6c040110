import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../app/api/dispatch.js';
import { AppContext } from '../../app/context.js';
import { unusualByAppearance } from '../../app/dataset/unusual.js';
import { tempDir } from '../helpers.js';

/** The Curation view's contract: near-duplicate groups and the most unusual good images, by model or appearance. */
const t = tempDir();
const app = new AppContext(path.join(t.dir, 'user'), { logToFile: false });
const call = (method: string, params: unknown) => dispatch(method, params, { app, transport: 'http' });
const ids: number[] = [];
let datasetId = 0;
// Good parts share a hash family; image 5 is a foreign object (far off); 6 and 7 are near-duplicates of 0.
const BASE = 0x0f0f0f0f0f0f0f0fn;
const hashes = [BASE, BASE ^ 0x3n, BASE ^ 0xf0n, BASE ^ 0xf00n, BASE ^ 0xf000n, ~BASE & 0xffffffffffffffffn, BASE ^ 0x1n, BASE ^ 0x10000n];
const hex = (h: bigint) => h.toString(16).padStart(16, '0');

beforeAll(async () => {
  await call('projects.create', { dir: path.join(t.dir, 'p') });
  const db = app.project().db;
  const now = new Date().toISOString();
  datasetId = Number(db.prepare("INSERT INTO datasets (name, source_format, created_at) VALUES ('d', 'folder', ?)").run(now).lastInsertRowid);
  const img = db.prepare(
    `INSERT INTO images (dataset_id, path, original_path, storage, sha256, width, height, channels, bit_depth, format, label, split, phash, created_at)
     VALUES (?, ?, ?, 'copy', ?, 8, 8, 3, 8, 'png', 'good', 'train', ?, ?)`,
  );
  hashes.forEach((h, k) => ids.push(Number(img.run(datasetId, `images/${k}.png`, `good/${k}.png`, `sha${k}`, hex(h), now).lastInsertRowid)));
});
afterAll(async () => {
  await app.dispose();
  t.cleanup();
});

describe('curation', () => {
  it('ranks the image that looks least like the others first (perceptual hash, k nearest)', () => {
    const ranked = unusualByAppearance(ids.map((id, k) => ({ id, phash: hex(hashes[k]!) })), 3);
    expect(ranked[0]).toEqual({ id: ids[5], distance: expect.any(Number) });
    expect(ranked[0]!.distance).toBeGreaterThan(40);
    expect(ranked[1]!.distance).toBeLessThan(8);
    expect(unusualByAppearance([{ id: 1, phash: 'nothex' }], 5)).toEqual([]);
  });

  it('lists near-duplicate groups with the images to show', async () => {
    const r = await call('curation.duplicates', { datasetId, maxDistance: 2 });
    expect(r).toMatchObject({ ok: true, result: { total: 1 } });
    const group = (r as { result: { groups: { images: { id: number; originalPath: string }[] }[] } }).result.groups[0]!;
    expect(group.images.map((i) => i.id)).toEqual([ids[0], ids[1], ids[6], ids[7]]);
    expect(group.images[0]).toMatchObject({ originalPath: 'good/0.png', label: 'good', split: 'train' });
    expect(await call('curation.duplicates', { datasetId: 999 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('ranks good images by appearance without a model, by its scores once one scored them; exclude is one undoable update', async () => {
    const byLook = await call('curation.unusualGood', { datasetId, limit: 2 });
    expect(byLook).toMatchObject({ ok: true, result: { by: 'appearance', model: null, goods: 8, ranked: 8, items: [{ id: ids[5] }, {}] } });
    const db = app.project().db;
    const now = new Date().toISOString();
    const model = Number(db.prepare("INSERT INTO models (name, status, objective, backbone, config_json, created_at, updated_at) VALUES ('m', 'ready', 'clflow', 'b', '{}', ?, ?)").run(now, now).lastInsertRowid);
    const res = db.prepare('INSERT INTO results (image_id, model_id, score, created_at) VALUES (?, ?, ?, ?)');
    ids.forEach((id, k) => res.run(id, model, k === 3 ? 9 : k / 10, now));
    const byModel = await call('curation.unusualGood', { datasetId, limit: 2 });
    expect(byModel).toMatchObject({ ok: true, result: { by: 'model', model: { id: model, name: 'm' }, ranked: 8, items: [{ id: ids[3], value: 9 }, { id: ids[7], value: 0.7 }] } });
    expect(await call('datasets.update', { ids: [ids[3]], set: { label: 'ignore' } })).toMatchObject({ ok: true });
    const after = await call('curation.unusualGood', { datasetId, limit: 1 });
    expect(after).toMatchObject({ ok: true, result: { goods: 7, items: [{ id: ids[7] }] } });
    expect(await call('curation.unusualGood', { datasetId, modelId: 4242 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});
