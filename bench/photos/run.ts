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
 * FLOWSPECT_PHOTOS_KEEP=DIR (keep the built dataset there instead of a temp folder), FLOWSPECT_BENCH_OBJECTIVES
 * (the baselines to train: comma list of clflow, fastflow, patchcore; default all), FLOWSPECT_BENCH_SETTINGS (JSON
 * training settings for every flow model of the run: how a lever is measured); with `--labelled K[,K…]`:
 * FLOWSPECT_LABELLED_SETTINGS (JSON settings for clflowLabelled only) and FLOWSPECT_LABELLED_LIKE=1 (also a "like these"
 * synthesis preset measured on the K defects).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importDataset } from '../../app/dataset/import.js';
import { runInference } from '../../app/infer/run.js';
import { createProject, type Project } from '../../app/store/project.js';
import { updateImages } from '../../app/store/image-edits.js';
import { mulberry32 } from '../../app/core/mulberry32.js';
import { trainModel } from '../../app/train/trainer.js';
import { parseTrainSettings } from '../../app/train/settings.js';
import { presetFromDefectImages } from '../../app/dataset/defect-samples.js';
import type { BenchOptions } from '../types.js';
import { type BuildCounts, type BuiltCategory, buildCategory } from './build.js';
import { DEFECT_TYPES } from './defects.js';
import { runPatchcore } from './patchcore.js';
import { type Int8Row, int8Row, int8Summary } from './int8.js';
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

/** `clflowLabelled`: CL-Flow that also learns from K real defects per type (`--labelled K`), on the same test images. */
export type Objective = 'clflow' | 'fastflow' | 'patchcore' | 'clflowLabelled';
export const OBJECTIVES: readonly Objective[] = ['clflow', 'fastflow', 'patchcore', 'clflowLabelled'];

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
  /** Why the row has no numbers. */
  readonly skipped?: string;
  /** clflowLabelled: real defects per type it learned from. */
  readonly perType?: number;
  readonly steps?: number;
  readonly valImageAuroc?: number | null;
  readonly executionProvider?: string;
  /** CL-Flow and FastFlow: the coverage diagnostic (bench/photos/coverage.ts). */
  readonly coverage?: Coverage;
  /** CL-Flow (unless FLOWSPECT_BENCH_INT8=0): the int8 export's candidate on the same test images (bench/photos/int8.ts). */
  readonly int8?: Int8Row;
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
  const settings = benchSettingsFromEnv(env.FLOWSPECT_BENCH_SETTINGS);
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
    const series = labelledCounts(options.args);
    const baselines = objectivesFromEnv(env.FLOWSPECT_BENCH_OBJECTIVES);
    const kMax = series.length ? series[series.length - 1]! : 0;
    if (kMax > 0) options.log(`moving ${kMax} defects per type and category from test to train (with masks): every model is evaluated on the rest; CL-Flow learns from the first ${series.join(' / ')} of them`);
    for (const cat of cats) {
      const ranked = kMax > 0 ? moveDefectsToTraining(project, cat.name, kMax, subSeed(seed, nameSeed(cat.name) ^ 0x1abe1)) : [];
      const runs = [...baselines.filter((o) => o !== 'patchcore').map((objective) => ({ objective, k: 0 })), ...series.map((k) => ({ objective: 'clflowLabelled' as const, k }))];
      for (const { objective, k } of runs) {
        const row = await flowRow(project, { name: cat.name, kind: cat.kind }, objective, { size, epochs, flowSteps, seed, settings, log: options.log, ranked, perType: k });
        rows.push(row);
        seconds[cat.name]![k > 0 ? `${objective}@${k}` : objective] = row.seconds;
        options.log(JSON.stringify(row));
      }
      if (!baselines.includes('patchcore')) continue;
      options.log(`${cat.name}: patchcore baseline`);
      const pc = await runPatchcore(project, { category: cat.name, size, seed, log: options.log });
      const row: CategoryRow = { name: cat.name, kind: cat.kind, objective: 'patchcore', imageAuroc: pc.imageAuroc, pixelAuroc: pc.pixelAuroc, pro: pc.aupro, byDefect: pc.byDefectType, seconds: pc.seconds, interior: { border: pc.interior.border, imageAuroc: pc.interior.imageAuroc, byDefect: pc.interior.byDefectType } };
      rows.push(row);
      seconds[cat.name]!.patchcore = pc.seconds;
      seconds[cat.name]!.total = Object.values(seconds[cat.name]!).reduce((a, b) => a + b, 0);
      options.log(JSON.stringify(row));
    }
    project.close();
  } finally {
    closeArchives();
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  }

  const present = OBJECTIVES.filter((o) => rows.some((r) => r.objective === o));
  const series = labelledCounts(options.args);
  const kMax = series[series.length - 1];
  const isMeanRow = (r: CategoryRow, o: Objective): boolean => r.objective === o && !r.skipped && (o !== 'clflowLabelled' || r.perType === kMax);
  const mean = Object.fromEntries(present.map((o) => [o, meanOf(rows.filter((r) => isMeanRow(r, o)))])) as Partial<Record<Objective, ObjectiveMean>>;
  const labelledOn = [...new Set(rows.filter((r) => r.objective === 'clflowLabelled' && !r.skipped).map((r) => r.name))];
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
    settings,
    counts,
    defectTypes: DEFECT_TYPES,
    packages: packagesFor(cats),
    sources,
    splits: Object.fromEntries(built.map((b) => [b.name, b.split])),
    meanDefectArea: Object.fromEntries(built.map((b) => [b.name, b.meanArea])),
    categories: rows,
    mean,
    ...(labelledOn.length ? { labelled: labelledSummary(rows, series, labelledOn) } : {}),
    int8: int8Summary(rows.filter((r) => r.objective === 'clflow').map((r) => r.int8)),
    secondsPerCategory: seconds,
    totalSeconds: (performance.now() - started) / 1000,
  };
}

type Baseline = 'clflow' | 'fastflow' | 'patchcore';
const BASELINES: readonly Baseline[] = ['clflow', 'fastflow', 'patchcore'];

/**
 * FLOWSPECT_BENCH_INT8=0 (skip the int8 candidate measured on every CL-Flow model), FLOWSPECT_BENCH_OBJECTIVES: the models trained next to clflowLabelled (comma list of clflow, fastflow, patchcore;
 * default all three), so that a lever of one model can be measured without the others' time.
 */
export function objectivesFromEnv(raw: string | undefined): Baseline[] {
  if (raw === undefined || raw.trim() === '') return [...BASELINES];
  const list = raw.split(',').map((s) => s.trim());
  const bad = list.filter((o) => !(BASELINES as readonly string[]).includes(o));
  if (bad.length || list.length === 0) throw new Error(`FLOWSPECT_BENCH_OBJECTIVES must be a comma list of ${BASELINES.join(', ')}, got "${raw}"`);
  return BASELINES.filter((o) => list.includes(o));
}

/**
 * `--labelled K` or `--labelled K1,K2,…` (a series), sorted and unique; empty without it. A series trains CL-Flow
 * once per K on nested subsets of the same moved defects, so that every K is judged on the same evaluation images.
 */
export function labelledCounts(args: readonly string[]): number[] {
  const i = args.indexOf('--labelled');
  if (i < 0) return [];
  const raw = args[i + 1] ?? '';
  const ks = raw.split(',').map((p) => Number(p.trim()));
  if (!raw || ks.some((k) => !Number.isInteger(k) || k < 1 || k > 100)) {
    throw new Error(`--labelled must be followed by an integer from 1 to 100 or a comma list of them (defects per type moved to training), got "${raw}"`);
  }
  return [...new Set(ks)].sort((a, b) => a - b);
}

/**
 * Moves K test defects per type of a category (seeded choice) to split train, as a reviewer marking confirmed
 * defects "use for training" would; returns the moved ids per type in choice order (so that the first k of each
 * list form nested subsets). Every model of the category is then evaluated on the rest.
 */
export function moveDefectsToTraining(project: Project, category: string, k: number, seed: number): number[][] {
  const rows = project.db.prepare(`SELECT id, defect_type AS type FROM images WHERE category = ? AND split = 'test' AND label = 'defect' ORDER BY id`).all(category) as { id: number; type: string }[];
  const rand = mulberry32(seed);
  const ranked: number[][] = [];
  for (const type of [...new Set(rows.map((r) => r.type))].sort()) {
    const ofType = rows.filter((r) => r.type === type).map((r) => ({ id: r.id, key: rand() })).sort((a, b) => a.key - b.key);
    if (ofType.length <= k) throw new Error(`${category}: only ${ofType.length} ${type} defects; --labelled ${k} needs more (raise FLOWSPECT_PHOTOS_DEFECTIVE)`);
    ranked.push(ofType.slice(0, k).map((r) => r.id));
  }
  updateImages(project.db, ranked.flat(), { split: 'train' }, `bench: ${k} defects per type used for training`);
  return ranked;
}

/** Per K of the series: CL-Flow with and without the K training defects, on the same categories and images. */
function labelledSummary(rows: readonly CategoryRow[], series: readonly number[], categories: readonly string[]): object {
  const plain = meanOf(rows.filter((r) => r.objective === 'clflow' && categories.includes(r.name)));
  return {
    perType: series[series.length - 1],
    categories,
    clflow: plain,
    series: series.map((k) => ({ perType: k, clflow: plain, clflowLabelled: meanOf(rows.filter((r) => r.objective === 'clflowLabelled' && r.perType === k && !r.skipped)) })),
  };
}

interface FlowRowOptions {
  readonly size: number;
  /** FLOWSPECT_BENCH_SETTINGS: on top of the suite's budget, for every flow model. */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly epochs: number;
  readonly flowSteps: number;
  readonly seed: number;
  readonly log: (m: string) => void;
  /** The moved defects per type, in choice order (empty when none moved). */
  readonly ranked: readonly (readonly number[])[];
  /** clflowLabelled: how many of each type's moved defects it learns from (the rest are hidden for its run). */
  readonly perType: number;
}

/** Trains one flow model of a category and scores its test split (plus the coverage diagnostic). */
async function flowRow(project: Project, cat: { name: string; kind: CategoryKind }, objective: 'clflow' | 'fastflow' | 'clflowLabelled', o: FlowRowOptions): Promise<CategoryRow> {
  const t0 = performance.now();
  const aligned = cat.kind === 'object';
  const perType = objective === 'clflowLabelled' ? { perType: o.perType } : {};
  // The plain models must not learn from the moved defects (CL-Flow would: realDefectShare defaults to 0.25);
  // clflowLabelled sees only the first K of each type. The others are marked 'ignore' for the run (neither trained
  // on nor evaluated: their split stays train).
  const keep = objective === 'clflowLabelled' ? o.perType : 0;
  const hide = hideDefects(project, o.ranked.flatMap((ids) => ids.slice(keep)));
  o.log(`${cat.name}: training ${objective}${keep ? ` with ${keep} real defects per type` : ''} (${o.epochs} epochs, seed ${o.seed}${aligned ? ', aligned' : ''})`);
  let r;
  try {
    const learned = keep ? await labelledSettings(project, cat.name, o.ranked.flatMap((ids) => ids.slice(0, keep)), keep) : {};
    r = await trainModel(project, {
      category: cat.name,
      objective: objective === 'fastflow' ? 'fastflow' : 'clflow',
      settings: { imageSize: o.size, batchSize: 8, epochs: o.epochs, patience: o.epochs, seed: o.seed, flow: { steps: o.flowSteps }, ...(aligned ? { align: { mode: 'translation' } } : {}), ...o.settings, ...learned },
      log: (level, m) => level !== 'debug' && o.log(m),
    });
  } finally {
    hide();
  }
  const inf = await runInference(project, { modelId: r.modelId, category: cat.name, split: 'test', maps: 'none', evaluate: true });
  return {
    name: cat.name,
    kind: cat.kind,
    objective,
    ...perType,
    imageAuroc: inf.metrics?.imageAuroc ?? null,
    pixelAuroc: inf.metrics?.pixelAuroc ?? null,
    pro: inf.metrics?.aupro ?? null,
    byDefect: Object.fromEntries(Object.entries(inf.metrics?.byDefectType ?? {}).map(([t, m]) => [t, m.imageAuroc])),
    seconds: (performance.now() - t0) / 1000,
    steps: r.steps,
    valImageAuroc: r.metrics.valImageAuroc,
    executionProvider: r.executionProvider,
    coverage: await coverageDiagnostic(project, r.modelId, cat.name),
    ...(objective === 'clflow' && process.env.FLOWSPECT_BENCH_INT8 !== '0' ? { int8: await int8Row(project, r.modelId, cat.name) } : {}),
  };
}

/**
 * What clflowLabelled adds to the defaults: FLOWSPECT_LABELLED_SETTINGS, training settings as JSON (e.g.
 * `{"realDefectShare":0.5}`; validated by the trainer like --config),
 * and FLOWSPECT_LABELLED_LIKE=1 also synthesizes twins from a "like these" preset measured on the K training defects
 * (synthesis.presetFromDefects' service), next to `mixed`: what a reviewer gets from the Synthesis view's button.
 */
async function labelledSettings(project: Project, category: string, ids: readonly number[], k: number): Promise<Record<string, unknown>> {
  const env = process.env;
  const extra = env.FLOWSPECT_LABELLED_SETTINGS ? parseSettingsEnv('FLOWSPECT_LABELLED_SETTINGS', env.FLOWSPECT_LABELLED_SETTINGS) : {};
  if (env.FLOWSPECT_LABELLED_LIKE !== '1') return extra;
  const name = `like-${category}-${k}`;
  project.db.prepare('DELETE FROM synthesis_presets WHERE name = ? AND builtin = 0').run(name);
  await presetFromDefectImages(project, name, ids);
  return { ...extra, presets: ['mixed', name] };
}

/**
 * FLOWSPECT_BENCH_SETTINGS: training settings (JSON, as `--config`) for every flow model of the run, on top of the
 * suite's budget, e.g. `{"featureNoise":0.5}`. Checked against the trainer's schema now, so a typo fails before the
 * set is built rather than after; the budget's own keys (imageSize, epochs, seed, …) keep their environment variables.
 */
export function benchSettingsFromEnv(raw: string | undefined): Record<string, unknown> {
  if (raw === undefined || raw.trim() === '') return {};
  const v = parseSettingsEnv('FLOWSPECT_BENCH_SETTINGS', raw);
  const owned = Object.keys(v).filter((k) => BUDGET_KEYS.includes(k));
  if (owned.length) throw new Error(`FLOWSPECT_BENCH_SETTINGS: ${owned.join(', ')} ${owned.length > 1 ? 'are' : 'is'} set by the suite (use FLOWSPECT_BENCH_SIZE, _EPOCHS, _SEED, _FLOW_STEPS)`);
  try {
    parseTrainSettings(v);
  } catch (err) {
    throw new Error(`FLOWSPECT_BENCH_SETTINGS: ${(err as Error).message}`);
  }
  return v;
}

/** Settings the suite's budget sets from its own environment variables. */
const BUDGET_KEYS = ['imageSize', 'epochs', 'patience', 'seed', 'flow'];

function parseSettingsEnv(name: string, raw: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (err) {
    throw new Error(`${name} must be a JSON object of training settings: ${(err as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${name} must be a JSON object of training settings, got ${raw}`);
  return v as Record<string, unknown>;
}

/** Marks training defects 'ignore' while a model that must not use them trains; returns the undo. */
function hideDefects(project: Project, ids: readonly number[]): () => void {
  if (ids.length === 0) return () => {};
  updateImages(project.db, ids, { label: 'ignore' }, 'bench: hide training defects');
  return () => updateImages(project.db, ids, { label: 'defect' }, 'bench: restore training defects');
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
    const objective = r.perType ? `${r.objective.replace('Labelled', '')}+${r.perType}` : r.objective;
    log(`${r.name.padEnd(9)} ${r.kind.padEnd(11)} ${objective.padEnd(10)} ${fmt(r.imageAuroc)} ${fmt(r.pixelAuroc)} ${fmt(r.pro)} ${types.map((t) => `  ${fmt(r.byDefect[t])}`).join('')}   ${r.seconds.toFixed(0)}${extra}`);
  }
  const groups = OBJECTIVES.flatMap((o) => {
    const ks = [...new Set(rows.filter((r) => r.objective === o).map((r) => r.perType))];
    return ks.map((k) => ({ o: k ? `${o.replace('Labelled', '')}+${k}` : o, rows: rows.filter((r) => r.objective === o && r.perType === k && !r.skipped) }));
  });
  for (const { o, rows: of } of groups) {
    const m = meanOf(of);
    if (m.coverage) log(`mean      ${o.padEnd(21)} coverage: test-band goods vs held-out goods ${fmt(m.coverage.shift).trim()}; defects vs held-out goods ${fmt(m.coverage.inBandImageAuroc).trim()}`);
    log(`mean      ${o.padEnd(21)} ${fmt(m.imageAuroc)} ${fmt(m.pixelAuroc)} ${fmt(m.pro)} ${types.map((t) => `  ${fmt(m.byDefect[t])}`).join('')}   (weakest: ${m.minByDefectType ?? '-'} ${fmt(m.minByDefect).trim()}${m.interiorImageAuroc !== undefined ? `; interior image AUROC ${fmt(m.interiorImageAuroc).trim()}` : ''})`);
  }
}
