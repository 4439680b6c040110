import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../app/api/dispatch.js';
import { AppContext } from '../../app/context.js';
import { writeMapF16, writeMapPng } from '../../app/model/maps.js';
import { tempDir } from '../helpers.js';

/** results.map: the Review view draws every stored map form through it (the demo stores exact .f16 maps). */
const decodeFloat32Base64 = (b64: string): Float32Array => {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};
const t = tempDir();
const app = new AppContext(path.join(t.dir, 'user'), { logToFile: false });
const call = (method: string, params: unknown) => dispatch(method, params, { app, transport: 'http' });
const W = 6;
const H = 4;
const values = Float32Array.from({ length: W * H }, (_, i) => i * 0.25);
const ids: Record<'f16' | 'png' | 'none' | 'broken', number> = { f16: 0, png: 0, none: 0, broken: 0 };

beforeAll(async () => {
  await call('projects.create', { dir: path.join(t.dir, 'p') });
  const project = app.project();
  const db = project.db;
  const now = new Date().toISOString();
  const ds = Number(db.prepare("INSERT INTO datasets (name, source_format, created_at) VALUES ('d', 'folder', ?)").run(now).lastInsertRowid);
  const model = Number(
    db.prepare("INSERT INTO models (name, status, objective, backbone, config_json, created_at, updated_at) VALUES ('m', 'ready', 'clflow', 'b', '{}', ?, ?)").run(now, now).lastInsertRowid,
  );
  writeMapF16(project.path('maps/a.f16'), values, W, H);
  await writeMapPng(project.path('maps/b.png'), values, W, H, 2.5);
  fs.writeFileSync(project.path('maps/c.f16'), 'not a map');
  const maps = { f16: 'maps/a.f16', png: 'maps/b.png', none: null, broken: 'maps/c.f16' };
  for (const [k, [kind, mapPath]] of Object.entries(maps).entries()) {
    const img = Number(
      db.prepare(
        `INSERT INTO images (dataset_id, path, storage, sha256, width, height, channels, bit_depth, format, label, split, created_at)
         VALUES (?, ?, 'copy', ?, 8, 8, 3, 8, 'png', 'good', 'test', ?)`,
      ).run(ds, `images/${k}.png`, `sha${k}`, now).lastInsertRowid,
    );
    ids[kind as keyof typeof ids] = Number(db.prepare('INSERT INTO results (image_id, model_id, score, map_path, created_at) VALUES (?, ?, 1, ?, ?)').run(img, model, mapPath, now).lastInsertRowid);
  }
});
afterAll(async () => {
  await app.dispose();
  t.cleanup();
});

describe('results.map', () => {
  it('returns the exact values of a .f16 map in the model units', async () => {
    const r = await call('results.map', { resultId: ids.f16 });
    if (!r.ok) throw new Error(r.error.message);
    const map = r.result as { width: number; height: number; scale: string; valuesBase64: string };
    expect([map.width, map.height, map.scale]).toEqual([W, H, 'score']);
    const data = decodeFloat32Base64(map.valuesBase64);
    expect(Array.from(data)).toEqual(Array.from(values)); // quarters are exact in float16
  });

  it('returns a display PNG as relative grey levels on the same scale', async () => {
    const r = await call('results.map', { resultId: ids.png });
    if (!r.ok) throw new Error(r.error.message);
    const map = r.result as { scale: string; valuesBase64: string };
    expect(map.scale).toBe('relative');
    const data = decodeFloat32Base64(map.valuesBase64);
    // PNG grey = map / (2 × reject), clamped at 1: within one grey level of the f16 value / 5.
    for (let i = 0; i < data.length; i++) expect(Math.abs(data[i]! - Math.min(1, values[i]! / 5))).toBeLessThanOrEqual(1 / 255);
  });

  it('answers a missing result, a result without a map and a corrupt file with errors that say so', async () => {
    expect(await call('results.map', { resultId: 9999 })).toMatchObject({ ok: false, error: { code: 'not_found', message: 'result 9999 does not exist' } });
    const none = await call('results.map', { resultId: ids.none });
    expect(none).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(!none.ok && none.error.message).toContain('no stored anomaly map');
    const broken = await call('results.map', { resultId: ids.broken });
    expect(broken).toMatchObject({ ok: false, error: { code: 'invalid_file' } });
    expect(!broken.ok && broken.error.message).toContain('c.f16');
  });
});
