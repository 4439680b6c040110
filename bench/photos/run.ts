/**
 * `flowspect bench accuracy --suite photos [--quick] --json`: the real-photo benchmark (docs/photo-suite.md).
 *
 * Builds the evaluation set at run time from photographs installed by Debian packages (bench/photos/sources.ts;
 * nothing is stored in git), with defects from bench/photos/defects.ts (evaluation only: app/ never imports it), in
 * the MVTec AD layout; imports it like the demo suite; per category trains CL-Flow and FastFlow with the same seed
 * and budget exactly as the demo suite does and scores the test split with runInference(evaluate), then runs the
 * PatchCore-style baseline (bench/photos/patchcore.ts) on the same backbone features.
 *
 * Environment: FLOWSPECT_BENCH_SIZE (default 256, quick 128), FLOWSPECT_BENCH_EPOCHS (8, quick 2),
 * FLOWSPECT_BENCH_FLOW_STEPS (8), FLOWSPECT_BENCH_CATEGORIES (comma list; default all, quick grass,brick,rug),
 * FLOWSPECT_BENCH_SEED (7), FLOWSPECT_PHOTOS_TRAIN (good training images per category, default 120, quick 40),
 * FLOWSPECT_PHOTOS_TEST_GOOD (40, quick 12) and FLOWSPECT_PHOTOS_DEFECTIVE (60, quick 18; spread evenly over the types),
 * FLOWSPECT_PHOTOS_KEEP=DIR (keep the built dataset there instead of a temp folder).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importDataset } from '../../app/dataset/import.js';
import { runInference } from '../../app/infer/run.js';
import { createProject } from '../../app/store/project.js';
import { trainModel } from '../../app/train/trainer.js';
import type { BenchOptions } from '../types.js';
import { type BuildCounts, type BuiltCategory, buildCategory } from './build.js';
import { DEFECT_TYPES } from './defects.js';
import { runPatchcore } from './patchcore.js';
import { type Coverage, coverageDiagnostic } from './coverage.js';
import { subSeed } from './raster.js';
import {
  type CategoryKind,
  categoryByName,
  closeArchives,
  donorsFor,
  licenceOf,
  loadPhoto,
  packagesFor,
  PHOTO_CATEGORIES,
  QUICK_CATEGORIES,
  requireSources,
  sourceLabel,
} from './sources.js';

export type Objective = 'clflow' | 'fastflow' | 'patchcore';
export const OBJECTIVES: readonly Objective[] = ['clflow', 'fastflow', 'patchcore'];

export interface CategoryRow {
  readonly name: string;
  readonly kind: CategoryKind;
  readonly objective: Objective;
  readonly imageAuroc: number | null;
  readonly pixelAuroc: number | null;
  /** AUPRO up to FPR 0.3, normalised to [0, 1]. */
  readonly pro: number | null;
  /** Image AUROC of each defect type against all good test images. */
  readonly byDefect: Record<string, number | null>;
  readonly seconds: number;
  readonly steps?: number;
  readonly valImageAuroc?: number | null;
  readonly executionProvider?: string;
  /** CL-Flow and FastFlow: the coverage diagnostic (bench/photos/coverage.ts). */
  readonly coverage?: Coverage;
  /** PatchCore only: the image score over the interior patches (see bench/photos/patchcore.ts). */
  readonly interior?: { readonly border: number; readonly imageAuroc: number | null; readonly byDefect: Record<string, number | null> };
}

export interface ObjectiveMean {
  readonly imageAuroc: number;
  readonly pixelAuroc: number;
  readonly pro: number;
  /** The weakest defect type: the minimum over types of the mean (over categories) per-type image AUROC. */
  readonly minByDefect: number;
  readonly minByDefectType: string | null;
  readonly byDefect: Record<string, number>;
  /** PatchCore: mean image AUROC of the interior score. */
  readonly interiorImageAuroc?: number;
  /** CL-Flow and FastFlow: means of the coverage diagnostic (bench/photos/coverage.ts). */
  readonly coverage?: { readonly shift: number; readonly inBandImageAuroc: number; readonly inBandByDefect: Record<string, number> };
}

export const COUNTS = {
  full: { trainGood: 120, testGood: 40, defective: 60 },
  quick: { trainGood: 40, testGood: 12, defective: 18 },
} as const satisfies Record<string, BuildCounts>;

const nameSeed = (name: string): number => [...name].reduce((h, ch) => Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0, 0x811c9dc5);

function envInt(name: string, fallback: number, lo: number, hi: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`${name} must be an integer from ${lo} to ${hi}, got "${raw}"`);
  return v;
}

export async function runPhotoSuite(options: BenchOptions): Promise<object> {
  const env = process.env;
  const quick = options.quick;
  const size = envInt('FLOWSPECT_BENCH_SIZE', quick ? 128 : 256, 32, 1024);
  if (size % 16) throw new Error(`FLOWSPECT_BENCH_SIZE must be a multiple of 16 (the backbone's largest stride), got ${size}`);
  const epochs = envInt('FLOWSPECT_BENCH_EPOCHS', quick ? 2 : 8, 1, 1000);
  const flowSteps = envInt('FLOWSPECT_BENCH_FLOW_STEPS', 8, 1, 64);
  const seed = envInt('FLOWSPECT_BENCH_SEED', 7, 0, 2 ** 31 - 1);
  const base = quick ? COUNTS.quick : COUNTS.full;
  const counts: BuildCounts = {
    trainGood: envInt('FLOWSPECT_PHOTOS_TRAIN', base.trainGood, 10, 1000),
    testGood: envInt('FLOWSPECT_PHOTOS_TEST_GOOD', base.testGood, 6, 1000),
    defective: envInt('FLOWSPECT_PHOTOS_DEFECTIVE', base.defective, DEFECT_TYPES.length, 6000),
  };
  const names = env.FLOWSPECT_BENCH_CATEGORIES ? env.FLOWSPECT_BENCH_CATEGORIES.split(',').map((s) => s.trim()).filter(Boolean) : quick ? [...QUICK_CATEGORIES] : PHOTO_CATEGORIES.map((c) => c.name);
  const cats = names.map(categoryByName);
  requireSources(cats);

  const keep = env.FLOWSPECT_PHOTOS_KEEP;
  const dir = keep ? path.resolve(keep) : fs.mkdtempSync(path.join(os.tmpdir(), 'flowspect-bench-photos-'));
  const dataDir = path.join(dir, 'photos');
  const rows: CategoryRow[] = [];
  const built: BuiltCategory[] = [];
  const seconds: Record<string, Record<string, number>> = {};
  const started = performance.now();
  try {
    if (keep) fs.rmSync(dataDir, { recursive: true, force: true });
    // ---- build the evaluation set --------------------------------------------------------------------------
    for (const cat of cats) {
      const t0 = performance.now();
      options.log(`${cat.name}: building ${counts.trainGood} train / ${counts.testGood} good + ${counts.defective} defective test images at ${size}² from ${cat.photos.map(sourceLabel).join(', ')}`);
      const photos = await Promise.all(cat.photos.map(loadPhoto));
      const donors = await Promise.all(donorsFor(cat).map(loadPhoto));
      built.push(await buildCategory(dataDir, { ...cat, photos, donors }, { size, counts, seed: subSeed(seed, nameSeed(cat.name)) }));
      seconds[cat.name] = { build: (performance.now() - t0) / 1000 };
    }
    closeArchives();
    const project = createProject(path.join(dir, 'project'), 'bench-photos');
    await importDataset(project, { source: dataDir, format: 'mvtec' });

    // ---- train and score -----------------------------------------------------------------------------------
    for (const cat of cats) {
      for (const objective of ['clflow', 'fastflow'] as const) {
        const t0 = performance.now();
        options.log(`${cat.name}: training ${objective} (${epochs} epochs, seed ${seed}${cat.kind === 'object' ? ', aligned' : ''})`);
        const r = await trainModel(project, {
          category: cat.name,
          objective,
          settings: { imageSize: size, batchSize: 8, epochs, patience: epochs, seed, flow: { steps: flowSteps }, ...(cat.kind === 'object' ? { align: { mode: 'translation' } } : {}) },
          log: (level, m) => level !== 'debug' && options.log(m),
        });
        const inf = await runInference(project, { modelId: r.modelId, category: cat.name, split: 'test', maps: 'none', evaluate: true });
        const row: CategoryRow = {
          name: cat.name,
          kind: cat.kind,
          objective,
          imageAuroc: inf.metrics?.imageAuroc ?? null,
          pixelAuroc: inf.metrics?.pixelAuroc ?? null,
          pro: inf.metrics?.aupro ?? null,
          byDefect: Object.fromEntries(Object.entries(inf.metrics?.byDefectType ?? {}).map(([t, m]) => [t, m.imageAuroc])),
          seconds: (performance.now() - t0) / 1000,
          steps: r.steps,
          valImageAuroc: r.metrics.valImageAuroc,
          executionProvider: r.executionProvider,
          coverage: await coverageDiagnostic(project, r.modelId, cat.name),
        };
        rows.push(row);
        seconds[cat.name][objective] = row.seconds;
        options.log(JSON.stringify(row));
      }
      options.log(`${cat.name}: patchcore baseline`);
      const pc = await runPatchcore(project, { category: cat.name, size, seed, log: options.log });
      const row: CategoryRow = { name: cat.name, kind: cat.kind, objective: 'patchcore', imageAuroc: pc.imageAuroc, pixelAuroc: pc.pixelAuroc, pro: pc.aupro, byDefect: pc.byDefectType, seconds: pc.seconds, interior: { border: pc.interior.border, imageAuroc: pc.interior.imageAuroc, byDefect: pc.interior.byDefectType } };
      rows.push(row);
      seconds[cat.name].patchcore = pc.seconds;
      seconds[cat.name].total = Object.values(seconds[cat.name]).reduce((a, b) => a + b, 0);
      options.log(JSON.stringify(row));
    }
    project.close();
  } finally {
    closeArchives();
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  }

  const mean = Object.fromEntries(OBJECTIVES.map((o) => [o, meanOf(rows.filter((r) => r.objective === o))])) as Record<Objective, ObjectiveMean>;
  const surfaces = cats.flatMap((c) => c.photos.map((s) => ({ category: c.name, role: 'surface' as const, source: s })));
  const donorList = [...new Map(cats.flatMap((c) => donorsFor(c)).map((s) => [sourceLabel(s), s])).values()].map((s) => ({ category: null, role: 'foreign-object donor' as const, source: s }));
  const sources = [...surfaces, ...donorList].map(({ category, role, source }) => {
    const l = licenceOf(source);
    return { category, role, package: source.package, file: sourceLabel(source), licence: l.licence, copyright: l.copyright, licenceFrom: l.from };
  });
  printTable(options.log, rows);
  return {
    suite: 'photos',
    quick,
    size,
    epochs,
    flowSteps,
    seed,
    counts,
    defectTypes: DEFECT_TYPES,
    packages: packagesFor(cats),
    sources,
    splits: Object.fromEntries(built.map((b) => [b.name, b.split])),
    meanDefectArea: Object.fromEntries(built.map((b) => [b.name, b.meanArea])),
    categories: rows,
    mean,
    secondsPerCategory: seconds,
    totalSeconds: (performance.now() - started) / 1000,
  };
}

export function meanOf(rows: readonly CategoryRow[]): ObjectiveMean {
  const avg = (v: readonly (number | null)[]): number => {
    const ok = v.filter((x): x is number => x !== null && Number.isFinite(x));
    return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN;
  };
  const types = [...new Set(rows.flatMap((r) => Object.keys(r.byDefect)))].sort();
  const byDefect = Object.fromEntries(types.map((t) => [t, avg(rows.map((r) => r.byDefect[t] ?? null))]));
  let minType: string | null = null;
  for (const t of types) if (minType === null || byDefect[t] < byDefect[minType]) minType = t;
  const interior = rows.filter((r) => r.interior);
  const covered = rows.flatMap((r) => (r.coverage ? [r.coverage] : []));
  const coverage = covered.length
    ? {
        shift: avg(covered.map((c) => c.shift)),
        inBandImageAuroc: avg(covered.map((c) => c.inBandImageAuroc)),
        inBandByDefect: Object.fromEntries(types.map((t) => [t, avg(covered.map((c) => c.inBandByDefect[t] ?? null))])),
      }
    : undefined;
  return {
    ...(interior.length ? { interiorImageAuroc: avg(interior.map((r) => r.interior!.imageAuroc)) } : {}),
    ...(coverage ? { coverage } : {}),
    imageAuroc: avg(rows.map((r) => r.imageAuroc)),
    pixelAuroc: avg(rows.map((r) => r.pixelAuroc)),
    pro: avg(rows.map((r) => r.pro)),
    minByDefect: minType === null ? NaN : byDefect[minType],
    minByDefectType: minType,
    byDefect,
  };
}

const fmt = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '  -   ' : v.toFixed(3).padStart(6));

function printTable(log: (m: string) => void, rows: readonly CategoryRow[]): void {
  const types = [...DEFECT_TYPES];
  log(`category  kind        objective   image  pixel    PRO${types.map((t) => t.padStart(8)).join('')}   seconds`);
  for (const r of rows) {
    const extra = r.interior ? `   (interior image AUROC ${fmt(r.interior.imageAuroc).trim()})` : '';
    log(`${r.name.padEnd(9)} ${r.kind.padEnd(11)} ${r.objective.padEnd(10)} ${fmt(r.imageAuroc)} ${fmt(r.pixelAuroc)} ${fmt(r.pro)} ${types.map((t) => `  ${fmt(r.byDefect[t])}`).join('')}   ${r.seconds.toFixed(0)}${extra}`);
  }
  for (const o of OBJECTIVES) {
    const m = meanOf(rows.filter((r) => r.objective === o));
    if (m.coverage) log(`mean      ${o.padEnd(21)} coverage: test-band goods vs held-out goods ${fmt(m.coverage.shift).trim()}; defects vs held-out goods ${fmt(m.coverage.inBandImageAuroc).trim()}`);
    log(`mean      ${o.padEnd(21)} ${fmt(m.imageAuroc)} ${fmt(m.pixelAuroc)} ${fmt(m.pro)} ${types.map((t) => `  ${fmt(m.byDefect[t])}`).join('')}   (weakest: ${m.minByDefectType ?? '-'} ${fmt(m.minByDefect).trim()}${m.interiorImageAuroc !== undefined ? `; interior image AUROC ${fmt(m.interiorImageAuroc).trim()}` : ''})`);
  }
}
