/**
 * int8 export of a tiled model: calibration and the check run tile by tile, as scoring does, and the file keeps its
 * tiling (the reader still cuts parts into tiles) with int8 thresholds it can judge whole parts by.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { writeGrainImage } from './grain-image.js';
import { afterAll, describe, expect, it } from 'vitest';
import { verdictOf } from '../../app/core/bands.js';
import { importDataset } from '../../app/dataset/import.js';
import { exportModel } from '../../app/infer/export.js';
import { ModelRunner } from '../../app/infer/model-runner.js';
import { readMetadata } from '../../app/model/metadata.js';
import { createProject } from '../../app/store/project.js';
import { trainModel } from '../../app/train/trainer.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flowspect-int8-tiled-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));


describe('int8 export of a tiled model', () => {
  it('calibrates and checks tile by tile, and the file scores whole parts with its own thresholds', async () => {
    const data = path.join(root, 'data', 'sheet');
    for (let i = 0; i < 44; i++) await writeGrainImage(path.join(data, 'train', 'good', `${i}.png`), { size: 128, seed: i, spot: null });
    for (let i = 0; i < 12; i++) await writeGrainImage(path.join(data, 'test', 'good', `${i}.png`), { size: 128, seed: 100 + i, spot: null });
    for (let i = 0; i < 6; i++) await writeGrainImage(path.join(data, 'test', 'spot', `${i}.png`), { size: 128, seed: 200 + i, spot: { x: 80, y: 80, size: 16 } });
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
