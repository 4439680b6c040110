import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../app/api/dispatch.js';
import { AppContext } from '../../app/context.js';
import { writeMapF16, writeMapPng } from '../../app/model/maps.js';
import { selectTrainingDefects } from '../../app/store/models.js';
import { tempDir } from '../helpers.js';

/**
 * results.maskFromMap ("accept the thresholded map as the mask", issue 23) through the real dispatcher on a real
 * project: the stored map (exact .f16 or display PNG) is resampled onto its 32² image, cut at the model's reject
 * threshold and stored as the image's defect mask, which makes a labelled train defect a training defect.
 */
const t = tempDir();
const app = new AppContext(path.join(t.dir, 'user'), { logToFile: false });
async function call<T = any>(method: string, params: unknown): Promise<T> {
  const r = await dispatch(method, params, { app, transport: 'http' });
  if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
  return r.result as T;
}
const MAP = 8;
const IMAGE = 32;
const REJECT = 2;
/** An 8² map, 0 but for a 2×2 block of 4 (twice the reject threshold) at rows 2–3, columns 4–5. */
const values = Float32Array.from({ length: MAP * MAP }, (_, i) => (Math.floor(i / MAP) >> 1 === 1 && (i % MAP) >> 1 === 2 ? 4 : 0));
const ids = { f16: 0, png: 0, none: 0, unbanded: 0 };
let datasetId = 0;

beforeAll(async () => {
  await call('projects.create', { dir: path.join(t.dir, 'p') });
  const project = app.project();
  const db = project.db;
  const now = new Date().toISOString();
  datasetId = Number(db.prepare("INSERT INTO datasets (name, category, source_format, created_at) VALUES ('d', 'widget', 'folder', ?)").run(now).lastInsertRowid);
  const addModel = (thresholds: string) =>
    Number(
      db.prepare("INSERT INTO models (name, status, objective, backbone, config_json, thresholds_json, created_at, updated_at) VALUES ('m', 'ready', 'clflow', 'b', '{}', ?, ?, ?)")
        .run(thresholds, now, now).lastInsertRowid,
    );
  const banded = addModel(JSON.stringify({ review: 1, reject: REJECT, method: 'test', detail: '' }));
  const unbanded = addModel('{}');
  writeMapF16(project.path('maps/a.f16'), values, MAP, MAP);
  await writeMapPng(project.path('maps/b.png'), values, MAP, MAP, REJECT);
  const rows = { f16: [banded, 'maps/a.f16'], png: [banded, 'maps/b.png'], none: [banded, null], unbanded: [unbanded, 'maps/a.f16'] } as const;
  for (const [k, [model, mapPath]] of Object.entries(rows)) {
    const img = Number(
      db.prepare(
        `INSERT INTO images (dataset_id, path, storage, sha256, width, height, channels, bit_depth, format, label, split, category, created_at)
         VALUES (?, ?, 'copy', ?, ?, ?, 3, 8, 'png', 'defect', 'test', 'widget', ?)`,
      ).run(datasetId, `images/${k}.png`, `sha-${k}`, IMAGE, IMAGE, now).lastInsertRowid,
    );
    ids[k as keyof typeof ids] = Number(db.prepare('INSERT INTO results (image_id, model_id, score, map_path, created_at) VALUES (?, ?, 3, ?, ?)').run(img, model, mapPath, now).lastInsertRowid);
  }
});
afterAll(async () => {
  await app.dispose();
  t.cleanup();
});

/** The stored mask PNG's size and the bounding box and count of its set pixels. */
async function readMask(rel: string) {
  const { data, info } = await sharp(app.project().path(rel)).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  let [x0, y0, x1, y1, area] = [Infinity, Infinity, -1, -1, 0];
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 0) continue;
    expect(data[i]).toBe(255);
    const x = i % info.width;
    const y = (i - x) / info.width;
    (x0 = Math.min(x0, x)), (y0 = Math.min(y0, y)), (x1 = Math.max(x1, x)), (y1 = Math.max(y1, y)), area++;
  }
  return { width: info.width, height: info.height, box: [x0, y0, x1, y1], area };
}

describe('results.maskFromMap', () => {
  it("cuts an exact map at the model's reject threshold and stores it at the image's size as its defect mask", async () => {
    const r = await call('results.maskFromMap', { resultId: ids.f16 });
    expect(r).toMatchObject({ threshold: REJECT, mapThreshold: REJECT, area: 60, coverage: 60 / (IMAGE * IMAGE), mask: { kind: 'defect', format: 'png' } });
    // The map's block (4× smaller) lands on image pixels 16–23 × 8–15, its corner pixels rounded off by the
    // bilinear resampling (4 × 0.625² = 1.56 there, under the cut at 2).
    expect(await readMask(r.mask.path)).toEqual({ width: IMAGE, height: IMAGE, box: [16, 8, 23, 15], area: 60 });
    const image = await call('datasets.image', { id: r.imageId });
    expect(image.hasMask).toBe(true);
    expect(image.masks).toEqual([expect.objectContaining({ kind: 'defect', path: r.mask.path })]);
  });

  it('reads a display PNG map on its relative scale (reject at mid-grey) to the same mask', async () => {
    const r = await call('results.maskFromMap', { resultId: ids.png });
    expect(r).toMatchObject({ threshold: REJECT, mapThreshold: 0.5, area: 60 });
    expect((await readMask(r.mask.path)).box).toEqual([16, 8, 23, 15]);
  });

  it('takes a threshold in score units, replaces the previous mask and removes its file', async () => {
    const before = (await call('datasets.image', { id: (await call('results.maskFromMap', { resultId: ids.f16 })).imageId })).masks[0].path;
    // Cut at 1 (a quarter of the block's value): the resampled ramp reaches it one pixel further out on each side.
    const r = await call('results.maskFromMap', { resultId: ids.f16, threshold: 1 });
    expect(r.threshold).toBe(1);
    expect((await readMask(r.mask.path)).box).toEqual([15, 7, 24, 16]);
    expect(r.mask.path).not.toBe(before);
    expect(fs.existsSync(app.project().path(before))).toBe(false);
  });

  it('refuses a threshold no pixel reaches, a map-less result, and a model without a reject threshold, saying why', async () => {
    await expect(call('results.maskFromMap', { resultId: ids.png, threshold: 5 })).rejects.toMatchObject({
      code: 'invalid_request',
      message: expect.stringMatching(/no pixel of result \d+'s anomaly map reaches the threshold 5 \(its highest is 4\.000\)/),
    });
    await expect(call('results.maskFromMap', { resultId: ids.none })).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('no stored anomaly map') });
    await expect(call('results.maskFromMap', { resultId: ids.unbanded })).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringContaining('give a threshold') });
    expect((await call('results.maskFromMap', { resultId: ids.unbanded, threshold: 2 })).area).toBe(60);
    await expect(call('results.maskFromMap', { resultId: 9999 })).rejects.toMatchObject({ code: 'not_found' });
    await expect(call('results.maskFromMap', { resultId: ids.f16, threshold: 'high' })).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('makes a labelled defect moved to train a training defect', async () => {
    const { imageId } = await call('results.maskFromMap', { resultId: ids.f16 });
    expect(selectTrainingDefects(app.project().db, { datasetId })).toEqual([]);
    await call('datasets.update', { ids: [imageId], set: { split: 'train' } });
    const { mask } = await call('datasets.image', { id: imageId }).then((i) => ({ mask: i.masks[0] }));
    expect(selectTrainingDefects(app.project().db, { datasetId })).toEqual([expect.objectContaining({ id: imageId, maskPath: mask.path })]);
  });
});
