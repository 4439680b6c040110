import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../app/api/dispatch.js';
import { AppContext } from '../../app/context.js';
import { demoImage } from '../../app/synthesis/demo-image.js';
import { encodeMaskPng, encodePng } from '../../app/synthesis/io.js';
import { BUILTIN_PRESETS, PRESET_NAMES } from '../../app/synthesis/presets.js';
import { tempDir } from '../helpers.js';

const t = tempDir();
const app = new AppContext(path.join(t.dir, 'user'), { logToFile: false });
const call = (method: string, params: unknown) => dispatch(method, params, { app, transport: 'http' });
const ok = async <T = any>(method: string, params: unknown): Promise<T> => {
  const r = await call(method, params);
  if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
  return r.result as T;
};
const imageIds: number[] = [];
const W = 200;
const H = 100;

/** A project with two stored images; the first has an ignore mask over its left half (seeded directly: the fixture). */
beforeAll(async () => {
  await ok('projects.create', { dir: path.join(t.dir, 'p') });
  const project = app.project();
  const db = project.db;
  const now = new Date().toISOString();
  const ds = Number(db.prepare("INSERT INTO datasets (name, source_format, created_at) VALUES ('d', 'folder', ?)").run(now).lastInsertRowid);
  const ins = db.prepare(
    `INSERT INTO images (dataset_id, path, storage, sha256, width, height, channels, bit_depth, format, label, split, created_at)
     VALUES (?, ?, 'copy', ?, ?, ?, 3, 8, 'png', 'good', 'train', ?)`,
  );
  for (let k = 0; k < 2; k++) {
    const rel = `images/${k}.png`;
    fs.writeFileSync(project.path(rel), await encodePng(demoImage(W, H, { seed: k + 1 })));
    imageIds.push(Number(ins.run(ds, rel, `sha${k}`, W, H, now).lastInsertRowid));
  }
  const ignore = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W / 2; x++) ignore[y * W + x] = 255;
  fs.writeFileSync(project.path('masks/ignore0.png'), await encodeMaskPng({ width: W, height: H, data: ignore }));
  db.prepare("INSERT INTO masks (image_id, kind, format, path, updated_at) VALUES (?, 'ignore', 'png', 'masks/ignore0.png', ?)").run(imageIds[0], now);
});
afterAll(async () => {
  await app.dispose();
  t.cleanup();
});

async function decodeDataUrl(url: string): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  expect(url.startsWith('data:image/png;base64,')).toBe(true);
  const { data, info } = await sharp(Buffer.from(url.slice('data:image/png;base64,'.length), 'base64')).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

describe('synthesis presets API', () => {
  it('lists the eight built-ins, seeded in every project', async () => {
    const list = await ok<any[]>('synthesis.listPresets', {});
    expect(list.map((p) => p.name)).toEqual([...PRESET_NAMES]);
    expect(list.every((p) => p.builtin && p.description.length > 0)).toBe(true);
    expect(list.find((p) => p.name === 'crack').params).toEqual(BUILTIN_PRESETS.crack);
  });

  it('creates, updates and deletes user presets, validating params', async () => {
    const params = structuredClone(BUILTIN_PRESETS.scratch);
    params.count = [4, 6];
    const created = await ok<any>('synthesis.createPreset', { name: 'long scratches', params });
    expect(created).toMatchObject({ name: 'long scratches', builtin: false, params: { count: [4, 6] } });
    const dup = await call('synthesis.createPreset', { name: 'long scratches', params });
    expect(dup).toMatchObject({ ok: false, error: { code: 'conflict' } });

    const bad = structuredClone(params) as any;
    bad.defects[0].shape.width = [0.01, 0.3];
    const rejected = await call('synthesis.updatePreset', { id: created.id, params: bad });
    expect(rejected.ok).toBe(false);
    if (!rejected.ok) {
      expect(rejected.error.code).toBe('invalid_request');
      expect(rejected.error.message).toContain('params.defects[0].shape.width[1] must be a number in [0.0005, 0.05] (got 0.3)');
      expect(rejected.error.details).toEqual({ problems: ['params.defects[0].shape.width[1] must be a number in [0.0005, 0.05] (got 0.3)'] });
    }
    const unknownKey = await call('synthesis.createPreset', { name: 'x', params: { ...params, glitter: true } });
    expect(!unknownKey.ok && unknownKey.error.message).toContain("params: unknown key 'glitter'");

    const renamed = await ok<any>('synthesis.updatePreset', { id: created.id, name: 'scratches x5' });
    expect(renamed).toMatchObject({ name: 'scratches x5', params: { count: [4, 6] } });
    expect((await ok<any[]>('synthesis.listPresets', {})).map((p) => p.name)).toEqual([...PRESET_NAMES, 'scratches x5']);

    const builtin = (await ok<any[]>('synthesis.listPresets', {}))[0];
    expect(await call('synthesis.updatePreset', { id: builtin.id, params })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await call('synthesis.deletePreset', { id: builtin.id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await ok('synthesis.deletePreset', { id: created.id })).toEqual({ ok: true });
    expect(await call('synthesis.deletePreset', { id: created.id })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('publishes a JSON Schema with the allowed ranges', async () => {
    const schema = await ok<any>('synthesis.schema', {});
    expect(schema.properties.placement.properties.borderMargin).toMatchObject({ minimum: 0, maximum: 0.25 });
    expect(schema.additionalProperties).toBe(false);
  });
});

describe('synthesis.preview', () => {
  it('returns PNG images and masks, scaled, deterministic, respecting ignore masks', async () => {
    const req = { preset: 'mixed', imageIds, seed: 5, maxSide: 120 };
    const a = await ok<any>('synthesis.preview', req);
    const b = await ok<any>('synthesis.preview', req);
    expect(a.items.map((i: any) => i.imageId)).toEqual(imageIds);
    expect(a.items.map((i: any) => i.image)).toEqual(b.items.map((i: any) => i.image));
    for (const item of a.items) {
      expect([item.width, item.height]).toEqual([120, 60]);
      const img = await decodeDataUrl(item.image);
      const mask = await decodeDataUrl(item.mask);
      expect([img.width, img.height, img.channels]).toEqual([120, 60, 3]);
      let n = 0;
      for (let i = 0; i < 120 * 60; i++) if (mask.data[i * mask.channels] === 255) n++;
      expect(n / (120 * 60)).toBeCloseTo(item.maskFraction, 6);
      expect(n).toBeGreaterThan(0);
    }
    // Image 0's left half is an ignore region: no defect there, in any of several seeds.
    for (let seed = 0; seed < 5; seed++) {
      const r = await ok<any>('synthesis.preview', { preset: 'mixed', imageIds: [imageIds[0]], seed, maxSide: 120 });
      const mask = await decodeDataUrl(r.items[0].mask);
      let left = 0;
      for (let y = 0; y < 60; y++) for (let x = 0; x < 60; x++) if (mask.data[(y * 120 + x) * mask.channels]) left++;
      expect(left, `seed ${seed}`).toBe(0);
    }
  });

  it('takes a params object (the sliders) and reports bad input clearly', async () => {
    const params = structuredClone(BUILTIN_PRESETS.hole);
    params.count = [3, 3];
    const r = await ok<any>('synthesis.preview', { preset: params, imageIds: [imageIds[1]], seed: 1 });
    expect(r.items[0].defects).toHaveLength(3);
    expect([r.items[0].width, r.items[0].height]).toEqual([W, H]);

    const badParams = await call('synthesis.preview', { preset: { ...params, count: [0, 3] }, imageIds, seed: 1 });
    expect(!badParams.ok && badParams.error).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('params.count[0] must be an integer in [1, 16]') });
    const supplied = await call('synthesis.preview', { preset: { ...params, placement: { foreground: 'supplied', borderMargin: 0 } }, imageIds, seed: 1 });
    expect(!supplied.ok && supplied.error).toMatchObject({ code: 'invalid_request', message: expect.stringContaining("'supplied' needs a foreground mask") });
    expect(await call('synthesis.preview', { preset: 'nope', imageIds, seed: 1 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await call('synthesis.preview', { preset: 'hole', imageIds: [999], seed: 1 })).toMatchObject({
      ok: false,
      error: { code: 'not_found', message: 'image 999 not found' },
    });
    expect(await call('synthesis.preview', { preset: 'hole', imageIds: [], seed: 1 })).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });
});
