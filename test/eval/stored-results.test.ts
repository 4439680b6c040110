import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { evalCommand } from '../../app/cli/eval.js';
import { aupro, f1Max, imageAuroc, pixelAuroc, type PixelSample } from '../../app/eval/index.js';
import { evaluateStoredResults } from '../../app/eval/stored-results.js';
import { writeMapF16 } from '../../app/model/maps.js';
import { decodeFloat16, encodeFloat16 } from '../../app/model/features/float16.js';
import { ensureDataset } from '../../app/store/datasets.js';
import { insertImages } from '../../app/store/images.js';
import { insertModel, updateModel } from '../../app/store/models.js';
import { createProject } from '../../app/store/project.js';
import { upsertResults } from '../../app/store/results.js';
import { tempDir } from '../helpers.js';

const t = tempDir('flowspect-eval-');
afterAll(() => t.cleanup());

/**
 * A project with 6 test images (3 good, 3 defective with 4x4 masks), stored scores and exact .f16 maps, as the
 * inference job leaves them; the stored-results evaluation must equal the metrics computed directly.
 */
async function fixture() {
  const p = createProject(path.join(t.dir, 'p'));
  const ds = ensureDataset(p.db, { name: 'parts', category: 'parts', sourceFormat: 'folder', sourcePath: null });
  const W = 16;
  const samples: PixelSample[] = [];
  const scores = [0.1, 0.5, 0.3, 0.45, 0.9, 0.7];
  const labels = [0, 0, 0, 1, 1, 1];
  const rows = [];
  for (let k = 0; k < 6; k++) {
    const defect = labels[k] === 1;
    let maskPath: string | null = null;
    const mask = new Uint8Array(W * W);
    if (defect) {
      for (let y = 4 + k; y < 8 + k; y++) for (let x = 2; x < 6; x++) mask[y * W + x] = 1;
      maskPath = `masks/${ds.id}/m${k}.png`;
      fs.mkdirSync(path.dirname(p.path(maskPath)), { recursive: true });
      await sharp(Buffer.from(mask.map((v) => v * 255)), { raw: { width: W, height: W, channels: 1 } }).png().toFile(p.path(maskPath));
    }
    const map = new Float32Array(W * W);
    for (let i = 0; i < map.length; i++) map[i] = ((i * 37 + k * 11) % 29) / 29 + (mask[i] ? 0.6 * (k / 6) : 0);
    samples.push({ map, mask: defect ? mask : null, width: W, height: W });
    rows.push({ datasetId: ds.id, path: `images/${k}.png`, originalPath: `parts/test/${k}.png`, storage: 'copy' as const, sha256: String(k).padStart(64, '0'), width: W, height: W, channels: 3, bitDepth: 8, format: 'png', label: defect ? ('defect' as const) : ('good' as const), split: 'test' as const, defectType: defect ? 'dent' : null, category: 'parts', phash: null, thumbnailPath: null, maskPath });
  }
  const ids = insertImages(p.db, rows) as number[];
  const model = insertModel(p.db, { name: 'm', datasetId: ds.id, objective: 'clflow', backbone: 'mobilenetv2', config: {}, paramCount: 1, trainDataHash: 'x', jobId: null });
  updateModel(p.db, model.id, { status: 'ready', thresholds: { review: 0.4, reject: 0.6 } });
  upsertResults(
    p.db,
    model.id,
    ids.map((id, k) => {
      const mapPath = `maps/model-${model.id}/${id}.f16`;
      writeMapF16(p.path(mapPath), samples[k].map as Float32Array, W, W);
      return { imageId: id, score: scores[k], mapPath, verdict: null, executionProvider: 'cpu' };
    }),
  );
  return { p, modelId: model.id, samples, scores, labels };
}

describe('metrics from stored results', () => {
  it('equals the metrics computed directly, and the eval command prints them as JSON', async () => {
    const { p, modelId, samples, scores, labels } = await fixture();
    const r = await evaluateStoredResults(p, modelId);
    expect(r.images).toEqual({ total: 6, good: 3, defect: 3, ignored: 0 });
    expect(r.imageAuroc).toBeCloseTo(imageAuroc(scores, labels), 12);
    expect(r.imageAuroc).toBeCloseTo(8 / 9, 12);
    expect(r.f1Max).toEqual(f1Max(scores, labels));
    expect(r.atRejectThreshold).toMatchObject({ threshold: 0.6, tp: 2, fp: 0 });
    // .f16 maps hold float16 values: the direct computation sees the same rounding.
    const stored = samples.map((s) => ({ ...s, map: decodeFloat16(encodeFloat16(s.map as Float32Array)) }));
    expect(r.pixel!.mapPrecision).toBe('exact');
    expect(r.pixel!.auroc).toBeCloseTo(pixelAuroc(stored), 12);
    expect(r.pixel!.aupro).toBeCloseTo(aupro(stored), 12);
    p.close();

    const out: string[] = [];
    const code = await evalCommand.run([path.join(t.dir, 'p'), '--model', String(modelId)], { out: (l) => out.push(l), err: () => {} }, { json: true, verbose: false });
    expect(code).toBe(0);
    const json = JSON.parse(out.at(-1)!);
    expect(json).toMatchObject({ modelId, split: 'test', f1Max: { threshold: r.f1Max.threshold } });
    expect(json.imageAuroc).toBeCloseTo(8 / 9, 12);
  });

  it('says why when there is nothing to evaluate', async () => {
    const p = createProject(path.join(t.dir, 'empty'));
    const model = insertModel(p.db, { name: 'm', datasetId: null, objective: 'clflow', backbone: 'mobilenetv2', config: {}, paramCount: 1, trainDataHash: 'x', jobId: null });
    await expect(evaluateStoredResults(p, model.id)).rejects.toThrow(/no stored results on the test split; run inference first/);
    await expect(evaluateStoredResults(p, 999)).rejects.toThrow(/model 999 does not exist/);
    p.close();
    await expect(evalCommand.run([path.join(t.dir, 'empty'), '--model', String(model.id)], { out: () => {}, err: () => {} }, { json: true, verbose: false })).rejects.toThrow(/run inference first/);
  });
});
