/**
 * The schedule of a tiled run: an epoch visits every tile of every training part (not one batch of parts), the tiles
 * the schedule planned from the imported sizes must be the tiles cut, and a resume must replay the schedule its
 * checkpoint was written under.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../app/core/mulberry32.js';
import { importDataset } from '../../app/dataset/import.js';
import { createProject, type Project } from '../../app/store/project.js';
import { checkResumedSchedule, type RunSchedule } from '../../app/train/plan.js';
import { trainModel } from '../../app/train/trainer.js';
import type { StoredModelConfig } from '../../app/train/types.js';
import { TrainSettings } from '../../app/train/settings.js';

let root: string;
let project: Project;
const settings = { imageSize: 64, tiling: { size: 64, overlap: 0 }, batchSize: 4, epochs: 1, patience: 5, flow: { steps: 1, hiddenRatio: 0.5 }, synthWorkers: 0, sessionOptimization: 'disabled' } as const;

async function writeNoise(file: string, seed: number, width: number, height: number): Promise<void> {
  const rnd = mulberry32(seed);
  const px = Buffer.from(Array.from({ length: width * height * 3 }, () => 100 + Math.floor(rnd() * 60)));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(px, { raw: { width, height, channels: 3 } }).png().toFile(file);
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'flowspect-tiling-schedule-'));
  // 256 × 128 parts at 64-px tiles without overlap: 8 tiles each.
  for (let i = 0; i < 6; i++) await writeNoise(path.join(root, 'data', 'plate', 'train', 'good', `${i}.png`), i, 256, 128);
  for (let i = 0; i < 2; i++) await writeNoise(path.join(root, 'data', 'plate', 'test', 'good', `${i}.png`), 50 + i, 256, 128);
  project = createProject(path.join(root, 'project'), 'tiling-schedule');
  await importDataset(project, { source: path.join(root, 'data'), format: 'mvtec', threads: 1 });
}, 120_000);

afterAll(() => {
  project?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('the schedule of a tiled run', () => {
  it('visits every tile of every training part in an epoch, and records the schedule with the model', async () => {
    const r = await trainModel(project, { settings });
    const config = project.db.prepare('select config_json as c from models where id = ?').get(r.modelId) as { c: string };
    const stored = (JSON.parse(config.c) as StoredModelConfig).schedule!;
    // 6 training parts less the held-out validation ones, 8 tiles each, batches of 4.
    expect(stored.samples % 8).toBe(0);
    expect(stored.samples).toBeGreaterThanOrEqual(32);
    expect(stored.stepsPerEpoch).toBe(stored.samples / 4);
    expect(r.steps).toBe(stored.stepsPerEpoch);
  }, 300_000);

  it('stops before training when the images do not cut into the tiles their imported sizes promise', async () => {
    project.db.prepare(`update images set width = width * 2 where split = 'train'`).run();
    try {
      await expect(trainModel(project, { settings })).rejects.toThrow(/planned as \d+ tiles from their imported sizes but cut into \d+/);
    } finally {
      project.db.prepare(`update images set width = width / 2 where split = 'train'`).run();
    }
  }, 300_000);

  it('resumes only under the schedule the checkpoint was written with', () => {
    const now: RunSchedule = { samples: 40, batch: 4, stepsPerEpoch: 10, totalSteps: 10, warmupSteps: 5 };
    const base = { settings: TrainSettings.parse(settings), selection: {}, spec: {} as never, backbone: {} as never };
    expect(() => checkResumedSchedule(1, { ...base, schedule: { samples: 40, batch: 4, stepsPerEpoch: 10, totalSteps: 10 } }, now)).not.toThrow();
    expect(() => checkResumedSchedule(1, { ...base, schedule: { samples: 5, batch: 4, stepsPerEpoch: 1, totalSteps: 1 } }, now)).toThrow(/planned as 1 steps of 4 over 5 samples per epoch, now it would be 10 of 4 over 40/);
    expect(() => checkResumedSchedule(1, base, now)).toThrow(/a tiled run started before epochs counted tiles cannot be resumed/);
    const untiled = { ...base, settings: TrainSettings.parse({ ...settings, tiling: undefined }) };
    expect(() => checkResumedSchedule(1, untiled, now)).not.toThrow();
  });
});
