import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../app/api/dispatch.js';
import { AppContext } from '../../app/context.js';
import type { AppEvent } from '../../app/core/events.js';
import { exportModel } from '../../app/infer/export.js';
import { scoreInApp } from '../../app/infer/in-app.js';
import { ModelRunner } from '../../app/infer/model-runner.js';
import { openProjectModel } from '../../app/infer/project-model.js';
import { runInference } from '../../app/infer/run.js';
import { inferFolder } from '../../app/infer/standalone.js';
import { getModel } from '../../app/store/models.js';
import { createPreset, getPresetByName } from '../../app/store/presets.js';
import { listResults } from '../../app/store/results.js';
import { listTrainingEvents } from '../../app/store/training-events.js';
import { trainModel, type TrainResult } from '../../app/train/trainer.js';
import { type Fixture, fabricFixture, listImages, TINY } from './fixture.js';

let fx: Fixture;
let clflow: TrainResult;

beforeAll(async () => {
  fx = await fabricFixture();
}, 60_000);

afterAll(() => {
  fx?.project.close();
  if (fx) fs.rmSync(fx.root, { recursive: true, force: true });
});

describe('CL-Flow training end to end', () => {
  it('trains the tiny configuration and separates clean from defective test images (image AUROC ≥ 0.9)', async () => {
    const progress: { step: number; losses?: Record<string, number>; executionProvider: string; etaSeconds?: number }[] = [];
    clflow = await trainModel(fx.project, { objective: 'clflow', settings: TINY, progress: (_f, _m, d) => d && progress.push(d) });
    expect(clflow.objective).toBe('clflow');
    expect(clflow.steps).toBe(12); // 20 good images − 4 held out → 16 → 2 steps × 6 epochs
    expect(clflow.paramCount).toBeGreaterThan(0);
    const train = progress.filter((p) => p.losses);
    expect(train.length).toBe(12);
    // The first half is the FastFlow warm-up (clean NLL only); then the flow is fine-tuned with every CL-Flow term.
    for (const p of train.slice(0, 6)) expect(Object.keys(p.losses!).sort()).toEqual(['clean', 'optim.grad_norm', 'total']);
    for (const p of train.slice(6)) expect(Object.keys(p.losses!).sort()).toEqual(['ce', 'clean', 'contrast', 'optim.grad_norm', 'pull', 'total', 'unmasked']);
    expect(train.every((p) => p.executionProvider === 'cpu' || p.executionProvider === 'cuda')).toBe(true);
    expect(listTrainingEvents(fx.project.db, clflow.modelId, { kind: 'val' })).toHaveLength(6);
    expect(clflow.bestEpoch).toBeGreaterThan(3); // the best is a fine-tuned checkpoint, never a warm-up (FastFlow) one

    const model = getModel(fx.project.db, clflow.modelId)!;
    expect(model.status).toBe('ready');
    expect(model.thresholds).toMatchObject({ method: 'clean-quantile' });
    expect((model.thresholds as { review: number }).review).toBeLessThanOrEqual((model.thresholds as { reject: number }).reject);

    const inf = await runInference(fx.project, { modelId: clflow.modelId, split: 'test', evaluate: true, maps: 'png' });
    expect(inf.images).toBe(20);
    expect(inf.metrics!.imageAuroc).toBeGreaterThanOrEqual(0.9);
    const byType = Object.values(inf.metrics!.byDefectType);
    expect(byType.length).toBeGreaterThan(0);
    expect(byType.reduce((n, t) => n + t.images, 0)).toBe(inf.metrics!.defect);
    for (const t of byType) expect(t.imageAuroc).toBeGreaterThanOrEqual(0.5);
    const page = listResults(fx.project.db, { modelId: clflow.modelId, sort: 'score_desc', limit: 5 });
    expect(page.total).toBe(20);
    expect(page.items[0].score).toBeGreaterThanOrEqual(page.items[4].score!);
    expect(fs.existsSync(fx.project.path(page.items[0].mapPath!))).toBe(true);
  }, 120_000);

  it('exports one ONNX file whose scores equal the in-app path (≤ 1e-5 relative) and runs standalone', async () => {
    const out = path.join(fx.root, 'model.onnx');
    const exported = await exportModel(fx.project, clflow.modelId, out);
    const files = listImages(fx.testDir).slice(0, 6);
    const runner = await ModelRunner.open(out);
    expect(runner.metadata.thresholds.reject).toBe(clflow.thresholds.reject);
    expect(runner.metadata.input).toMatchObject({ height: 64, width: 64, range: [0, 255] });
    const onnx = await runner.runFiles(files);
    await runner.release();
    const inApp = await scoreInApp(fx.project, clflow.modelId, files);
    for (let i = 0; i < files.length; i++) {
      expect(Math.abs(onnx.scores[i] - inApp.scores[i]) / Math.abs(inApp.scores[i])).toBeLessThanOrEqual(1e-5);
    }
    expect(exported.sha256).toMatch(/^[0-9a-f]{64}$/);

    const csv = path.join(fx.root, 'results.csv');
    const summary = await inferFolder({ model: out, images: fx.testDir, out: csv, maps: path.join(fx.root, 'maps') });
    expect(summary).toMatchObject({ images: 20, judged: 20, unjudged: [] });
    const lines = fs.readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('path,score,verdict,map_file,reason');
    expect(lines).toHaveLength(21);
    const row = lines.find((l) => l.startsWith(path.relative(fx.testDir, files[0])))!.split(',');
    expect(Number(row[1])).toBeCloseTo(onnx.scores[0], 5);
    expect(fs.existsSync(row[3])).toBe(true);

    // A broken file is an error row with the reason; the rest are scored.
    const mixed = path.join(fx.root, 'mixed');
    fs.mkdirSync(mixed);
    fs.copyFileSync(files[0], path.join(mixed, 'a.png'));
    fs.writeFileSync(path.join(mixed, 'b.png'), Buffer.from('not an image'));
    const partial = await inferFolder({ model: out, images: mixed, out: path.join(fx.root, 'mixed.csv') });
    expect(partial).toMatchObject({ images: 2, judged: 1 });
    expect(partial.unjudged.map((f) => path.basename(f.file))).toEqual(['b.png']);
    await expect(inferFolder({ model: path.join(fx.root, 'results.csv'), images: mixed, out: path.join(fx.root, 'x.csv') })).rejects.toThrow(/results\.csv: (not a valid ONNX file|has no integrity record)/);
  }, 60_000);

  it('trains plain FastFlow, catches an injected NaN (step skipped, lr halved, reported) and still separates (AUROC ≥ 0.9)', async () => {
    const warnings: string[] = [];
    const r = await trainModel(fx.project, { objective: 'fastflow', settings: { ...TINY, injectNanAtSteps: [3] }, log: (l, m) => l === 'warn' && warnings.push(m) });
    expect(r.objective).toBe('fastflow');
    expect(r.nanSteps).toBe(1);
    expect(warnings.some((w) => /step 4: non-finite loss.*lr halved 0\.002 → 0\.001/.test(w))).toBe(true);
    const nan = listTrainingEvents(fx.project.db, r.modelId, { kind: 'nan' });
    expect(nan).toHaveLength(1);
    expect(nan[0].data).toMatchObject({ lrBefore: 0.002, lrAfter: 0.001 });
    const inf = await runInference(fx.project, { modelId: r.modelId, split: 'test', evaluate: true, maps: 'none' });
    expect(inf.metrics!.imageAuroc).toBeGreaterThanOrEqual(0.9);
    const byType = Object.values(inf.metrics!.byDefectType);
    expect(byType.length).toBeGreaterThan(0);
    expect(byType.reduce((n, t) => n + t.images, 0)).toBe(inf.metrics!.defect);
    for (const t of byType) expect(t.imageAuroc).toBeGreaterThanOrEqual(0.5);
  }, 120_000);

  it('stops with a clear message after repeated non-finite steps and marks the model failed', async () => {
    await expect(
      trainModel(fx.project, { objective: 'fastflow', settings: { ...TINY, epochs: 1, injectNanAtSteps: [0, 1], maxNanSteps: 2 } }),
    ).rejects.toThrow(/2 steps in a row had a non-finite loss/);
    const failed = getModelsByStatus('failed');
    expect(failed).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('rejects bad settings and selections before creating a model', async () => {
    await expect(trainModel(fx.project, { settings: { ...TINY, imageSize: 70 } })).rejects.toThrow(/multiple of 16/);
    await expect(trainModel(fx.project, { settings: { ...TINY, presets: ['nope'] } })).rejects.toThrow(/unknown synthesis preset "nope"/);
    await expect(trainModel(fx.project, { category: 'bottle', settings: TINY })).rejects.toThrow(/no good training images for category "bottle"/);
  });

  it('trains on the chosen backbone strides; the feature cache serves every tap set and the export matches in-app', async () => {
    const r = await trainModel(fx.project, { objective: 'fastflow', settings: { ...TINY, epochs: 1, strides: [4, 16] } });
    const config = getModel(fx.project.db, r.modelId)!.config as { spec: { taps: { name: string }[] } };
    expect(config.spec.taps.map((t) => t.name)).toEqual(['block_2_add', 'block_9_add']);
    // Images the in-app path has not cached yet (the cache keeps float16; a fresh extraction is float32 like ONNX).
    const files = listImages(fx.testDir).slice(10, 13);
    // The trainer's own file: sealed on first use (its content hash checked), as in-app scoring opens it.
    const runner = await openProjectModel(fx.project, getModel(fx.project.db, r.modelId)!);
    const onnx = await runner.runFiles(files);
    await runner.release();
    const inApp = await scoreInApp(fx.project, r.modelId, files);
    for (let i = 0; i < files.length; i++) expect(Math.abs(onnx.scores[i] - inApp.scores[i]) / Math.abs(inApp.scores[i])).toBeLessThanOrEqual(1e-5);
    await expect(trainModel(fx.project, { settings: { ...TINY, strides: [32] } })).rejects.toThrow(/no tap at stride 32/);
  }, 60_000);

  it("trains on the project's own synthesis preset, not only the built-ins", async () => {
    createPreset(fx.project.db, 'line-3 scratches', getPresetByName(fx.project.db, 'scratch')!.params);
    const r = await trainModel(fx.project, { objective: 'fastflow', settings: { ...TINY, epochs: 1, presets: ['line-3 scratches'] } });
    expect(getModel(fx.project.db, r.modelId)!.config).toMatchObject({ settings: { presets: ['line-3 scratches'] } });
  }, 60_000);
});

describe('models API and jobs', () => {
  it('trains in a worker job, reports history, sets thresholds (verdicts follow), infers and lists results', async () => {
    const app = new AppContext(path.join(fx.root, 'user'), { logToFile: false });
    app.openProject(fx.project.dir);
    const call = async (method: string, params: unknown) => dispatch(method, params, { app, transport: 'ipc' });
    const progress: AppEvent<'job.progress'>['payload'][] = [];
    const stopEvents = app.events.subscribe((e) => void (e.event === 'job.progress' && progress.push(e.payload as AppEvent<'job.progress'>['payload'])));
    const dataOf = (jobId: number) => progress.filter((p) => p.jobId === jobId && p.data !== undefined).map((p) => p.data!);
    try {
      const bad = await call('models.train', { category: 'fabric', settings: { epochs: 0 } });
      expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
      expect((bad as { error: { message: string } }).error.message).toMatch(/epochs/);

      const started = await call('models.train', { category: 'fabric', objective: 'fastflow', settings: { ...TINY, epochs: 1 } });
      expect(started.ok).toBe(true);
      const job = await app.jobs.wait(app.project(), (started as { result: { id: number } }).result.id);
      expect(job.status, job.error ?? '').toBe('succeeded');
      // Progress data is typed by job kind: the train job's records say where the run is and, after a step, steps/s.
      const trainData = dataOf(job.id);
      expect(trainData.length).toBeGreaterThan(0);
      expect(trainData.every((d) => d.kind === 'train')).toBe(true);
      expect(trainData.some((d) => d.kind === 'train' && d.event === 'train' && (d.stepsPerSecond ?? 0) > 0)).toBe(true);
      const modelId = (job.result as { modelId: number }).modelId;
      const got = (await call('models.get', { id: modelId })) as { ok: true; result: { status: string; paramCount: number; executionProvider: string } };
      expect(got.result).toMatchObject({ status: 'ready', executionProvider: 'cpu' });
      const hist = (await call('models.history', { id: modelId, kind: 'train' })) as { ok: true; result: { data: { losses: Record<string, number> } }[] };
      expect(hist.result).toHaveLength(2);
      expect(hist.result[0].data.losses).toHaveProperty('clean');

      const inferJob = (await call('models.infer', { id: modelId, split: 'test', maps: 'none' })) as { ok: true; result: { id: number } };
      const done = await app.jobs.wait(app.project(), inferJob.result.id);
      expect(done.status, done.error ?? '').toBe('succeeded');
      expect(done.result).toMatchObject({ images: 20, executionProvider: 'cpu' });
      expect(dataOf(inferJob.result.id).at(-1)).toMatchObject({ kind: 'infer', done: 20, total: 20, executionProvider: 'cpu' });

      const set = await call('models.setThresholds', { id: modelId, review: -1e9, reject: 1e9 });
      expect(set.ok).toBe(true);
      const page = (await call('results.list', { modelId, sort: 'score_asc', limit: 5, offset: 0 })) as { ok: true; result: { total: number; items: { score: number; verdict: string }[] } };
      expect(page.result.total).toBe(20);
      expect(page.result.items).toHaveLength(5);
      expect(page.result.items.every((r) => r.verdict === 'review')).toBe(true);
      expect(page.result.items[0].score).toBeLessThanOrEqual(page.result.items[4].score);
      expect(await call('models.setThresholds', { id: modelId, review: 2, reject: 1 })).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    } finally {
      stopEvents();
      await app.dispose();
    }
  }, 120_000);
});

function getModelsByStatus(status: string): number {
  return (fx.project.db.prepare('SELECT COUNT(*) AS n FROM models WHERE status = ?').get(status) as { n: number }).n;
}
