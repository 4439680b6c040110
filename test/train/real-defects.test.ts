/**
 * Real defects as training signal: a labelled defect moved to split `train` (with its mask) takes twin slots in
 * CL-Flow's steps; without a mask it is refused by name; FastFlow says it does not use it; and evaluation never
 * sees it (it is neither a validation nor a test image).
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateImages } from '../../app/store/image-edits.js';
import { selectTrainingData } from '../../app/train/data.js';
import { RealDefects, shiftMask } from '../../app/train/real-defects.js';
import type { SynthesisBatch } from '../../app/synthesis/index.js';
import { trainModel } from '../../app/train/trainer.js';
import { type Fixture, fabricFixture, TINY } from './fixture.js';

let fx: Fixture;
let moved: number[];

beforeAll(async () => {
  fx = await fabricFixture(16);
  const defects = fx.project.db.prepare(`SELECT i.id FROM images i JOIN masks m ON m.image_id = i.id AND m.kind = 'defect' WHERE i.label = 'defect' AND i.split = 'test' ORDER BY i.id LIMIT 3`).pluck().all() as number[];
  expect(defects).toHaveLength(3);
  moved = defects;
  updateImages(fx.project.db, moved, { split: 'train' }, 'use three confirmed defects for training');
}, 120_000);

afterAll(() => {
  fx?.project.close();
  if (fx) fs.rmSync(fx.root, { recursive: true, force: true });
});

describe('training with confirmed defects', () => {
  it('selects masked training defects apart from the good images and keeps them out of validation', () => {
    const data = selectTrainingData(fx.project, { category: 'fabric' }, 7, 0.15);
    expect(data.trainDefects.map((d) => d.id)).toEqual(moved);
    const seen = new Set([...data.train, ...data.valGood, ...data.valDefects].map((i) => i.id));
    expect(moved.some((id) => seen.has(id))).toBe(false);
  });

  it('puts them in place of synthesized twins in CL-Flow steps, as many as realDefectShare asks', async () => {
    const logs: string[] = [];
    const r = await trainModel(fx.project, { objective: 'clflow', settings: { ...TINY, epochs: 2, warmup: 0, realDefectShare: 0.5 }, log: (_l, m) => logs.push(m) });
    expect(logs.some((m) => /3 real training defects take 50 % of the twin slots/.test(m))).toBe(true);
    const events = fx.project.db.prepare(`SELECT data_json FROM training_events WHERE model_id = ? AND kind = 'train'`).pluck().all(r.modelId) as string[];
    const replaced = events.map((e) => (JSON.parse(e) as { realDefects?: number }).realDefects ?? 0);
    const slots = events.length * TINY.batchSize;
    const total = replaced.reduce((a, b) => a + b, 0);
    // About half of the slots (binomial: 4 steps × 8 slots), never all and never none.
    expect(total).toBeGreaterThan(slots * 0.2);
    expect(total).toBeLessThan(slots * 0.8);
  }, 120_000);

  it('on aligned parts, moves each defect and its mask onto the reference like every training image', async () => {
    const logs: string[] = [];
    const r = await trainModel(fx.project, { objective: 'clflow', settings: { ...TINY, epochs: 1, warmup: 0, realDefectShare: 0.5, align: { mode: 'translation' } }, log: (_l, m) => logs.push(m) });
    expect(logs.some((m) => /3 real training defects take 50 % of the twin slots/.test(m))).toBe(true);
    const events = fx.project.db.prepare(`SELECT data_json FROM training_events WHERE model_id = ? AND kind = 'train'`).pluck().all(r.modelId) as string[];
    expect(events.reduce((n, e) => n + ((JSON.parse(e) as { realDefects?: number }).realDefects ?? 0), 0)).toBeGreaterThan(0);
  }, 120_000);

  it('transplants a defect onto the slot\'s own clean image, at a new place in each step; as-is uses the defect\'s own image', async () => {
    const data = selectTrainingData(fx.project, { category: 'fabric' }, 7, 0.15);
    const opts = { width: 64, height: 64, fit: 'stretch' as const };
    const plane = 64 * 64;
    const batchOf = (index: number): SynthesisBatch => ({ epoch: 0, index, sourceIndices: [0, 1], size: { width: 64, height: 64 }, clean: new Float32Array(2 * 3 * plane).fill(0.5), images: new Float32Array(2 * 3 * plane).fill(0.5), masks: new Float32Array(2 * plane) });
    const moved = await RealDefects.load(fx.project, data.trainDefects, opts, { share: 1, seed: 3, placement: 'transplant' });
    const firstPixel: number[] = [];
    for (let index = 0; index < 6; index++) {
      const { batch, replaced } = moved.splice(batchOf(index));
      expect(replaced).toBe(2);
      for (let slot = 0; slot < 2; slot++) {
        const mask = batch.masks.subarray(slot * plane, (slot + 1) * plane);
        expect(mask.some((v) => v > 0)).toBe(true);
        // Outside the pasted pixels the slot is its clean image, bit for bit.
        for (let i = 0; i < plane; i++) if (mask[i] === 0) expect(batch.images[slot * 3 * plane + i]).toBe(batch.clean[slot * 3 * plane + i]);
        firstPixel.push(mask.findIndex((v) => v > 0));
      }
    }
    expect(new Set(firstPixel).size).toBeGreaterThan(3);
    const asIs = await RealDefects.load(fx.project, data.trainDefects, opts, { share: 1, seed: 3, placement: 'as-is' });
    const { batch } = asIs.splice(batchOf(0));
    const outside = batch.masks.subarray(0, plane).findIndex((v) => v === 0);
    expect(batch.images[outside]).not.toBe(0.5);
  }, 60_000);

  it('shifts a mask exactly as the aligner moves its image: aligned(p) = mask(p + shift)', () => {
    const mask = new Float32Array(5 * 4);
    mask[1 * 5 + 2] = 1; // (x 2, y 1)
    const moved = shiftMask(mask, 5, 4, { x: 1.2, y: -0.9 });
    expect([...moved].findIndex((v) => v === 1)).toBe(2 * 5 + 1); // (x 1, y 2): 1 + 1 = 2, 2 - 1 = 1
    expect(moved.reduce((a, b) => a + b, 0)).toBe(1);
    expect(shiftMask(mask, 5, 4, { x: 10, y: 0 }).some((v) => v > 0)).toBe(false);
  });

  it('FastFlow learns from good images only: it says the defects are unused (never trains on them as good)', async () => {
    const logs: string[] = [];
    await trainModel(fx.project, { objective: 'fastflow', settings: { ...TINY, epochs: 1 }, log: (_l, m) => logs.push(m) });
    expect(logs.some((m) => /3 training defects are not used \(FastFlow learns from good images only\)/.test(m))).toBe(true);
  }, 120_000);

  it('refuses a training defect without a mask, naming the image', async () => {
    const id = moved[0]!;
    const mask = fx.project.db.prepare(`SELECT * FROM masks WHERE image_id = ? AND kind = 'defect'`).get(id) as Record<string, unknown>;
    fx.project.db.prepare(`DELETE FROM masks WHERE image_id = ? AND kind = 'defect'`).run(id);
    try {
      await expect(trainModel(fx.project, { objective: 'clflow', settings: { ...TINY, epochs: 1 } })).rejects.toThrow(new RegExp(`1 training defect has no mask \\(image ${id}\\)`));
    } finally {
      const cols = Object.keys(mask);
      fx.project.db.prepare(`INSERT INTO masks (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...cols.map((c) => mask[c]));
    }
  });
});
