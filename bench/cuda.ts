/**
 * `npx flowspect bench cuda --json`: the CUDA execution-provider check, to run where a GPU is (CI has none).
 * The same small training (demo pcb at 64², aligned, CL-Flow, seed 7) once per provider in
 * FLOWSPECT_BENCH_PROVIDERS (default `cpu,cuda`), then each exported model scored on the test split by every
 * provider: the first losses, validation and test AUROC must agree across providers, and one ONNX file must give the
 * same scores on CPU and CUDA (max relative difference printed). Ends with 256² inference throughput per provider.
 * Without a usable CUDA provider it says why (`cuda.available: false`) and checks nothing else.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchOptions } from './types.js';
import { generateDemoDataset } from '../app/demo/generate.js';
import { importDataset } from '../app/dataset/import.js';
import { imageAuroc } from '../app/eval/index.js';
import { ModelRunner } from '../app/infer/model-runner.js';
import { readProjectModel } from '../app/infer/project-model.js';
import { getModel } from '../app/store/models.js';
import { listImages } from '../app/infer/standalone.js';
import { Graph, Relu, serialize } from '../app/graph/index.js';
import { createSession } from '../app/runtime/index.js';
import { createProject } from '../app/store/project.js';
import { listTrainingEvents } from '../app/store/training-events.js';
import { trainModel } from '../app/train/trainer.js';

type Provider = 'cpu' | 'cuda';

async function cudaStatus(): Promise<{ available: boolean; reason: string }> {
  const g = new Graph();
  g.output('y', Relu(g.input('x', [1, 4])));
  try {
    const s = await createSession(serialize(g), { provider: 'cuda' });
    await s.release();
    return { available: true, reason: s.reason };
  } catch (err) {
    return { available: false, reason: (err as Error).message };
  }
}

export async function run(options: BenchOptions): Promise<object> {
  const providers = (process.env.FLOWSPECT_BENCH_PROVIDERS ?? 'cpu,cuda').split(',').map((p) => p.trim());
  if (providers.some((p) => p !== 'cpu' && p !== 'cuda')) throw new Error(`FLOWSPECT_BENCH_PROVIDERS must list cpu and/or cuda, got "${process.env.FLOWSPECT_BENCH_PROVIDERS}"`);
  const cuda = await cudaStatus();
  options.log(`CUDA: ${cuda.available ? 'available' : 'not available'} (${cuda.reason})`);
  if (providers.includes('cuda') && !cuda.available) return { cuda };

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowspect-bench-cuda-'));
  try {
    await generateDemoDataset({ outDir: path.join(dir, 'demo'), size: { trainGood: 40, testGood: 10, defective: 12 }, resolution: 64, categories: ['pcb'] });
    const project = createProject(path.join(dir, 'project'), 'bench-cuda');
    await importDataset(project, { source: path.join(dir, 'demo'), format: 'mvtec' });
    const files = listImages(path.join(dir, 'demo', 'pcb', 'test'));
    const labels = files.map((f) => (path.basename(path.dirname(f)) === 'good' ? 0 : 1));
    const training: Record<string, unknown>[] = [];
    const models: { provider: Provider; onnx: Uint8Array }[] = [];
    for (const provider of providers as Provider[]) {
      options.log(`training on ${provider}`);
      const r = await trainModel(project, {
        objective: 'clflow',
        settings: { imageSize: 64, batchSize: 8, epochs: 4, patience: 4, seed: 7, flow: { steps: 2 }, synthWorkers: 0, provider, align: { mode: 'translation', maxShift: 0.08 } },
        log: (level, m) => level !== 'debug' && options.log(m),
      });
      const first = listTrainingEvents(project.db, r.modelId, { kind: 'train' })[0];
      training.push({ provider, executionProvider: r.executionProvider, firstLosses: first?.data.losses ?? null, valImageAuroc: r.metrics.valImageAuroc, steps: r.steps, trainingSeconds: r.trainingSeconds });
      // The project's file sealed in memory (content hash checked, reference output added), as in-app scoring does.
      models.push({ provider, onnx: (await readProjectModel(project, getModel(project.db, r.modelId)!)).bytes });
    }
    // Every model scored by every provider: one file must give the same scores wherever it runs.
    const scoring: Record<string, unknown>[] = [];
    for (const m of models) {
      const byProvider: Record<string, Float32Array> = {};
      for (const provider of [...new Set(providers)] as Provider[]) {
        const runner = await ModelRunner.open(m.onnx, { provider });
        byProvider[provider] = (await runner.runFiles(files)).scores;
        await runner.release();
      }
      const [base, ...others] = Object.values(byProvider);
      const maxRelDiff = Math.max(0, ...others.map((o) => Math.max(...Array.from(o, (v, i) => Math.abs(v - base[i]) / Math.max(Math.abs(base[i]), 1e-12)))));
      scoring.push({ trainedOn: m.provider, testImageAuroc: Object.fromEntries(Object.entries(byProvider).map(([p, s]) => [p, imageAuroc(Array.from(s), labels)])), maxRelDiff });
    }
    // Throughput of the exported model at its size, batch 8, per provider (decode excluded).
    const throughput: Record<string, number> = {};
    for (const provider of [...new Set(providers)] as Provider[]) {
      const runner = await ModelRunner.open(models[0].onnx, { provider });
      const { height, width } = runner.metadata.input;
      const batch = Float32Array.from({ length: 8 * 3 * height * width }, (_, i) => (i * 31) % 256);
      await runner.run(batch, 8);
      const t0 = performance.now();
      for (let i = 0; i < 10; i++) await runner.run(batch, 8);
      throughput[provider] = (80 * 1000) / (performance.now() - t0);
      await runner.release();
    }
    project.close();
    // GPU kernels sum in another order: agreement to 1e-3 relative is what "the same model" means here.
    const firstTotal = training.map((t) => (t.firstLosses as Record<string, number> | null)?.total ?? NaN);
    const checks = {
      sameFirstLoss: firstTotal.every((v) => Math.abs(v - firstTotal[0]) <= 1e-3 * Math.abs(firstTotal[0])),
      sameScoresEverywhere: scoring.every((s) => (s.maxRelDiff as number) <= 1e-3),
      ranOnRequestedProvider: training.every((t) => t.executionProvider === t.provider),
    };
    return { cuda, providers, checks, training, scoring, imagesPerSecondAt64: throughput };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
