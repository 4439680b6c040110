/**
 * Tile position for aligned parts (issue 22, `tiling.position`): "right texture, wrong place". Each 512 × 128 part
 * (a row of four 128-px tiles) is two surfaces side by side: dark grain on the left half, light grain on the right.
 * A defective part has one tile of the right half covered with the LEFT half's surface. Every tile of it looks like a tile the model
 * has seen as normal, so a model that does not know where a tile lies cannot tell the parts apart; conditioned on the
 * tile's box in the part, it must flag every defective part. Trained both ways on the same images, so the test
 * shows the position is what does it (and that the check can fail).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../app/core/mulberry32.js';
import { importDataset } from '../../app/dataset/import.js';
import { imageAuroc } from '../../app/eval/index.js';
import { exportModel } from '../../app/infer/export.js';
import { ModelRunner } from '../../app/infer/model-runner.js';
import { runInference, type InferSummary } from '../../app/infer/run.js';
import { inferFolder } from '../../app/infer/standalone.js';
import { readMetadata, withMetadata } from '../../app/model/metadata.js';
import { checkContentHash } from '../../app/model/integrity.js';
import { appendIntegrity, rangesSha256, withoutIntegrity } from '../../app/model/integrity-record.js';
import { TILE_BOX_INPUT } from '../../app/model/flow/position.js';
import { writeTritonRepository } from '../../app/report/triton.js';
import { createProject, type Project } from '../../app/store/project.js';
import { trainModel } from '../../app/train/trainer.js';

const WIDTH = 512;
const HEIGHT = 128;
const TILE = 128;
let root: string;
let project: Project;
const runs: Record<'position' | 'plain', { modelId: number; summary: InferSummary }> = {} as never;

/** Horizontal grain (random phase, noise) around a dark grey on the left half of a part and a light one on the right. */
function grain(px: Buffer, x: number, y: number, dark: boolean, phase: number, noise: number): void {
  const v = (dark ? 90 : 170) + 40 * Math.sin((2 * Math.PI * y) / 12 + phase) + noise;
  const i = (y * WIDTH + x) * 3;
  for (let c = 0; c < 3; c++) px[i + c] = Math.max(0, Math.min(255, Math.round(v)));
}

/** One part, a row of four tiles; `swapX` = the tile of the right half that gets the left half's surface. */
async function writePart(file: string, seed: number, swapX?: number, maskFile?: string): Promise<void> {
  const rnd = mulberry32(seed);
  const phaseA = rnd() * 2 * Math.PI;
  const phaseB = rnd() * 2 * Math.PI;
  const px = Buffer.alloc(WIDTH * HEIGHT * 3);
  const mask = Buffer.alloc(WIDTH * HEIGHT);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const inSwap = swapX !== undefined && x >= swapX && x < swapX + TILE;
      if (inSwap) mask[y * WIDTH + x] = 255;
      const dark = x < WIDTH / 2 || inSwap;
      grain(px, x, y, dark, dark ? phaseA : phaseB, (rnd() - 0.5) * 30);
    }
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(px, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).png({ compressionLevel: 1 }).toFile(file);
  if (maskFile) {
    fs.mkdirSync(path.dirname(maskFile), { recursive: true });
    await sharp(mask, { raw: { width: WIDTH, height: HEIGHT, channels: 1 } }).png().toFile(maskFile);
  }
}

async function trainAndScore(position: boolean): Promise<{ modelId: number; summary: InferSummary }> {
  const { modelId } = await trainModel(project, {
    name: position ? 'with position' : 'without position',
    settings: {
      imageSize: TILE, tiling: { size: TILE, overlap: 0, ...(position ? { position: true } : {}) },
      batchSize: 8, epochs: 30, patience: 30, lr: 2e-3, flow: { steps: 4, hiddenRatio: 1 }, synthWorkers: 0, sessionOptimization: 'disabled',
    },
  });
  return { modelId, summary: await runInference(project, { modelId, split: 'test', maps: 'f16', evaluate: true }) };
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'flowspect-tile-position-'));
  const cat = path.join(root, 'data', 'panel');
  for (let i = 0; i < 30; i++) await writePart(path.join(cat, 'train', 'good', `${i}.png`), 100 + i);
  for (let i = 0; i < 4; i++) await writePart(path.join(cat, 'test', 'good', `${i}.png`), 200 + i);
  // On the tile grid (overlap 0), so no tile mixes the two surfaces: every tile looks like one seen in training.
  for (let i = 0; i < 4; i++) await writePart(path.join(cat, 'test', 'swap', `${i}.png`), 300 + i, i % 2 ? 384 : 256, path.join(cat, 'ground_truth', 'swap', `${i}_mask.png`));
  project = createProject(path.join(root, 'project'), 'tile-position');
  await importDataset(project, { source: path.join(root, 'data'), format: 'mvtec', threads: 1 });
  runs.position = await trainAndScore(true);
  runs.plain = await trainAndScore(false);
}, 900_000);

afterAll(() => {
  project?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

/** Image AUROC of one model's stored test results. */
function aurocOf(modelId: number): number {
  const rows = project.db.prepare(`select r.score, i.label from results r join images i on i.id = r.image_id where r.model_id = ?`).all(modelId) as { score: number; label: string }[];
  return imageAuroc(rows.map((r) => r.score), rows.map((r) => (r.label === 'defect' ? 1 : 0)));
}

describe('tiling.position: a texture normal in one place is a defect in another', () => {
  it('flags every part with the wrong grain in a block; without position the same parts pass as good', () => {
    expect(runs.position.summary.images).toBe(8);
    expect(runs.position.summary.verdicts.error).toBe(0);
    expect(aurocOf(runs.position.modelId)).toBe(1);
    expect(aurocOf(runs.plain.modelId)).toBeLessThan(0.8);
  });

  it('exports format 3 with a tile_box input; infer, the hot-folder path and Triton feed it, and nothing scores without it', async () => {
    const out = path.join(root, 'position.onnx');
    await exportModel(project, runs.position.modelId, out);
    const bytes = fs.readFileSync(out);
    const meta = readMetadata(onnxProto.onnx.ModelProto.decode(bytes), out);
    expect(meta.format).toBe('3');
    expect(meta.tiling).toEqual({ size: TILE, overlap: 0, position: true });

    const runner = await ModelRunner.open(out);
    expect(runner.positioned).toBe(true);
    const tile = new Float32Array(3 * TILE * TILE).fill(128);
    await expect(runner.run(tile, 1)).rejects.toThrow(/conditioned on tile position and needs one tile box per image/);
    const swapFile = path.join(root, 'data', 'panel', 'test', 'swap', '0.png');
    const r = await runner.runFiles([swapFile]);
    await runner.release();
    const stored = project.db.prepare(`select r.score from results r join images i on i.id = r.image_id where r.model_id = ? and i.original_path like ?`).get(runs.position.modelId, '%swap%0.png') as { score: number };
    expect(r.scores[0]).toBeCloseTo(stored.score, 4);

    const csv = path.join(root, 'position.csv');
    await inferFolder({ model: out, images: path.join(root, 'data', 'panel', 'test'), out: csv });
    const lines = fs.readFileSync(csv, 'utf8').trim().split('\n').slice(1);
    for (let i = 0; i < 4; i++) expect(lines.find((l) => l.startsWith(`swap/${i}.png`))!.split(',')[2]).not.toBe('accept');

    const triton = await writeTritonRepository(out, path.join(root, 'triton'), { name: 'panel' });
    const config = fs.readFileSync(triton.configFile, 'utf8');
    expect(config).toMatch(new RegExp(`name: "${TILE_BOX_INPUT}"\\s+data_type: TYPE_FP32\\s+dims: \\[ 4 \\]`));
    expect(config).toContain('position=tile_box');
  }, 300_000);

  it('refuses a file whose metadata hides that it takes tile_box (an older reader would not feed it)', async () => {
    const out = path.join(root, 'position.onnx');
    const meta = readMetadata(onnxProto.onnx.ModelProto.decode(fs.readFileSync(out)), out);
    const { position: _, ...plainTiling } = meta.tiling!;
    const relabelled = path.join(root, 'relabelled.onnx');
    // Re-sealed with the original reference output, so the hash passes and the check that fails is the input's.
    const original = checkContentHash(fs.readFileSync(out), out)!;
    const content = withoutIntegrity(withMetadata(fs.readFileSync(out), { ...meta, format: '2', tiling: plainTiling }));
    fs.writeFileSync(relabelled, appendIntegrity(content, JSON.stringify({ ...original, contentSha256: rangesSha256(content, [[0, content.length]]) })));
    await expect(ModelRunner.open(relabelled)).rejects.toThrow(/takes "tile_box" but its metadata does not say/);
    expect(() => readMetadata(onnxProto.onnx.ModelProto.decode(withMetadata(fs.readFileSync(out), { ...meta, format: '2' })), 'm')).toThrow(/format/);
  });
});
