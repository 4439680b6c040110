import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { AppError } from '../core/errors.js';
import { maskToGray8, toRgb8 } from './canvas.js';
import { applyCamera } from './camera.js';
import type { DemoCategory } from './category.js';
import { fabric } from './categories/fabric.js';
import { metal } from './categories/metal.js';
import { pcb } from './categories/pcb.js';
import { makeRng, seedOf } from './random.js';

/**
 * Writes the demo dataset in MVTec AD layout:
 *   <out>/<category>/train/good/000.png
 *   <out>/<category>/test/good/000.png, <out>/<category>/test/<defect>/000.png
 *   <out>/<category>/ground_truth/<defect>/000_mask.png   (0 / 255, same size as the image)
 * Every image's content depends only on (category, split, index), never on order or timing.
 */

export const DEMO_CATEGORIES: readonly DemoCategory[] = [fabric, metal, pcb];

/** Training settings a demo category needs beyond the defaults: alignment for fixtured parts. */
export function demoCategorySettings(name: string): { align?: { mode: 'translation' } } {
  return DEMO_CATEGORIES.find((c) => c.name === name)?.fixtured ? { align: { mode: 'translation' } } : {};
}

export interface DemoCounts {
  readonly trainGood: number;
  readonly testGood: number;
  /** Defective test images, spread round-robin over the category's defect types. */
  readonly defective: number;
}

export const DEMO_SIZES = {
  full: { trainGood: 150, testGood: 40, defective: 60 },
  quick: { trainGood: 30, testGood: 10, defective: 10 },
} as const satisfies Record<string, DemoCounts>;

export type DemoSize = keyof typeof DEMO_SIZES;

export interface DemoOptions {
  readonly outDir: string;
  readonly size?: DemoSize | DemoCounts;
  /** Image side in pixels (256 by default). */
  readonly resolution?: number;
  /** Subset of category names; all three by default. */
  readonly categories?: readonly string[];
  readonly signal?: AbortSignal;
  readonly progress?: (fraction: number, message: string) => void;
}

export interface DemoSummary {
  readonly outDir: string;
  readonly resolution: number;
  readonly categories: readonly { name: string; trainGood: number; testGood: number; defective: Record<string, number> }[];
  readonly images: number;
  readonly seconds: number;
}

interface Job {
  readonly category: DemoCategory;
  readonly split: 'train' | 'test';
  readonly defect: string | null;
  readonly index: number;
}

function plan(category: DemoCategory, counts: DemoCounts): Job[] {
  const jobs: Job[] = [];
  for (let i = 0; i < counts.trainGood; i++) jobs.push({ category, split: 'train', defect: null, index: i });
  for (let i = 0; i < counts.testGood; i++) jobs.push({ category, split: 'test', defect: null, index: i });
  const perType = new Map<string, number>();
  for (let k = 0; k < counts.defective; k++) {
    const defect = category.defectTypes[k % category.defectTypes.length];
    const index = perType.get(defect) ?? 0;
    perType.set(defect, index + 1);
    jobs.push({ category, split: 'test', defect, index });
  }
  return jobs;
}

const fileName = (index: number) => String(index).padStart(3, '0');

async function renderJob(job: Job, outDir: string, resolution: number): Promise<void> {
  const rng = makeRng(seedOf('demo', job.category.name, job.split, job.defect ?? 'good', job.index, resolution));
  const { canvas, mask } = job.category.render(rng, resolution, job.defect);
  applyCamera(canvas, rng);
  const base = path.join(outDir, job.category.name);
  const imagePath = path.join(base, job.split, job.defect ?? 'good', `${fileName(job.index)}.png`);
  const raw = { width: resolution, height: resolution };
  const writes = [sharp(toRgb8(canvas), { raw: { ...raw, channels: 3 } }).png({ compressionLevel: 6 }).toFile(imagePath)];
  if (mask && job.defect) {
    const maskPath = path.join(base, 'ground_truth', job.defect, `${fileName(job.index)}_mask.png`);
    writes.push(sharp(maskToGray8(mask), { raw: { ...raw, channels: 1 } }).toColourspace('b-w').png().toFile(maskPath));
  }
  await Promise.all(writes);
}

/** Generates the dataset; resolves with what was written. Rejects with an AbortError when cancelled. */
export async function generateDemoDataset(options: DemoOptions): Promise<DemoSummary> {
  const started = performance.now();
  const counts: DemoCounts = typeof options.size === 'object' ? options.size : DEMO_SIZES[options.size ?? 'full'];
  for (const [k, v] of Object.entries(counts)) {
    if (!Number.isInteger(v) || v < 0) throw new AppError('invalid_request', `demo size: ${k} must be a non-negative integer (got ${v})`);
  }
  const resolution = options.resolution ?? 256;
  if (!Number.isInteger(resolution) || resolution < 64 || resolution > 4096) {
    throw new AppError('invalid_request', `demo resolution must be an integer in 64..4096 (got ${resolution})`);
  }
  const chosen = options.categories
    ? options.categories.map((name) => {
        const c = DEMO_CATEGORIES.find((d) => d.name === name);
        if (!c) throw new AppError('invalid_request', `unknown demo category "${name}" (known: ${DEMO_CATEGORIES.map((d) => d.name).join(', ')})`);
        return c;
      })
    : DEMO_CATEGORIES;
  const jobs = chosen.flatMap((c) => plan(c, counts));
  const dirs = new Set<string>();
  for (const j of jobs) {
    dirs.add(path.join(options.outDir, j.category.name, j.split, j.defect ?? 'good'));
    if (j.defect) dirs.add(path.join(options.outDir, j.category.name, 'ground_truth', j.defect));
  }
  await Promise.all([...dirs].map((d) => mkdir(d, { recursive: true })));

  // Rendering is synchronous JS; encoding runs on libuv threads, so keep a few encodes in flight behind it.
  const inFlight = new Set<Promise<void>>();
  let done = 0;
  for (const job of jobs) {
    options.signal?.throwIfAborted();
    const p = renderJob(job, options.outDir, resolution).then(() => {
      inFlight.delete(p);
      done++;
      options.progress?.(done / jobs.length, `${job.category.name}: ${done}/${jobs.length} images`);
    });
    inFlight.add(p);
    if (inFlight.size >= 4) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);

  const categories = chosen.map((c) => {
    const defective: Record<string, number> = {};
    for (const j of jobs) if (j.category === c && j.defect) defective[j.defect] = (defective[j.defect] ?? 0) + 1;
    return { name: c.name, trainGood: counts.trainGood, testGood: counts.testGood, defective };
  });
  return { outDir: options.outDir, resolution, categories, images: jobs.length, seconds: (performance.now() - started) / 1000 };
}
