/**
 * int8 export (app/infer/int8/export.ts, app/model/int8/qdq.ts) on a real trained model and real images: the file
 * runs in integer arithmetic (ONNX Runtime fuses it into QLinearConv), its weights keep to the ranges that make every
 * x86 CPU compute the same integers, and no check image gets a more lenient verdict than from the float model.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import ort from 'onnxruntime-node';
import { writeGrainImage } from './grain-image.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verdictOf } from '../../app/core/bands.js';
import { importDataset } from '../../app/dataset/import.js';
import { exportModel } from '../../app/infer/export.js';
import { checkAgreement, int8Images, SHIFT_MARGIN_OF_SPAN } from '../../app/infer/int8/export.js';
import { calibrateRanges } from '../../app/infer/int8/calibrate.js';
import { FLOAT_STEM_CONVS, planInt8, quantizeInt8, withFloatConvs } from '../../app/model/int8/qdq.js';
import { sealModel } from '../../app/model/integrity.js';
import { modelOnnxBytes } from '../../app/infer/export.js';
import { decodeModelFile, ModelRunner } from '../../app/infer/model-runner.js';
import { readMetadata } from '../../app/model/metadata.js';
import { getModel } from '../../app/store/models.js';
import { createProject, type Project } from '../../app/store/project.js';
import { writeExportCompanions } from '../../app/report/export-companions.js';
import { imageFile } from '../../app/train/data.js';
import { trainModel } from '../../app/train/trainer.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flowspect-int8-'));
let project: Project;
let modelId: number;
const fp32File = path.join(root, 'fp32.onnx');
const int8File = path.join(root, 'int8.onnx');


beforeAll(async () => {
  const data = path.join(root, 'data', 'grain');
  for (let i = 0; i < 44; i++) await writeGrainImage(path.join(data, 'train', 'good', `${i}.png`), { size: 64, seed: i, spot: null });
  for (let i = 0; i < 12; i++) await writeGrainImage(path.join(data, 'test', 'good', `${i}.png`), { size: 64, seed: 100 + i, spot: null });
  for (let i = 0; i < 8; i++) await writeGrainImage(path.join(data, 'test', 'spot', `${i}.png`), { size: 64, seed: 200 + i, spot: { x: 24, y: 20, size: 12 } });
  project = createProject(path.join(root, 'project'), 'int8');
  await importDataset(project, { source: path.join(root, 'data'), format: 'mvtec', threads: 1 });
  const r = await trainModel(project, { settings: { imageSize: 128, batchSize: 8, epochs: 4, flow: { steps: 2 }, synthWorkers: 0, seed: 5 } });
  modelId = r.modelId;
  await exportModel(project, modelId, fp32File);
  await exportModel(project, modelId, int8File, { precision: 'int8' });
}, 300_000);

afterAll(() => {
  project?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

const decode = (file: string) => onnxProto.onnx.ModelProto.decode(fs.readFileSync(file));

describe('int8 export', () => {
  it('records its precision and lowers both thresholds by the largest score drop it measured', () => {
    const f = readMetadata(decode(fp32File), 'fp32');
    const q = readMetadata(decode(int8File), 'int8');
    expect(f.precision).toBeUndefined();
    expect(q.precision).toBe('int8');
    expect(q.quantization).toMatchObject({ kind: 'int8', scope: 'backbone/', calibrationImages: 32 });
    const shift = q.quantization!.thresholdShift;
    expect(shift).toBeGreaterThanOrEqual(0);
    expect(q.thresholds.reject).toBeCloseTo(f.thresholds.reject - shift, 6);
    expect(q.thresholds.review).toBeCloseTo(f.thresholds.review - shift, 6);
    expect(q.scoreNorm.offset).toBeCloseTo(f.scoreNorm.offset - shift, 6);
    expect(q.thresholds.detail).toMatch(/int8: lowered by/);
  });

  it('runs as integer convolutions once ONNX Runtime has optimised it', async () => {
    const optimised = path.join(root, 'optimised.onnx');
    const session = await ort.InferenceSession.create(fs.readFileSync(int8File), { graphOptimizationLevel: 'all', optimizedModelFilePath: optimised, executionProviders: ['cpu'] });
    await session.release();
    const ops = decode(optimised).graph!.node!.map((n) => n.opType);
    // MobileNetV2 to block 9 has 30 convolutions; the 3 of its stem stay float (FLOAT_STEM_CONVS).
    const q = readMetadata(decode(int8File), 'int8').quantization!;
    expect(ops.filter((o) => o === 'QLinearConv').length).toBe(30 - FLOAT_STEM_CONVS - q.floatLayers.length);
    expect(ops.filter((o) => o === 'Conv').length).toBeGreaterThanOrEqual(FLOAT_STEM_CONVS);
    // The residual adds fuse too; those whose sum is also a tap stay float adds, since the flows read the tap in float.
    expect(ops.filter((o) => o === 'QLinearAdd').length).toBeGreaterThanOrEqual(3);
    expect(ops).not.toContain('Clip');
  });

  it('leaves a layer in float correctly: the float layer after a folded ReLU6 reads the clipped values', async () => {
    const fp32 = await modelOnnxBytes(project, modelId);
    const { model: proto } = decodeModelFile(fp32.bytes, 'fp32');
    const plan = planInt8(proto);
    const files = int8Images(project, fp32.model).calibration.map((i) => imageFile(project, i.path));
    const ranges = await calibrateRanges(proto, fp32.metadata, plan.tensors, files);
    // Quantize one conv whose ReLU6 is folded, and nothing after it: its consumer is a float conv.
    const folded = plan.convs.find((c) => c.clip)!;
    const only = withFloatConvs(plan, new Set(plan.convs.filter((c) => c !== folded).map((c) => c.node.name!)));
    const scores = async (bytes: Uint8Array) => {
      const r = await ModelRunner.open(await sealModel(bytes, fp32.metadata, 'm'));
      try {
        return (await r.runFiles(files.slice(0, 8))).scores;
      } finally {
        await r.release();
      }
    };
    const encode = (p: typeof plan) => onnxProto.onnx.ModelProto.encode(quantizeInt8(proto, p, ranges)).finish();
    const [f, one, all] = [await scores(fp32.bytes), await scores(encode(only)), await scores(encode(plan))];
    const meanChange = (s: Float32Array) => s.reduce((a, v, i) => a + Math.abs(v - f[i]!), 0) / s.length;
    // One quantized layer moves scores less than all of them (reading the unclipped values moved them 100× more).
    expect(meanChange(one)).toBeLessThan(meanChange(all));
  });

  it('keeps GEMM convolution weights to 7 bits and depthwise ones to 8', () => {
    const m = decode(int8File);
    const inits = new Map(m.graph!.initializer!.map((t) => [t.name!, t]));
    let depthwiseMax = 0;
    for (const n of m.graph!.node!.filter((x) => x.opType === 'DequantizeLinear' && x.name!.endsWith('/dq_w'))) {
      const w = inits.get(n.input![0]!)!;
      const q = new Int8Array(Uint8Array.from(w.rawData!).buffer);
      const max = q.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
      const conv = m.graph!.node!.find((c) => c.opType === 'Conv' && c.input![1] === n.output![0])!;
      const group = Number(conv.attribute!.find((a) => a.name === 'group')?.i ?? 1);
      if (group > 1) depthwiseMax = Math.max(depthwiseMax, max);
      else expect(max).toBeLessThanOrEqual(63);
    }
    expect(depthwiseMax).toBeGreaterThan(63);
    expect(depthwiseMax).toBeLessThanOrEqual(127);
  });

  it('judges no check image more leniently than the float model does', async () => {
    const model = getModel(project.db, modelId)!;
    const files = int8Images(project, model).check.map((i) => imageFile(project, i.path));
    const [f, q] = await Promise.all([ModelRunner.open(fp32File), ModelRunner.open(int8File)]);
    try {
      const sf = (await f.runFiles(files)).scores;
      const sq = (await q.runFiles(files)).scores;
      const rank = { accept: 0, review: 1, reject: 2, error: 3 } as const;
      for (let i = 0; i < files.length; i++) {
        expect(rank[verdictOf(sq[i]!, q.metadata.thresholds)]).toBeGreaterThanOrEqual(rank[verdictOf(sf[i]!, f.metadata.thresholds)]);
      }
    } finally {
      await Promise.all([f.release(), q.release()]);
    }
  });

  it("writes a model card with the file's own (lowered) thresholds", async () => {
    const c = await writeExportCompanions(project, modelId, int8File);
    const q = readMetadata(decode(int8File), 'int8');
    expect(c.card.precision).toBe('int8');
    expect(c.card.thresholds?.reject).toBe(q.thresholds.reject);
    expect(JSON.parse(fs.readFileSync(c.cardFile, 'utf8')).thresholds.reject).toBe(q.thresholds.reject);
  });
});

describe('int8 export refuses', () => {
  const meta = () => readMetadata(decode(fp32File), 'fp32');
  const check = [...Array.from({ length: 6 }, (_, i) => ({ id: i + 1, label: 'good' as const })), ...Array.from({ length: 4 }, (_, i) => ({ id: i + 7, label: 'defect' as const }))];
  /** Float scores in units of the model's span: six good parts around the clean median, four defects above reject. */
  const float = () => {
    const m = meta();
    const { offset, scale } = m.scoreNorm;
    return Float32Array.from([...[-0.2, -0.1, 0, 0.1, 0.2, 0.3].map((k) => offset + k * scale), ...[0.5, 1, 3, 10].map((k) => m.thresholds.reject + k * scale)]);
  };
  const changed = (edit: Record<number, (v: number, scale: number) => number>) => {
    const scale = meta().scoreNorm.scale;
    return Float32Array.from(float(), (v, i) => (edit[i] ? edit[i]!(v, scale) : v));
  };

  it('a model whose scores int8 lowers near the thresholds by more than a quarter of the span', () => {
    const s8 = changed({ 6: (v, s) => v - 0.3 * s });
    expect(() => checkAgreement(1, check, float(), s8, meta(), 32)).toThrow(/int8 would need its thresholds lowered by .* to judge image 7 .* more than 25 % of the span .*; export it in fp32/);
  });

  it('but not one whose drop far above reject changes no verdict (and shifts nothing for it but the margin)', () => {
    const q = checkAgreement(1, check, float(), changed({ 9: (v, s) => v - 2 * s }), meta(), 32);
    expect(q.thresholdShift).toBeCloseTo(SHIFT_MARGIN_OF_SPAN * meta().scoreNorm.scale, 9);
    expect(q.checkAuroc).toEqual({ fp32: 1, int8: 1 });
  });

  it('a score where the float model has none (fp32 says error: int8 must not judge it)', () => {
    expect(() => checkAgreement(1, check, changed({ 4: () => NaN }), float(), meta(), 32)).toThrow(/the float model cannot score image 5 \(NaN\) but the int8 model gives it/);
  });

  it('but ranks the others when neither can score an image', () => {
    const q = checkAgreement(1, check, changed({ 7: () => NaN }), changed({ 7: () => NaN }), meta(), 32);
    expect(q.checkAuroc).toEqual({ fp32: 1, int8: 1 });
  });

  it('a score that is not a number where the float one is', () => {
    expect(() => checkAgreement(1, check, float(), changed({ 2: () => NaN }), meta(), 32)).toThrow(/image 3 a score that is not a number/);
  });

  it('a model that separates the labelled defects worse', () => {
    const s8 = changed({ 3: (v, s) => meta().thresholds.reject + 20 * s });
    expect(() => checkAgreement(1, check, float(), s8, meta(), 32)).toThrow(/separates the project's labelled defects worse .*image AUROC 0\.8333 vs 1\.0000/);
  });

  it('a model with too few clean images to check against, writing nothing', async () => {
    // 36 clean images left: 32 calibrate, 4 would check.
    const kept = project.db.prepare("SELECT id FROM images WHERE label = 'good' AND split = 'train' ORDER BY id LIMIT 36").pluck().all() as number[];
    project.db.prepare(`UPDATE images SET label = 'ignore' WHERE label = 'good' AND id NOT IN (${kept.join(',')})`).run();
    try {
      const out = path.join(root, 'refused.onnx');
      await expect(exportModel(project, modelId, out, { precision: 'int8' })).rejects.toThrow(/only 4 are in the project \(8 needed\); export it in fp32/);
      expect(fs.existsSync(out)).toBe(false);
    } finally {
      project.db.prepare("UPDATE images SET label = 'good' WHERE label = 'ignore'").run();
    }
  });

  it('a precision it does not know', async () => {
    await expect(exportModel(project, modelId, path.join(root, 'x.onnx'), { precision: 'fp16' as never })).rejects.toThrow('precision must be one of fp32, int8, got "fp16"');
  });
});
