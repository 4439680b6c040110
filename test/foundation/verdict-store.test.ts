import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../../app/store/migrate.js';
import { migrations } from '../../app/store/migrations/index.js';
import { verdictError } from '../../app/store/migrations/005-verdict-error.js';
import { createProject } from '../../app/store/project.js';
import { getModel, readStoredThresholds, updateModel } from '../../app/store/models.js';
import { getReport, insertReport } from '../../app/store/reports.js';
import { listResults, reapplyVerdicts, upsertResults } from '../../app/store/results.js';
import { tempDir } from '../helpers.js';

const t = tempDir('flowspect-verdict-store-');
afterAll(() => t.cleanup());

const now = new Date().toISOString();

/** One dataset, `n` images and one ready model, by raw inserts into the real schema. */
function seed(db: Database.Database, n: number): { modelId: number; imageIds: number[] } {
  const datasetId = Number(db.prepare("INSERT INTO datasets (name, category, source_format, created_at) VALUES ('d', 'c', 'demo', ?)").run(now).lastInsertRowid);
  const ins = db.prepare(
    `INSERT INTO images (dataset_id, path, storage, sha256, width, height, channels, bit_depth, format, label, split, created_at)
     VALUES (?, ?, 'copy', ?, 8, 8, 3, 8, 'png', ?, 'test', ?)`,
  );
  const imageIds = Array.from({ length: n }, (_, i) => Number(ins.run(datasetId, `images/${i}.png`, `sha${i}`, i % 2 ? 'defect' : 'good', now).lastInsertRowid));
  const modelId = Number(
    db
      .prepare(
        `INSERT INTO models (name, dataset_id, status, objective, backbone, config_json, thresholds_json, created_at, updated_at)
         VALUES ('m', ?, 'ready', 'fastflow', 'b', '{}', '{"review":1,"reject":2,"method":"clean-quantile","detail":"q"}', ?, ?)`,
      )
      .run(datasetId, now, now).lastInsertRowid,
  );
  return { modelId, imageIds };
}

describe('results store: unjudged results', () => {
  it('migrates the results table keeping ids and reviews; a stored ±Infinity becomes an error with no score', () => {
    const db = new Database(path.join(t.dir, 'old.db'));
    db.pragma('foreign_keys = ON');
    migrate(db, migrations.filter((m) => m.version < verdictError.version));
    const { modelId, imageIds } = seed(db, 3);
    const ins = db.prepare("INSERT INTO results (image_id, model_id, score, verdict, created_at) VALUES (?, ?, ?, ?, ?)");
    const ids = [
      Number(ins.run(imageIds[0], modelId, 0.5, 'accept', now).lastInsertRowid),
      Number(ins.run(imageIds[1], modelId, Number.NEGATIVE_INFINITY, 'accept', now).lastInsertRowid),
      Number(ins.run(imageIds[2], modelId, Number.POSITIVE_INFINITY, 'reject', now).lastInsertRowid),
    ];
    db.prepare("INSERT INTO reviews (result_id, decision, note, decided_at) VALUES (?, 'defect', 'kept', ?)").run(ids[1], now);
    // Before: the schema refuses an 'error' verdict and cannot hold a missing score.
    expect(() => ins.run(imageIds[0], modelId, null, 'error', now)).toThrow();

    migrate(db);
    const rows = db.prepare('SELECT id, score, verdict FROM results ORDER BY id').all();
    expect(rows).toEqual([
      { id: ids[0], score: 0.5, verdict: 'accept' },
      { id: ids[1], score: null, verdict: 'error' },
      { id: ids[2], score: null, verdict: 'error' },
    ]);
    expect(db.prepare('SELECT result_id, note FROM reviews').all()).toEqual([{ result_id: ids[1], note: 'kept' }]);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'results' AND name LIKE 'results_%' ORDER BY name").pluck().all()).toEqual([
      'results_image',
      'results_model_score',
      'results_model_score_image',
    ]);
    // A result without a score can only be an error; deleting it still cascades to its review.
    expect(() => db.prepare("UPDATE results SET verdict = 'accept' WHERE id = ?").run(ids[1])).toThrow(/CHECK/);
    db.prepare('DELETE FROM results WHERE id = ?').run(ids[1]);
    expect(db.prepare('SELECT COUNT(*) FROM reviews').pluck().get()).toBe(0);
    db.close();
  });

  it('stores a NaN or infinite score as an error, lists unjudged results first and reapplies bands with the one rule', () => {
    const project = createProject(path.join(t.dir, 'p1'));
    const { modelId, imageIds } = seed(project.db, 4);
    upsertResults(project.db, modelId, [
      { imageId: imageIds[0]!, score: 0.5, mapPath: null, verdict: 'accept', executionProvider: 'cpu' },
      // The caller's verdict is overruled: no finite score, no pass.
      { imageId: imageIds[1]!, score: Number.NaN, mapPath: null, verdict: 'accept', executionProvider: 'cpu' },
      { imageId: imageIds[2]!, score: Number.NEGATIVE_INFINITY, mapPath: null, verdict: 'accept', executionProvider: 'cpu' },
      { imageId: imageIds[3]!, score: 3, mapPath: null, verdict: 'reject', executionProvider: 'cpu' },
    ]);
    const page = listResults(project.db, { modelId, sort: 'score_desc' });
    expect(page.items.map((r) => [r.imageId, r.score, r.verdict])).toEqual([
      [imageIds[1], null, 'error'],
      [imageIds[2], null, 'error'],
      [imageIds[3], 3, 'reject'],
      [imageIds[0], 0.5, 'accept'],
    ]);
    expect(listResults(project.db, { modelId, sort: 'score_asc' }).items.map((r) => r.verdict)).toEqual(['error', 'error', 'accept', 'reject']);
    expect(listResults(project.db, { modelId, verdict: 'error' }).total).toBe(2);

    expect(reapplyVerdicts(project.db, modelId, { review: 0.1, reject: 0.4 })).toBe(4);
    expect(listResults(project.db, { modelId, sort: 'image' }).items.map((r) => r.verdict)).toEqual(['reject', 'error', 'error', 'reject']);
    // Bands that cannot judge leave nothing accepted.
    reapplyVerdicts(project.db, modelId, { review: Number.NaN, reject: 0.4 });
    expect(listResults(project.db, { modelId }).items.every((r) => r.verdict === 'error')).toBe(true);
    project.close();
  });
});

describe('model thresholds and report bands: typed, validated, older shapes read', () => {
  it('reads {low, high}, {accept, reject} and {threshold} thresholds as {review, reject}; unusable ones as null', () => {
    expect(readStoredThresholds('{"low":1,"high":2,"method":"f1max"}')).toEqual({ review: 1, reject: 2, method: 'f1max', detail: '' });
    expect(readStoredThresholds('{"accept":1,"reject":2,"detail":"old","validation":{"clean":4,"defects":0}}')).toEqual({
      review: 1,
      reject: 2,
      method: 'unknown',
      detail: 'old',
      validation: { clean: 4, defects: 0 },
    });
    expect(readStoredThresholds('{"threshold":3}')).toMatchObject({ review: 3, reject: 3 });
    for (const json of ['{}', '{"review":2,"reject":1,"method":"m","detail":""}', '{"review":null,"reject":1}', 'not json']) expect(readStoredThresholds(json)).toBeNull();
  });

  it('refuses to store thresholds that cannot judge, leaving the stored ones as they were', () => {
    const project = createProject(path.join(t.dir, 'p2'));
    const { modelId } = seed(project.db, 1);
    const before = getModel(project.db, modelId)!;
    expect(before.thresholds).toEqual({ review: 1, reject: 2, method: 'clean-quantile', detail: 'q' });
    for (const thresholds of [{ review: 3, reject: 2, method: 'manual', detail: '' }, { review: Number.NaN, reject: 2, method: 'manual', detail: '' }, { low: 1, high: 2 }]) {
      expect(() => updateModel(project.db, modelId, { thresholds, status: 'failed' })).toThrow(/model \d+: thresholds: /);
    }
    expect(getModel(project.db, modelId)).toMatchObject({ status: 'ready', thresholds: before.thresholds });
    project.close();
  });

  it('reads a report stored with {accept, reject} bands as {review, reject}', () => {
    const project = createProject(path.join(t.dir, 'p3'));
    const { modelId } = seed(project.db, 1);
    const id = insertReport(project.db, { modelId, datasetId: null, title: 'new', bands: { review: 0.2, reject: 0.9 }, files: {} });
    const old = Number(
      project.db.prepare("INSERT INTO reports (model_id, title, bands_json, files_json, created_at) VALUES (?, 'old', '{\"accept\":0.4,\"reject\":0.7}', '{}', ?)").run(modelId, now).lastInsertRowid,
    );
    expect(getReport(project.db, id)!.bands).toEqual({ review: 0.2, reject: 0.9 });
    expect(getReport(project.db, old)!.bands).toEqual({ review: 0.4, reject: 0.7 });
    project.close();
  });
});
