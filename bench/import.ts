import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { generateDemoDataset } from '../app/demo/generate.js';
import { importDataset } from '../app/dataset/import.js';
import { ensureDataset } from '../app/store/datasets.js';
import { insertImages, queryImages, type ImageQuery, type NewImage } from '../app/store/images.js';
import { updateImages } from '../app/store/image-edits.js';
import { createProject } from '../app/store/project.js';
import type { BenchOptions } from './types.js';

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

/** Writes `count` distinct side x side RGB PNGs (smooth gradients plus a per-image pattern, like real photos). */
async function writeImages(dir: string, count: number, side: number): Promise<void> {
  fs.mkdirSync(path.join(dir, 'good'), { recursive: true });
  const base = Buffer.alloc(side * side * 3);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      const o = (y * side + x) * 3;
      base[o] = (x * 255) / side;
      base[o + 1] = (y * 255) / side;
      base[o + 2] = ((x ^ y) & 0xff) >> 1;
    }
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < count; i++) {
    const px = Buffer.from(base);
    for (let k = 0; k < 2000; k++) px[(Math.imul(k + 1, 2654435761) + i * 7919) % px.length >>> 0] = (i * 13 + k) & 0xff;
    const p = sharp(px, { raw: { width: side, height: side, channels: 3 } })
      .png({ compressionLevel: 1 })
      .toFile(path.join(dir, 'good', `${String(i).padStart(4, '0')}.png`))
      .then(() => {
        inFlight.delete(p);
      });
    inFlight.add(p);
    if (inFlight.size >= 4) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}

/** Inserts `count` image rows directly (no files): the shape of a big project for query timing. */
export function fillProject(dir: string, count: number) {
  const project = createProject(dir, 'bench-100k');
  const ds = ensureDataset(project.db, { name: 'big', category: 'big', sourceFormat: 'folder', sourcePath: null });
  const labels = ['good', 'good', 'good', 'defect', 'ignore'] as const;
  const splits = ['train', 'train', 'val', 'test'] as const;
  for (let start = 0; start < count; start += 5000) {
    const rows: NewImage[] = [];
    for (let i = start; i < Math.min(count, start + 5000); i++) {
      const label = labels[i % labels.length];
      rows.push({
        datasetId: ds.id,
        path: `images/${ds.id}/${String(i).padStart(6, '0')}.png`,
        originalPath: `big/${splits[i % splits.length]}/${String(i).padStart(6, '0')}.png`,
        storage: 'copy',
        sha256: i.toString(16).padStart(64, '0'),
        width: 1024,
        height: 1024,
        channels: 3,
        bitDepth: 8,
        format: 'png',
        label,
        split: splits[i % splits.length],
        defectType: label === 'defect' ? `type${i % 7}` : null,
        category: 'big',
        phash: (i * 2654435761).toString(16).padStart(16, '0').slice(-16),
        thumbnailPath: `thumbnails/${ds.id}/${i}.webp`,
        maskPath: label === 'defect' && i % 2 === 0 ? `masks/${ds.id}/${i}.png` : null,
      });
    }
    insertImages(project.db, rows);
  }
  const tagged = Array.from({ length: Math.floor(count / 50) }, (_, k) => k * 50 + 1);
  updateImages(project.db, tagged, { addTags: ['check'] }, 'bench tags');
  // One model's scores for every image, inserted as the inference job would.
  const now = new Date().toISOString();
  const modelId = Number(
    project.db
      .prepare("INSERT INTO models (name, status, objective, backbone, config_json, created_at, updated_at) VALUES ('bench', 'ready', 'clflow', 'mobilenetv2', '{}', ?, ?)")
      .run(now, now).lastInsertRowid,
  );
  const ins = project.db.prepare('INSERT INTO results (image_id, model_id, score, created_at) VALUES (?, ?, ?, ?)');
  project.db.transaction(() => {
    for (let id = 1; id <= count; id++) ins.run(id, modelId, ((id * 7919) % 10007) / 10007, now);
  })();
  return { project, datasetId: ds.id, modelId };
}

export async function run(options: BenchOptions): Promise<object> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowspect-bench-import-'));
  const imageCount = options.quick ? 60 : 1000;
  const rowCount = options.quick ? 20_000 : 100_000;
  const side = 1024;
  try {
    options.log(`writing ${imageCount} ${side}² PNGs`);
    const src = path.join(tmp, 'src');
    await writeImages(src, imageCount, side);
    const project = createProject(path.join(tmp, 'import-project'));
    options.log('importing with 2 threads');
    const importCpu = process.cpuUsage();
    const report = await importDataset(project, { source: src, threads: 2, progress: (f, m) => Math.round(f * 100) % 25 === 0 && options.log(m) });
    project.close();
    const importCpuSeconds = cpuSeconds(process.cpuUsage(importCpu));
    const importResult = {
      cpuSeconds: round(importCpuSeconds),
      images: report.imported,
      side,
      threads: 2,
      seconds: round(report.seconds),
      imagesPerSecond: round(report.imported / report.seconds),
      thumbnails: report.imported,
      failed: report.failed.length,
    };

    options.log(`inserting ${rowCount} image rows`);
    const insertStart = performance.now();
    const big = fillProject(path.join(tmp, 'big-project'), rowCount);
    const insertSeconds = (performance.now() - insertStart) / 1000;
    const queries: Record<string, ImageQuery> = {
      firstPage: { datasetId: big.datasetId, limit: 100 },
      labelSplit: { datasetId: big.datasetId, labels: ['defect'], splits: ['test'], limit: 100 },
      deepPage: { datasetId: big.datasetId, limit: 100, offset: Math.floor(rowCount / 2) },
      sortPathDesc: { datasetId: big.datasetId, sort: 'path', order: 'desc', limit: 100 },
      tag: { datasetId: big.datasetId, tags: ['check'], limit: 100 },
      hasMask: { datasetId: big.datasetId, hasMask: true, limit: 100 },
      defectType: { datasetId: big.datasetId, defectType: 'type3', limit: 100 },
      scoreRangeSorted: { score: { modelId: big.modelId, min: 0.9 }, sort: 'score', order: 'desc', limit: 100 },
    };
    // Wall time and this process's CPU time per query: on a shared machine the CPU time is the stabler number.
    const perQuery: Record<string, { p50: number; p95: number; cpuP95: number; total: number }> = {};
    const all: number[] = [];
    const allCpu: number[] = [];
    const reps = options.quick ? 10 : 40;
    for (const [name, q] of Object.entries(queries)) {
      const times: number[] = [];
      const cpu: number[] = [];
      let total = 0;
      for (let r = 0; r < reps; r++) {
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        total = queryImages(big.project.db, q).total;
        cpu.push(cpuSeconds(process.cpuUsage(c0)) * 1000);
        times.push(performance.now() - t0);
      }
      all.push(...times.slice(1));
      allCpu.push(...cpu.slice(1));
      perQuery[name] = { p50: round(percentile(times, 50)), p95: round(percentile(times, 95)), cpuP95: round(percentile(cpu, 95)), total };
    }
    big.project.close();

    let demo: object | null = null;
    if (!options.quick) {
      options.log('generating the full demo dataset');
      const c0 = process.cpuUsage();
      const d = await generateDemoDataset({ outDir: path.join(tmp, 'demo'), size: 'full' });
      demo = { images: d.images, seconds: round(d.seconds), cpuSeconds: round(cpuSeconds(process.cpuUsage(c0))), targetSeconds: 60 };
    }
    return {
      benchmark: 'import',
      quick: options.quick,
      cpus: os.availableParallelism(),
      loadAverage: os.loadavg().map((x) => round(x)),
      import: importResult,
      query: { images: rowCount, insertSeconds: round(insertSeconds), p95Ms: round(percentile(all, 95)), cpuP95Ms: round(percentile(allCpu, 95)), targetP95Ms: 20, perQuery },
      demo,
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
