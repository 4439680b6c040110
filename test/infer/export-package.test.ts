import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../app/api/dispatch.js';
import { AppContext } from '../../app/context.js';
import { tempDir } from '../helpers.js';

/**
 * models.exportPackage refuses what it cannot do before a job starts (the written package itself is checked in
 * test/e2e/review-model.e2e.ts on a real trained model).
 */
const t = tempDir();
const app = new AppContext(path.join(t.dir, 'user'), { logToFile: false });
const call = (params: unknown) => dispatch('models.exportPackage', params, { app, transport: 'http' });
const ids = { ready: 0, training: 0 };

beforeAll(async () => {
  await dispatch('projects.create', { dir: path.join(t.dir, 'p') }, { app, transport: 'http' });
  const db = app.project().db;
  const now = new Date().toISOString();
  const model = db.prepare("INSERT INTO models (name, status, objective, backbone, config_json, onnx_path, created_at, updated_at) VALUES (?, ?, 'clflow', 'b', '{}', ?, ?, ?)");
  ids.ready = Number(model.run('fabric v2', 'ready', 'models/1.onnx', now, now).lastInsertRowid);
  ids.training = Number(model.run('still training', 'training', null, now, now).lastInsertRowid);
});
afterAll(async () => {
  await app.dispose();
  t.cleanup();
});

describe('models.exportPackage refusals', () => {
  const jobs = () => app.project().db.prepare("SELECT COUNT(*) FROM jobs WHERE kind = 'export'").pluck().get();

  it('refuses a model that is not ready, and an unknown one', async () => {
    expect(await call({ id: ids.training, outDir: path.join(t.dir, 'out') })).toMatchObject({ ok: false, error: { code: 'conflict', message: `model ${ids.training} is training; only a ready model can be exported` } });
    expect(await call({ id: 999, outDir: path.join(t.dir, 'out') })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(jobs()).toBe(0);
  });

  it('refuses a relative folder, a file in the way and a folder of other files, writing nothing', async () => {
    expect(await call({ id: ids.ready, outDir: 'exports/x' })).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    const file = path.join(t.dir, 'file.txt');
    fs.writeFileSync(file, 'x');
    const below = await call({ id: ids.ready, outDir: path.join(file, 'x') });
    expect(!below.ok && below.error.message).toContain(`${file} is a file, not a folder`);
    const busy = path.join(t.dir, 'busy');
    fs.mkdirSync(busy);
    fs.writeFileSync(path.join(busy, 'notes.md'), 'x');
    const r = await call({ id: ids.ready, outDir: busy });
    expect(!r.ok && r.error.message).toBe(`cannot export into ${busy}: it holds other files (notes.md); choose a new or empty folder`);
    expect(fs.readdirSync(busy)).toEqual(['notes.md']);
    expect(jobs()).toBe(0);
  });

  it('accepts a folder holding only an earlier export of the same model (it is replaced)', async () => {
    const again = path.join(t.dir, 'again');
    fs.mkdirSync(again);
    for (const f of ['fabric_v2.onnx', 'fabric_v2.card.json']) fs.writeFileSync(path.join(again, f), 'old');
    fs.mkdirSync(path.join(again, 'triton'));
    const r = await call({ id: ids.ready, outDir: again, triton: false });
    expect(r).toMatchObject({ ok: true, result: { kind: 'export' } });
    // The job fails (this model row has no real ONNX file) with a reason naming the model, not silently.
    const id = (r as { result: { id: number } }).result.id;
    const done = await app.jobs.wait(app.project(), id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/model|onnx|1\.onnx/i);
  });
});
