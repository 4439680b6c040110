/**
 * `npm run bench:accuracy`: on each demo category (MVTec AD layout, defects rendered by code separate from the
 * synthesis engine), train CL-Flow and FastFlow with the same seed and budget, score the test split and report
 * image AUROC, pixel AUROC and AUPRO (prints a table on stderr, returns JSON).
 * Targets: CL-Flow image AUROC ≥ 0.98 and pixel AUROC ≥ 0.95 on every category; CL-Flow ≥ FastFlow on the mean.
 * Environment: FLOWSPECT_BENCH_EPOCHS, FLOWSPECT_BENCH_SIZE, FLOWSPECT_BENCH_FLOW_STEPS, FLOWSPECT_BENCH_CATEGORIES
 * (comma list) override the budget. The full budget (256², K = 8, 8 epochs) takes about 10 minutes on 2 CPU cores.
 * Each row also gives the image AUROC per defect type (which kinds of defect a model misses). Fixtured parts (pcb)
 * train with alignment, both objectives alike; FLOWSPECT_BENCH_ALIGN=none turns it off to measure what it brings.
 * FLOWSPECT_BENCH_SEEDS (comma list, default 7) repeats every training with each seed; targets and means are then
 * taken over the seeds too, so that a difference between the objectives can be told from run-to-run noise.
 * `--suite photos` runs the real-photo suite instead (bench/photos/run.ts, docs/photo-suite.md).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OBJECTIVES, type Objective } from '../app/core/domain.js';
import type { BenchOptions } from './types.js';
import { DEMO_CATEGORIES, DEMO_SIZES, demoCategorySettings, generateDemoDataset } from '../app/demo/generate.js';
import { importDataset } from '../app/dataset/import.js';
import { runInference } from '../app/infer/run.js';
import { createProject } from '../app/store/project.js';
import { trainModel } from '../app/train/trainer.js';

interface Row {
  category: string;
  seed: number;
  objective: Objective;
  imageAuroc: number | null;
  pixelAuroc: number | null;
  aupro: number | null;
  /** Image AUROC per defect type (each type against all good test images). */
  byDefectType: Record<string, number | null>;
  valImageAuroc: number | null;
  steps: number;
  trainSeconds: number;
  executionProvider: string;
}

/** The suites `--suite NAME` selects: the demo categories (default) or real photographs (bench/photos/run.ts). */
export const SUITES = ['demo', 'photos'] as const;

/** `--suite NAME` or `--suite=NAME` from the benchmark's arguments; 'demo' when absent. */
export function suiteOf(args: readonly string[]): (typeof SUITES)[number] {
  let name: string | undefined;
  args.forEach((a, i) => {
    if (a === '--suite') name = args[i + 1] ?? '';
    else if (a.startsWith('--suite=')) name = a.slice('--suite='.length);
  });
  if (name === undefined) return 'demo';
  const known = SUITES.find((s) => s === name);
  if (!known) throw new Error(`bench accuracy: unknown suite "${name}"; known: ${SUITES.join(', ')}`);
  return known;
}

export async function run(options: BenchOptions): Promise<object> {
  if (suiteOf(options.args ?? []) === 'photos') return (await import('./photos/run.js')).runPhotoSuite(options);
  const env = process.env;
  const size = Number(env.FLOWSPECT_BENCH_SIZE ?? (options.quick ? 128 : 256));
  const epochs = Number(env.FLOWSPECT_BENCH_EPOCHS ?? (options.quick ? 3 : 8));
  const flowSteps = Number(env.FLOWSPECT_BENCH_FLOW_STEPS ?? 8);
  const alignOff = env.FLOWSPECT_BENCH_ALIGN === 'none';
  const categories = env.FLOWSPECT_BENCH_CATEGORIES?.split(',') ?? DEMO_CATEGORIES.map((c) => c.name);
  const seeds = (env.FLOWSPECT_BENCH_SEEDS ?? '7').split(',').map((v) => Number(v.trim()));
  if (seeds.some((v) => !Number.isInteger(v) || v < 0)) throw new Error(`FLOWSPECT_BENCH_SEEDS must list non-negative integers, got "${env.FLOWSPECT_BENCH_SEEDS}"`);
  const counts = options.quick ? DEMO_SIZES.quick : DEMO_SIZES.full;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowspect-bench-accuracy-'));
  const rows: Row[] = [];
  try {
    options.log(`generating the demo dataset (${categories.join(', ')}) at ${size}²`);
    await generateDemoDataset({ outDir: path.join(dir, 'demo'), size: counts, resolution: size, categories });
    const project = createProject(path.join(dir, 'project'), 'bench-accuracy');
    await importDataset(project, { source: path.join(dir, 'demo'), format: 'mvtec' });
    for (const [seed, category] of seeds.flatMap((sd) => categories.map((c) => [sd, c] as const))) {
      for (const objective of OBJECTIVES) {
        options.log(`${category}: training ${objective} (${epochs} epochs, seed ${seed})`);
        const r = await trainModel(project, {
          category,
          objective,
          settings: { imageSize: size, batchSize: 8, epochs, patience: epochs, seed, flow: { steps: flowSteps }, ...(alignOff ? {} : demoCategorySettings(category)) },
          log: (level, m) => level !== 'debug' && options.log(m),
        });
        const inf = await runInference(project, { modelId: r.modelId, category, split: 'test', maps: 'none', evaluate: true });
        const row: Row = {
          category,
          seed,
          objective,
          imageAuroc: inf.metrics?.imageAuroc ?? null,
          pixelAuroc: inf.metrics?.pixelAuroc ?? null,
          aupro: inf.metrics?.aupro ?? null,
          byDefectType: Object.fromEntries(Object.entries(inf.metrics?.byDefectType ?? {}).map(([t, m]) => [t, m.imageAuroc])),
          valImageAuroc: r.metrics.valImageAuroc,
          steps: r.steps,
          trainSeconds: r.trainingSeconds,
          executionProvider: r.executionProvider,
        };
        rows.push(row);
        options.log(JSON.stringify(row));
      }
    }
    project.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const mean = (o: Row['objective'], k: 'imageAuroc' | 'pixelAuroc' | 'aupro') => {
    const v = rows.filter((r) => r.objective === o).map((r) => r[k] ?? NaN);
    return v.reduce((a, b) => a + b, 0) / v.length;
  };
  const summary = {
    clflow: { imageAuroc: mean('clflow', 'imageAuroc'), pixelAuroc: mean('clflow', 'pixelAuroc'), aupro: mean('clflow', 'aupro') },
    fastflow: { imageAuroc: mean('fastflow', 'imageAuroc'), pixelAuroc: mean('fastflow', 'pixelAuroc'), aupro: mean('fastflow', 'aupro') },
  };
  // Per category, the mean over seeds: what the per-category targets are judged on.
  const byCategory = categories.map((category) => {
    const of = (o: Row['objective'], k: 'imageAuroc' | 'pixelAuroc' | 'aupro') => {
      const v = rows.filter((r) => r.category === category && r.objective === o).map((r) => r[k] ?? NaN);
      return v.reduce((x, y) => x + y, 0) / v.length;
    };
    return { category, clflow: { imageAuroc: of('clflow', 'imageAuroc'), pixelAuroc: of('clflow', 'pixelAuroc') }, fastflow: { imageAuroc: of('fastflow', 'imageAuroc'), pixelAuroc: of('fastflow', 'pixelAuroc') } };
  });
  const targets = {
    clflowImageAurocAtLeast098: byCategory.every((c) => c.clflow.imageAuroc >= 0.98),
    clflowPixelAurocAtLeast095: byCategory.every((c) => c.clflow.pixelAuroc >= 0.95),
    clflowMeanAtLeastFastflow: summary.clflow.imageAuroc >= summary.fastflow.imageAuroc,
  };
  options.log('category   seed  objective  imageAUROC  pixelAUROC  AUPRO   image AUROC by defect type');
  for (const r of rows) {
    const types = Object.entries(r.byDefectType).map(([t, v]) => `${t} ${fmt(v)}`).join(', ');
    options.log(`${r.category.padEnd(10)} ${String(r.seed).padEnd(5)} ${r.objective.padEnd(10)} ${fmt(r.imageAuroc)}      ${fmt(r.pixelAuroc)}      ${fmt(r.aupro)}  ${types}`);
  }
  if (seeds.length > 1) for (const c of byCategory) options.log(`${c.category.padEnd(10)} mean  clflow ${fmt(c.clflow.imageAuroc)} / fastflow ${fmt(c.fastflow.imageAuroc)} (image AUROC over ${seeds.length} seeds)`);
  return { size, epochs, flowSteps, seeds, alignment: alignOff ? 'none' : 'fixtured categories', counts, rows, byCategory, summary, targets };
}

const fmt = (v: number | null): string => (v === null ? '  -   ' : v.toFixed(4));
