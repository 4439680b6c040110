/**
 * int8 export of a tiled model: calibration and the check run tile by tile, as scoring does, and the file keeps its
 * tiling (the reader still cuts parts into tiles) with int8 thresholds it can judge whole parts by.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { verdictOf } from '../../app/core/bands.js';
import { mulberry32 } from '../../app/core/mulberry32.js';
import { importDataset } from '../../app/dataset/import.js';
import { exportModel } from '../../app/infer/export.js';
import { ModelRunner } from '../../app/infer/model-runner.js';
import { readMetadata } from '../../app/model/metadata.js';
import { createProject } from '../../app/store/project.js';
import { trainModel } from '../../app/train/trainer.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flowspect-int8-tiled-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A 128² grain; `spot` paints a bright square in one corner tile. */
async function writeImage(file: string, seed: number, spot: boolean): Promise<void> {
  const rnd = mulberry32(seed);
  const px = Buffer.alloc(128 * 128 * 3);
  for (let y = 0; y < 128; y++) {
    for (let x = 0; x < 128; x++) {
      const v = 100 + 35 * Math.sin((x + seed) / 3) * Math.cos(y / 5) + rnd() * 30;
      const hit = spot && x >= 80 && x < 96 && y >= 80 && y < 96;
      for (let c = 0; c < 3; c++) px[(y * 128 + x) * 3 + c] = hit ? 245 : Math.max(0, Math.min(255, v + c * 6));
    }
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(px, { raw: { width: 128, height: 128, channels: 3 } }).png().toFile(file);
}

describe('int8 export of a tiled model', () => {
  it('calibrates and checks tile by tile, and the file scores whole parts with its own thresholds', async () => {
    const data = path.join(root, 'data', 'sheet');
    for (let i = 0; i < 44; i++) await writeImage(path.join(data, 'train', 'good', `${i}.png`), i, false);
    for (let i = 0; i < 12; i++) await writeImage(path.join(data, 'test', 'good', `${i}.png`), 100 + i, false);
    for (let i = 0; i < 6; i++) await writeImage(path.join(data, 'test', 'spot', `${i}.png`), 200 + i, true);
    const project = createProject(path.join(root, 'project'), 'int8 tiled');
    try {
      await importDataset(project, { source: path.join(root, 'data'), format: 'mvtec', threads: 1 });
      const r = await trainModel(project, { settings: { imageSize: 64, tiling: { size: 64, overlap: 0 }, batchSize: 8, epochs: 2, flow: { steps: 2 }, synthWorkers: 0, seed: 3 } });
      const fp32File = path.join(root, 'fp32.onnx');
      const int8File = path.join(root, 'int8.onnx');
      await exportModel(project, r.modelId, fp32File);
      const exported = await exportModel(project, r.modelId, int8File, { precision: 'int8' });
      expect(exported.metadata.precision).toBe('int8');
      expect(exported.metadata.tiling).toEqual({ size: 64, overlap: 0 });
      expect(readMetadata(onnxProto.onnx.ModelProto.decode(fs.readFileSync(int8File)), 'int8').format).toBe('2');
      const parts = fs.readdirSync(path.join(data, 'test', 'spot')).map((f) => path.join(data, 'test', 'spot', f));
      const [f, q] = await Promise.all([ModelRunner.open(fp32File), ModelRunner.open(int8File)]);
      try {
        const [a, b] = [await f.runFiles(parts), await q.runFiles(parts)];
        expect(b.sizes[0]).toEqual({ width: 128, height: 128 }); // whole parts, stitched from 4 tiles
        const rank = { accept: 0, review: 1, reject: 2, error: 3 } as const;
        for (let i = 0; i < parts.length; i++) {
          expect(rank[verdictOf(b.scores[i]!, q.metadata.thresholds)]).toBeGreaterThanOrEqual(rank[verdictOf(a.scores[i]!, f.metadata.thresholds)]);
        }
      } finally {
        await Promise.all([f.release(), q.release()]);
      }
    } finally {
      project.close();
    }
  }, 300_000);
});
