/**
 * `npm run bench:train`: seconds per epoch for 200 training images at 256² (CL-Flow objective, batch 8, default
 * flow), time to the best checkpoint, and the same for FastFlow. `--quick`: 40 images at 128², 2 epochs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OBJECTIVES } from '../app/core/domain.js';
import type { BenchOptions } from './types.js';
import { generateDemoDataset } from '../app/demo/generate.js';
import { importDataset } from '../app/dataset/import.js';
import { createProject } from '../app/store/project.js';
import { listTrainingEvents } from '../app/store/training-events.js';
import { trainModel } from '../app/train/trainer.js';

export async function run(options: BenchOptions): Promise<object> {
  const quick = options.quick;
  const images = quick ? 40 : 200;
  const size = quick ? 128 : 256;
  const epochs = quick ? 2 : 3;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowspect-bench-train-'));
  try {
    options.log(`generating ${images} demo images at ${size}²`);
    await generateDemoDataset({ outDir: path.join(dir, 'demo'), size: { trainGood: images, testGood: 2, defective: 2 }, resolution: size, categories: ['fabric'] });
    const project = createProject(path.join(dir, 'project'), 'bench-train');
    await importDataset(project, { source: path.join(dir, 'demo'), format: 'mvtec' });
    const out: Record<string, unknown> = { images, size, epochs, cpus: os.availableParallelism() };
    for (const objective of OBJECTIVES) {
      options.log(`training ${objective}`);
      const t0 = performance.now();
      const r = await trainModel(project, { objective, settings: { imageSize: size, batchSize: 8, epochs, patience: epochs, valFraction: 0.1 }, log: (_l, m) => options.log(m) });
      const total = (performance.now() - t0) / 1000;
      const vals = listTrainingEvents(project.db, r.modelId, { kind: 'val' });
      const trainEvents = listTrainingEvents(project.db, r.modelId, { kind: 'train' });
      const ips = trainEvents.map((e) => Number(e.data.imagesPerSecond)).filter(Number.isFinite);
      const bestVal = vals.find((v) => v.data.best === true && v.epoch + 1 === r.bestEpoch);
      out[objective] = {
        totalSeconds: total,
        trainingSeconds: r.trainingSeconds,
        secondsPerEpoch: r.trainingSeconds / Math.max(1, r.epochs),
        steps: r.steps,
        bestEpoch: r.bestEpoch,
        timeToBestSeconds: bestVal ? (r.trainingSeconds * (bestVal.step / Math.max(1, r.steps))) : null,
        medianImagesPerSecond: ips.sort((a, b) => a - b)[Math.floor(ips.length / 2)] ?? null,
        valImageAuroc: r.metrics.valImageAuroc,
        paramCount: r.paramCount,
        executionProvider: r.executionProvider,
      };
    }
    project.close();
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
