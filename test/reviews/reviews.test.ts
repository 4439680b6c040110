import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../app/api/dispatch.js';
import { AppContext } from '../../app/context.js';
import { tempDir } from '../helpers.js';

const t = tempDir();
const app = new AppContext(path.join(t.dir, 'user'), { logToFile: false });
const call = (method: string, params: unknown) => dispatch(method, params, { app, transport: 'http' });
const ids: { model: number; results: number[]; images: number[] } = { model: 0, results: [], images: [] };

/** A project with one dataset of four test images, one model and a result per image (seeded directly: the fixture). */
beforeAll(async () => {
  await call('projects.create', { dir: path.join(t.dir, 'p') });
  const db = app.project().db;
  const now = new Date().toISOString();
  const ds = Number(db.prepare("INSERT INTO datasets (name, source_format, created_at) VALUES ('d', 'folder', ?)").run(now).lastInsertRowid);
  const img = db.prepare(
    `INSERT INTO images (dataset_id, path, storage, sha256, width, height, channels, bit_depth, format, label, split, created_at)
     VALUES (?, ?, 'copy', ?, 8, 8, 3, 8, 'png', ?, 'test', ?)`,
  );
  ids.model = Number(
    db.prepare("INSERT INTO models (name, status, objective, backbone, config_json, created_at, updated_at) VALUES ('m', 'ready', 'clflow', 'b', '{}', ?, ?)").run(now, now)
      .lastInsertRowid,
  );
  const res = db.prepare('INSERT INTO results (image_id, model_id, score, created_at) VALUES (?, ?, ?, ?)');
  for (const [k, label] of (['defect', 'good', 'defect', 'good'] as const).entries()) {
    const id = Number(img.run(ds, `images/${k}.png`, `sha${k}`, label, now).lastInsertRowid);
    ids.images.push(id);
    ids.results.push(Number(res.run(id, ids.model, k / 10, now).lastInsertRowid));
  }
});
afterAll(async () => {
  await app.dispose();
  t.cleanup();
});

describe('review decisions', () => {
  it('records, replaces and lists decisions with notes, highest score first', async () => {
    expect(await call('reviews.set', { resultId: ids.results[0], decision: 'defect', note: ' dent near edge ' })).toMatchObject({
      ok: true,
      result: { decision: 'defect', note: 'dent near edge', imageId: ids.images[0] },
    });
    await call('reviews.set', { resultId: ids.results[2], decision: 'skip' });
    await call('reviews.set', { resultId: ids.results[2], decision: 'false_alarm', note: 'reflection' });
    await call('reviews.set', { resultId: ids.results[3], decision: 'false_alarm' });
    const list = await call('reviews.list', { modelId: ids.model });
    expect(list.ok && (list.result as Array<{ resultId: number; decision: string }>).map((r) => [r.resultId, r.decision])).toEqual([
      [ids.results[3], 'false_alarm'],
      [ids.results[2], 'false_alarm'],
      [ids.results[0], 'defect'],
    ]);
    const fa = await call('reviews.list', { decision: 'false_alarm' });
    expect(fa.ok && (fa.result as unknown[]).length).toBe(2);
  });

  it('rejects unknown results and decisions with a clear error', async () => {
    expect(await call('reviews.set', { resultId: 999, decision: 'defect' })).toMatchObject({
      ok: false,
      error: { code: 'not_found', message: 'result 999 does not exist' },
    });
    const bad = await call('reviews.set', { resultId: ids.results[1], decision: 'maybe' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(!bad.ok && bad.error.message).toContain('decision');
  });

  it('refuses to make a labelled defect a good training image without a confirmation, and changes nothing', async () => {
    const db = app.project().db;
    // Image 2 is a ground-truth defect with a type and a mask; the reviewer marked it a false alarm.
    db.prepare("UPDATE images SET defect_type = 'scratch' WHERE id = ?").run(ids.images[2]);
    db.prepare("INSERT INTO masks (image_id, kind, format, path, updated_at) VALUES (?, 'defect', 'png', 'masks/2.png', '2024-01-01')").run(ids.images[2]);
    const before = db.prepare('SELECT id, label, split, defect_type FROM images ORDER BY id').all();
    const undoRows = db.prepare('SELECT COUNT(*) FROM undo_log').pluck().get();
    const r = await call('reviews.addFalseAlarmsToTraining', { modelId: ids.model });
    expect(r).toMatchObject({ ok: false, error: { code: 'conflict', details: { defects: [{ imageId: ids.images[2], label: 'defect', defectType: 'scratch', hasMask: true }] } } });
    expect(!r.ok && r.error.message).toMatch(/1 of the 2 false alarms is labelled as a defect \(images\/2\.png\); nothing was changed/);
    expect(db.prepare('SELECT id, label, split, defect_type FROM images ORDER BY id').all()).toEqual(before);
    expect(db.prepare('SELECT COUNT(*) FROM undo_log').pluck().get()).toBe(undoRows);
    expect(db.prepare("SELECT COUNT(*) FROM masks WHERE kind = 'defect'").pluck().get()).toBe(1);
  });

  it('with confirmDefects turns reviewed false alarms into good training images, clearing defect type and mask, logged for undo', async () => {
    const r = await call('reviews.addFalseAlarmsToTraining', { modelId: ids.model, confirmDefects: true });
    expect(r).toEqual({ ok: true, result: { imageIds: [ids.images[2], ids.images[3]], changed: 2, defectsCleared: 1 } });
    const db = app.project().db;
    const rows = db.prepare('SELECT id, label, split, defect_type AS type FROM images ORDER BY id').all();
    expect(rows).toEqual([
      { id: ids.images[0], label: 'defect', split: 'test', type: null },
      { id: ids.images[1], label: 'good', split: 'test', type: null },
      { id: ids.images[2], label: 'good', split: 'train', type: null },
      { id: ids.images[3], label: 'good', split: 'train', type: null },
    ]);
    expect(db.prepare("SELECT COUNT(*) FROM masks WHERE kind = 'defect'").pluck().get()).toBe(0);
    const undo = db.prepare('SELECT description FROM undo_log ORDER BY id DESC LIMIT 1').get() as { description: string };
    expect(undo.description).toContain('2 reviewed false alarm');
    expect(undo.description).toContain('1 labelled defect: defect type and mask cleared');
    // Idempotent: running it again changes nothing and logs nothing.
    expect(await call('reviews.addFalseAlarmsToTraining', { modelId: ids.model })).toMatchObject({ ok: true, result: { changed: 0, defectsCleared: 0 } });
    expect(await call('reviews.addFalseAlarmsToTraining', { modelId: 4242 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    // The Dataset view's undo reverts it like any bulk edit: labels, splits, the defect type and the mask.
    expect(await call('datasets.undo', {})).toMatchObject({ ok: true });
    expect(db.prepare('SELECT id, label, split, defect_type AS type FROM images ORDER BY id').all()).toEqual([
      { id: ids.images[0], label: 'defect', split: 'test', type: null },
      { id: ids.images[1], label: 'good', split: 'test', type: null },
      { id: ids.images[2], label: 'defect', split: 'test', type: 'scratch' },
      { id: ids.images[3], label: 'good', split: 'test', type: null },
    ]);
    expect(db.prepare("SELECT image_id, path, updated_at FROM masks WHERE kind = 'defect'").all()).toEqual([{ image_id: ids.images[2], path: 'masks/2.png', updated_at: '2024-01-01' }]);
  });

  it('clears a decision', async () => {
    expect(await call('reviews.clear', { resultId: ids.results[0] })).toEqual({ ok: true, result: { removed: true } });
    expect(await call('reviews.clear', { resultId: ids.results[0] })).toEqual({ ok: true, result: { removed: false } });
  });
});
