import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportModel } from '../../app/infer/export.js';
import { scoreInApp } from '../../app/infer/in-app.js';
import { ModelRunner } from '../../app/infer/model-runner.js';
import { inferFolder } from '../../app/infer/standalone.js';
import { loadRgb8 } from '../../app/model/features/preprocess.js';
import { getModel } from '../../app/store/models.js';
import { trainModel, type TrainResult, type StoredModelConfig } from '../../app/train/trainer.js';
import { type Fixture, demoFixture, listImages, TINY } from './fixture.js';

let fx: Fixture;
let model: TrainResult;
const logs: string[] = [];
const fractions: number[] = [];
const ALIGN = { mode: 'translation', maxShift: 0.08 } as const;

beforeAll(async () => {
  fx = await demoFixture('pcb');
  model = await trainModel(fx.project, { objective: 'fastflow', settings: { ...TINY, epochs: 2, align: ALIGN }, log: (_l, m) => logs.push(m), progress: (f) => fractions.push(f) });
}, 120_000);

afterAll(() => {
  fx?.project.close();
  if (fx) fs.rmSync(fx.root, { recursive: true, force: true });
});

/** Writes a copy of `file` moved by whole pixels: copy(p) = original(p + d), edge pixels repeated. */
async function movedCopy(file: string, dx: number, dy: number, out: string): Promise<void> {
  const img = await loadRgb8(file, { width: 64, height: 64, fit: 'stretch' });
  const data = new Uint8Array(img.data.length);
  const at = (v: number) => Math.min(63, Math.max(0, v));
  for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) for (let c = 0; c < 3; c++) data[(y * 64 + x) * 3 + c] = img.data[(at(y + dy) * 64 + at(x + dx)) * 3 + c];
  await sharp(data, { raw: { width: 64, height: 64, channels: 3 } }).png().toFile(out);
}

describe('training with alignment (fixtured parts)', () => {
  it('aligns every training and validation image onto a training image chosen by content, once', async () => {
    const config = getModel(fx.project.db, model.modelId)!.config as unknown as StoredModelConfig;
    expect(config.settings.align).toEqual(ALIGN);
    const shas = fx.project.db.prepare(`select sha256 from images where split = 'train' and label = 'good'`).all() as { sha256: string }[];
    // The reference is one of the training images (not a held-out one), the one with the smallest hash among them.
    expect(shas.map((s) => s.sha256)).toContain(config.alignReference!.sha256);
    expect(logs.some((m) => /aligned 20 images to .*: median shift [\d.]+ px, largest [\d.]+ px/.test(m))).toBe(true);
    // Progress moves forward only, through the alignment, the feature cache and training, to the end.
    expect(fractions.every((f, i) => i === 0 || f >= fractions[i - 1] - 1e-9)).toBe(true);
    expect(fractions.at(-1)).toBe(1);
    const [dir] = fs.readdirSync(fx.project.path('aligned'));
    expect(fs.readdirSync(fx.project.path('aligned', dir)).filter((f) => f.endsWith('.png'))).toHaveLength(20);

    // A second model with the same images and settings reuses the aligned copies (nothing to align again).
    logs.length = 0;
    await trainModel(fx.project, { objective: 'fastflow', settings: { ...TINY, epochs: 1, align: ALIGN }, log: (_l, m) => logs.push(m) });
    expect(logs.some((m) => /aligned \d+ images/.test(m))).toBe(false);
    expect(fs.readdirSync(fx.project.path('aligned'))).toEqual([dir]);
  }, 60_000);

  it('exports one ONNX file that aligns by itself: same scores as the in-app path, batch-agnostic, shift reported', async () => {
    const out = path.join(fx.root, 'aligned.onnx');
    await exportModel(fx.project, model.modelId, out);
    const files = listImages(fx.testDir).slice(0, 5);
    const runner = await ModelRunner.open(out);
    expect(runner.aligned).toBe(true);
    const batch = await runner.runFiles(files);
    const single = await runner.runFiles([files[3]]);
    await runner.release();
    expect(batch.shifts).toHaveLength(5);
    expect(single.shifts![0].x).toBeCloseTo(batch.shifts![3].x, 4);
    expect(single.scores[0]).toBeCloseTo(batch.scores[3], 4);
    const inApp = await scoreInApp(fx.project, model.modelId, files);
    for (let i = 0; i < files.length; i++) expect(Math.abs(batch.scores[i] - inApp.scores[i]) / Math.abs(inApp.scores[i])).toBeLessThanOrEqual(1e-5);

    const csv = path.join(fx.root, 'aligned.csv');
    await inferFolder({ model: out, images: fx.testDir, out: csv });
    const lines = fs.readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('path,score,verdict,map_file,shift_x,shift_y,reason');
    const row = lines.find((l) => l.startsWith(path.relative(fx.testDir, files[0])))!.split(',');
    expect(Number(row[4])).toBeCloseTo(batch.shifts![0].x, 2);
    expect(Number(row[5])).toBeCloseTo(batch.shifts![0].y, 2);
  }, 60_000);

  it('gives a part moved on its fixture the same score, and a map that moves with the part', async () => {
    const file = listImages(path.join(fx.testDir, 'good'))[0];
    const moved = path.join(fx.root, 'moved.png');
    await movedCopy(file, 2, -1, moved);
    const runner = await ModelRunner.open(path.join(fx.root, 'aligned.onnx'));
    const r = await runner.runFiles([file, moved]);
    await runner.release();
    // moved(p) = original(p + d), so it needs a shift smaller by d to land on the reference.
    expect(Math.abs(r.shifts![1].x - (r.shifts![0].x - 2))).toBeLessThan(0.2);
    expect(Math.abs(r.shifts![1].y - (r.shifts![0].y + 1))).toBeLessThan(0.2);
    // Away from the repeated border, the moved part's map is the original map moved the same way.
    let diff = 0;
    let mass = 0;
    for (let y = 10; y < 54; y++)
      for (let x = 10; x < 54; x++) {
        diff += Math.abs(r.maps[1][y * 64 + x] - r.maps[0][(y - 1) * 64 + (x + 2)]);
        mass += Math.abs(r.maps[0][(y - 1) * 64 + (x + 2)]);
      }
    expect(diff / mass).toBeLessThan(0.1);
    expect(Math.abs(r.scores[1] - r.scores[0]) / r.scores[0]).toBeLessThan(0.1);
  }, 60_000);

  it('rejects alignment settings out of range with the field named', async () => {
    await expect(trainModel(fx.project, { settings: { ...TINY, align: { mode: 'rotation' } } })).rejects.toThrow(/align\.mode/);
    await expect(trainModel(fx.project, { settings: { ...TINY, align: { mode: 'translation', maxShift: 0.5 } } })).rejects.toThrow(/align\.maxShift/);
  });
});
