/**
 * A run whose trained model gives non-finite outputs on the known input (here photometric mean-std normalisation at
 * lr 1 without gradient clipping) must fail with that reason, not end 'ready' with a model that can never score.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../app/core/mulberry32.js';
import { importDataset } from '../../app/dataset/import.js';
import { createProject } from '../../app/store/project.js';
import { listModels } from '../../app/store/models.js';
import { trainModel } from '../../app/train/trainer.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flowspect-diverged-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('a run that diverges', () => {
  it('fails with the reason instead of leaving a ready model that cannot score', async () => {
    for (let i = 0; i < 12; i++) {
      const rnd = mulberry32(i);
      const px = Buffer.from(Array.from({ length: 64 * 64 * 3 }, () => 100 + Math.floor(rnd() * 60)));
      const file = path.join(root, 'data', 'plate', i < 10 ? 'train' : 'test', 'good', `${i}.png`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      await sharp(px, { raw: { width: 64, height: 64, channels: 3 } }).png().toFile(file);
    }
    const project = createProject(path.join(root, 'project'), 'diverged');
    try {
      await importDataset(project, { source: path.join(root, 'data'), format: 'mvtec', threads: 1 });
      const settings = { imageSize: 64, batchSize: 4, epochs: 4, flow: { steps: 1 }, synthWorkers: 0, maxNanSteps: 100, photometricNorm: 'mean-std', lr: 1, clipNorm: 0, weightDecay: 0 } as const;
      await expect(trainModel(project, { settings })).rejects.toThrow(/training diverged: .*non-finite outputs on the known input.*could never score a part/);
      const models = listModels(project.db);
      expect(models.map((m) => m.status)).toEqual(['failed']);
    } finally {
      project.close();
    }
  }, 300_000);
});
