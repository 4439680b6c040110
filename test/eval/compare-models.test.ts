import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../app/api/dispatch.js';
import { AppContext } from '../../app/context.js';
import { tempDir } from '../helpers.js';

/**
 * models.compare (Review's before/after of a retrain, issue 23) through the real dispatcher on a real project: two
 * models on the same test images, from their stored results; images only one scored, or moved to train, drop out.
 */
const t = tempDir();
const app = new AppContext(path.join(t.dir, 'user'), { logToFile: false });
async function call<T = any>(method: string, params: unknown): Promise<T> {
  const r = await dispatch(method, params, { app, transport: 'ipc' });
  if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
  return r.result as T;
}
const models = { old: 0, new: 0 };

beforeAll(async () => {
  await call('projects.create', { dir: path.join(t.dir, 'p') });
  const db = app.project().db;
  const now = new Date().toISOString();
  const ds = Number(db.prepare("INSERT INTO datasets (name, source_format, created_at) VALUES ('d', 'folder', ?)").run(now).lastInsertRowid);
  for (const k of ['old', 'new'] as const) {
    models[k] = Number(
      db.prepare("INSERT INTO models (name, status, objective, backbone, config_json, created_at, updated_at) VALUES (?, 'ready', 'clflow', 'b', '{}', ?, ?)").run(`m-${k}`, now, now).lastInsertRowid,
    );
  }
  // label, split, old (score, verdict), new (score, verdict); null: that model has no result for the image.
  const images: [string, string, [number | null, string] | null, [number | null, string] | null][] = [
    ['good', 'test', [0.1, 'accept'], [0.1, 'accept']],
    ['good', 'test', [0.6, 'reject'], [0.2, 'accept']], // the false alarm the retrain fixed
    ['defect', 'test', [0.5, 'review'], [0.9, 'reject']],
    ['defect', 'test', [0.3, 'accept'], [0.8, 'reject']], // the missed defect
    ['defect', 'test', [null, 'error'], [0.7, 'reject']], // no finite score from the old model: out of the AUROC
    ['good', 'test', [0.2, 'accept'], null], // the new model never scored it
    ['defect', 'train', [0.9, 'reject'], [0.9, 'reject']], // a training defect now: not held out
    ['ignore', 'test', [0.4, 'review'], [0.4, 'review']],
  ];
  images.forEach(([label, split, a, b], k) => {
    const img = Number(
      db.prepare(
        `INSERT INTO images (dataset_id, path, storage, sha256, width, height, channels, bit_depth, format, label, split, created_at)
         VALUES (?, ?, 'copy', ?, 8, 8, 3, 8, 'png', ?, ?, ?)`,
      ).run(ds, `images/${k}.png`, `sha${k}`, label, split, now).lastInsertRowid,
    );
    for (const [model, r] of [[models.old, a], [models.new, b]] as const) {
      if (r) db.prepare('INSERT INTO results (image_id, model_id, score, verdict, created_at) VALUES (?, ?, ?, ?, ?)').run(img, model, r[0], r[1], now);
    }
  });
});
afterAll(async () => {
  await app.dispose();
  t.cleanup();
});

const counts = (accept: number, review: number, reject: number, error: number) => ({ accept, review, reject, error });

describe('models.compare', () => {
  it('compares image AUROC and verdicts by label on the test images both models scored', async () => {
    const r = await call('models.compare', { baselineId: models.old, candidateId: models.new });
    expect(r).toEqual({
      split: 'test',
      images: { shared: 5, good: 2, defect: 3, aurocImages: 4 },
      // Old: goods 0.1, 0.6 vs defects 0.5, 0.3 → 2 of 4 pairs ranked right; new: all 4.
      baseline: { modelId: models.old, name: 'm-old', imageAuroc: 0.5, verdicts: { good: counts(1, 0, 1, 0), defect: counts(1, 1, 0, 1) } },
      candidate: { modelId: models.new, name: 'm-new', imageAuroc: 1, verdicts: { good: counts(2, 0, 0, 0), defect: counts(0, 0, 3, 0) } },
      onlyBaseline: 1,
      onlyCandidate: 0,
    });
  });

  it('says why when there is nothing to compare, or a model is missing', async () => {
    await expect(call('models.compare', { baselineId: models.old, candidateId: models.new, split: 'val' })).rejects.toMatchObject({
      code: 'invalid_request',
      message: expect.stringContaining('no stored results on the same val images'),
    });
    await expect(call('models.compare', { baselineId: models.old, candidateId: 999 })).rejects.toMatchObject({ code: 'not_found', message: 'model 999 does not exist' });
  });
});
