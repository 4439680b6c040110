import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInference } from '../../app/infer/run.js';
import { generateReport } from '../../app/report/generate.js';
import { parseResultsCsv } from '../../app/report/results-table.js';
import { createProject, type Project } from '../../app/store/project.js';
import { listResults } from '../../app/store/results.js';
import { tempDir } from '../helpers.js';
import { greyImage, writeNanModel } from '../infer/nan-model.js';

/**
 * In-app scoring and the report with a real session on a model that gives NaN for dark parts: the unjudged parts are
 * stored as 'error', counted as not passed in every count of the report, and listed by name.
 */
const t = tempDir('flowspect-unjudged-');
let project: Project;
let modelId: number;
const PARTS = [
  { name: 'good-1', grey: 128, label: 'good' }, // accept
  { name: 'good-2', grey: 128, label: 'good' }, // accept
  { name: 'good-dark', grey: 0, label: 'good' }, // NaN → error
  { name: 'dent', grey: 200, label: 'defect' }, // reject
  { name: 'dent-dark', grey: 0, label: 'defect' }, // NaN → error
] as const;

beforeAll(async () => {
  project = createProject(path.join(t.dir, 'project'), 'Line 7');
  const db = project.db;
  const now = new Date().toISOString();
  const datasetId = Number(db.prepare("INSERT INTO datasets (name, category, source_format, created_at) VALUES ('parts', 'parts', 'folder', ?)").run(now).lastInsertRowid);
  const ins = db.prepare(
    `INSERT INTO images (dataset_id, path, storage, sha256, width, height, channels, bit_depth, format, label, split, defect_type, created_at)
     VALUES (?, ?, 'copy', ?, 40, 30, 3, 8, 'png', ?, 'test', ?, ?)`,
  );
  for (const [i, p] of PARTS.entries()) {
    const rel = `images/${p.name}.png`;
    await greyImage(project.path(rel), p.grey);
    ins.run(datasetId, rel, `sha-${i}`, p.label, p.label === 'defect' ? 'dent' : null, now);
  }
  await writeNanModel(project.path('models', 'model-1.onnx'), { review: 11, reject: 12 });
  modelId = Number(
    db
      .prepare(
        `INSERT INTO models (name, dataset_id, status, objective, backbone, config_json, onnx_path, thresholds_json, score_norm_json, created_at, updated_at)
         VALUES ('nan-on-dark', ?, 'ready', 'fastflow', 'none', '{}', 'models/model-1.onnx', ?, ?, ?, ?)`,
      )
      .run(datasetId, JSON.stringify({ review: 11, reject: 12, method: 'manual', detail: 'test' }), JSON.stringify({ method: 'clean-median-to-reject', offset: 0, scale: 1 }), now, now)
      .lastInsertRowid,
  );
}, 60_000);
afterAll(() => {
  project?.close();
  t.cleanup();
});

describe('parts the model could not judge', () => {
  it('in-app scoring stores them as errors with no score, counts them apart and keeps them out of the metrics', async () => {
    const r = await runInference(project, { modelId, maps: 'png', evaluate: true });
    expect(r.verdicts).toEqual({ accept: 2, review: 0, reject: 1, error: 2 });
    expect(r.unjudgedImageIds).toHaveLength(2);
    expect(r.metrics).toMatchObject({ imageAuroc: 1, good: 2, defect: 1 });
    const stored = listResults(project.db, { modelId, sort: 'score_desc' }).items;
    expect(stored.slice(0, 2).map((x) => [x.imagePath, x.score, x.verdict])).toEqual([
      ['images/good-dark.png', null, 'error'],
      ['images/dent-dark.png', null, 'error'],
    ]);
    expect(stored.filter((x) => x.verdict === 'accept').map((x) => x.imagePath).sort()).toEqual(['images/good-1.png', 'images/good-2.png']);
  }, 60_000);

  it('the report counts them as not passed everywhere (summary, matrix, flagging stats, CSV, JSON) and lists them', async () => {
    const rep = await generateReport(project, { modelId, galleryLimit: 10 });
    expect(rep.bands).toEqual({ review: 11, reject: 12 });
    expect(rep.summary.verdicts).toEqual({ accept: 2, review: 0, reject: 1, error: 2 });
    expect(rep.summary.flagged).toBe(3);

    const html = fs.readFileSync(path.join(rep.dir, 'report.html'), 'utf8');
    expect(html).toContain('<span class="band error">2 error</span> at the bands below');
    expect(html).toContain('Parts that could not be judged');
    expect(html).toMatch(/images\/good-dark\.png[\s\S]*images\/dent-dark\.png|images\/dent-dark\.png[\s\S]*images\/good-dark\.png/);
    // Confusion matrix rows: accept, review, reject, error.
    expect(html).toContain('<tr><th>good</th><td class="num">2</td><td class="num">0</td><td class="num">0</td><td class="num">1</td></tr>');
    expect(html).toContain('<tr><th>defect</th><td class="num">0</td><td class="num">0</td><td class="num">1</td><td class="num">1</td></tr>');
    // Flagged (review, reject or error): both defects caught, the dark good part is a false alarm, never a pass.
    expect(html).toMatch(/<tr><td>review, reject or error<\/td><td class="num">11\.000<\/td><td class="num">2<\/td><td class="num">1<\/td><td class="num">2<\/td><td class="num">0<\/td>/);
    expect(html).toMatch(/<tr><td>reject or error<\/td><td class="num">12\.000<\/td><td class="num">2<\/td><td class="num">1<\/td><td class="num">2<\/td><td class="num">0<\/td>/);

    const csv = parseResultsCsv(fs.readFileSync(path.join(rep.dir, 'results.csv'), 'utf8'));
    const errors = csv.filter((r) => r.verdict === 'error');
    expect(errors.map((r) => [r.score, r.stored_verdict])).toEqual([
      ['', 'error'],
      ['', 'error'],
    ]);
    expect(csv.filter((r) => r.verdict === 'accept')).toHaveLength(2);
    const json = JSON.parse(fs.readFileSync(path.join(rep.dir, 'results.json'), 'utf8')) as { results: { score: number | null; verdict: string }[] };
    expect(json.results.filter((r) => r.verdict === 'error').map((r) => r.score)).toEqual([null, null]);
  }, 60_000);
});
