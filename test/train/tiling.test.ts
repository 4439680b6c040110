/**
 * Large parts (issue 22's acceptance): 1536² textured parts, some with a ~10 px dark spot. Resized to 256² the spot
 * would be under 2 px; trained with `tiling: {size: 256}` the model sees it at native size. Every defective part
 * must score above every good one, the map must come back at 1536² with its peak on the spot, and the exported
 * file must carry the tiling so `flowspect infer` and the hot folder score whole parts the same way.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDataset } from '../../app/dataset/import.js';
import { exportModel } from '../../app/infer/export.js';
import { ModelRunner } from '../../app/infer/model-runner.js';
import { runInference, type InferSummary } from '../../app/infer/run.js';
import { inferFolder } from '../../app/infer/standalone.js';
import { readMapF16 } from '../../app/model/maps.js';
import { readMetadata } from '../../app/model/metadata.js';
import { createProject, type Project } from '../../app/store/project.js';
import { buildReportContent } from '../../app/report/content.js';
import { trainModel, type TrainResult } from '../../app/train/trainer.js';
import onnxProto from 'onnx-proto';
import { mulberry32 } from '../../app/core/mulberry32.js';

const SIDE = 1536;
const SPOT_RADIUS = 5;
let root: string;
let project: Project;
let model: TrainResult;
let summary: InferSummary;
const spots = new Map<string, { x: number; y: number }>();

/** A grainy, coloured surface: blurred white noise around a per-part tint (every part differs). */
async function surface(seed: number): Promise<Buffer> {
  const rnd = mulberry32(seed);
  const noise = Buffer.alloc(SIDE * SIDE * 3);
  const tint = [150 + 20 * rnd(), 130 + 20 * rnd(), 110 + 20 * rnd()];
  for (let i = 0; i < noise.length; i++) noise[i] = Math.max(0, Math.min(255, tint[i % 3]! + (rnd() - 0.5) * 120));
  return sharp(noise, { raw: { width: SIDE, height: SIDE, channels: 3 } }).blur(1.2).raw().toBuffer();
}

async function writePart(file: string, seed: number, spot?: { x: number; y: number }, maskFile?: string): Promise<void> {
  const px = await surface(seed);
  const mask = Buffer.alloc(SIDE * SIDE);
  if (spot) {
    for (let y = spot.y - SPOT_RADIUS; y <= spot.y + SPOT_RADIUS; y++) {
      for (let x = spot.x - SPOT_RADIUS; x <= spot.x + SPOT_RADIUS; x++) {
        if ((x - spot.x) ** 2 + (y - spot.y) ** 2 > SPOT_RADIUS ** 2) continue;
        const i = (y * SIDE + x) * 3;
        for (let c = 0; c < 3; c++) px[i + c] = Math.round(px[i + c]! * 0.25);
        mask[y * SIDE + x] = 255;
      }
    }
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(px, { raw: { width: SIDE, height: SIDE, channels: 3 } }).png({ compressionLevel: 1 }).toFile(file);
  if (maskFile) {
    fs.mkdirSync(path.dirname(maskFile), { recursive: true });
    await sharp(mask, { raw: { width: SIDE, height: SIDE, channels: 1 } }).png().toFile(maskFile);
  }
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'flowspect-tiling-'));
  const cat = path.join(root, 'data', 'plate');
  for (let i = 0; i < 8; i++) await writePart(path.join(cat, 'train', 'good', `${i}.png`), 100 + i);
  for (let i = 0; i < 4; i++) await writePart(path.join(cat, 'test', 'good', `${i}.png`), 200 + i);
  const rnd = mulberry32(5);
  for (let i = 0; i < 4; i++) {
    const spot = { x: 40 + Math.floor(rnd() * (SIDE - 80)), y: 40 + Math.floor(rnd() * (SIDE - 80)) };
    spots.set(`${i}.png`, spot);
    await writePart(path.join(cat, 'test', 'spot', `${i}.png`), 300 + i, spot, path.join(cat, 'ground_truth', 'spot', `${i}_mask.png`));
  }
  project = createProject(path.join(root, 'project'), 'tiling');
  await importDataset(project, { source: path.join(root, 'data'), format: 'mvtec', threads: 1 });
  model = await trainModel(project, {
    settings: { imageSize: 256, tiling: { size: 256, overlap: 32 }, batchSize: 8, epochs: 2, patience: 10, lr: 2e-3, flow: { steps: 2, hiddenRatio: 1 }, synthWorkers: 0, sessionOptimization: 'disabled' },
  });
  summary = await runInference(project, { modelId: model.modelId, split: 'test', maps: 'f16', evaluate: true });
}, 600_000);

afterAll(() => {
  project?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('tiling for large parts', () => {
  it('separates every part with a 10 px spot from every good part', () => {
    expect(summary.images).toBe(8);
    expect(summary.metrics!.imageAuroc).toBe(1);
    expect(summary.verdicts.error).toBe(0);
  });

  it('writes the map at the source resolution with its peak on the spot', () => {
    const rows = project.db.prepare(`select i.original_path as name, r.map_path as map from results r join images i on i.id = r.image_id where i.label = 'defect'`).all() as { name: string; map: string }[];
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      const { width, height, map } = readMapF16(project.path(row.map));
      expect([width, height]).toEqual([SIDE, SIDE]);
      let best = 0;
      for (let i = 1; i < map.length; i++) if (map[i]! > map[best]!) best = i;
      const spot = spots.get(path.basename(row.name))!;
      expect(Math.hypot((best % SIDE) - spot.x, Math.floor(best / SIDE) - spot.y)).toBeLessThan(24);
    }
  });

  it('shows each flagged part in the report with a close-up of its hottest region, on the spot', async () => {
    const content = await buildReportContent(project, { modelId: model.modelId });
    const spotted = content.gallery.items.filter((g) => g.result.label === 'defect');
    expect(spotted.length).toBe(4);
    for (const g of spotted) {
      expect(g.crops!.length).toBeGreaterThanOrEqual(1);
      const spot = spots.get(path.basename(g.result.originalPath))!;
      const c = g.crops![0]!;
      expect(Math.hypot(c.peak.x - spot.x, c.peak.y - spot.y)).toBeLessThan(24);
      expect(c.box.width).toBeLessThanOrEqual(SIDE / 2);
      expect(c.overlay.startsWith('data:image/jpeg;base64,')).toBe(true);
    }
  }, 120_000);

  it('exports a file that says it is tiled (format 2) and scores whole parts the same way outside the project', async () => {
    const out = path.join(root, 'tiled.onnx');
    await exportModel(project, model.modelId, out);
    const meta = readMetadata(onnxProto.onnx.ModelProto.decode(fs.readFileSync(out)), out);
    expect(meta.format).toBe('2');
    expect(meta.tiling).toEqual({ size: 256, overlap: 32 });
    expect([meta.input.height, meta.input.width]).toEqual([256, 256]);
    const runner = await ModelRunner.open(out);
    const spotFile = path.join(root, 'data', 'plate', 'test', 'spot', '0.png');
    const r = await runner.runFiles([spotFile]);
    await runner.release();
    expect(r.sizes[0]).toEqual({ width: SIDE, height: SIDE });
    const stored = project.db.prepare(`select r.score from results r join images i on i.id = r.image_id where i.original_path like ?`).get('%spot%0.png') as { score: number };
    expect(r.scores[0]).toBeCloseTo(stored.score, 4);

    const csv = path.join(root, 'tiled.csv');
    const s = await inferFolder({ model: out, images: path.join(root, 'data', 'plate', 'test'), out: csv });
    expect(s.images).toBe(8);
    const lines = fs.readFileSync(csv, 'utf8').trim().split('\n').slice(1);
    const verdictOf = (name: string) => lines.find((l) => l.startsWith(name))!.split(',')[2];
    for (let i = 0; i < 4; i++) expect(verdictOf(`spot/${i}.png`)).not.toBe('accept');
  }, 120_000);
});
