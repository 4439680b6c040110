import fs from 'node:fs';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conv, Graph, ReduceMax, Sigmoid, toModelProto } from '../../app/graph/index.js';
import { modelCardPathFor, withOnnx, writeModelCard, type ModelCard } from '../../app/report/model-card.js';
import { describeOnnx } from '../../app/report/onnx-io.js';
import { tritonConfigFor, tritonName, writeTritonRepository } from '../../app/report/triton.js';
import { tempDir } from '../helpers.js';

import { VERDICT_RULE } from '../../app/core/bands.js';
const { onnx } = onnxProto;
const t = tempDir('flowspect-triton-');
afterAll(() => t.cleanup());

const METADATA = {
  'flowspect.version': '0.1.0',
  'flowspect.input': JSON.stringify({ size: [16, 16], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }),
  'flowspect.thresholds': JSON.stringify({ accept: 0.4, reject: 0.7, method: 'f1max' }),
};

/** A stand-in for the inference graph: image (N, 3, 16, 16) → anomaly_map (N, 1, 16, 16), score (N). */
function buildModel(file: string, dynamicBatch: boolean): void {
  const g = new Graph();
  const x = g.input('image', [1, 3, 16, 16]);
  const w = g.param('w', [1, 3, 3, 3], Array.from({ length: 27 }, (_, i) => ((i % 7) - 3) / 10));
  const b = g.param('b', [1], 0.1);
  const map = Sigmoid(Conv(x, w, b, { pad: 1 }));
  g.output('anomaly_map', map);
  g.output('score', ReduceMax(map, [1, 2, 3], false));
  const proto = toModelProto(g, { metadata: METADATA });
  if (dynamicBatch) {
    for (const v of [...proto.graph!.input!, ...proto.graph!.output!]) v.type!.tensorType!.shape!.dim![0] = { dimParam: 'N' };
  }
  fs.writeFileSync(file, onnx.ModelProto.encode(proto).finish());
}

/** Reads back what we wrote: the input / output blocks of config.pbtxt. */
function parseConfig(text: string) {
  const block = (kind: string) => {
    const m = new RegExp(`^${kind} \\[\\n([\\s\\S]*?)\\n\\]`, 'm').exec(text);
    return [...(m?.[1] ?? '').matchAll(/name: "([^"]+)"\s+data_type: (\w+)\s+dims: \[ ([^\]]*) \](?:\s+reshape: \{ shape: \[ ([^\]]*) \] \})?/g)].map((x) => ({
      name: x[1]!,
      dataType: x[2]!,
      dims: x[3]!.split(',').map((s) => Number(s.trim())),
      reshape: x[4] === undefined ? undefined : x[4].trim() === '' ? [] : x[4].split(',').map(Number),
    }));
  };
  return {
    name: /^name: "([^"]+)"/m.exec(text)?.[1],
    backend: /^backend: "([^"]+)"/m.exec(text)?.[1],
    maxBatch: Number(/^max_batch_size: (\d+)/m.exec(text)?.[1]),
    dynamic: /^dynamic_batching \{/m.test(text),
    inputs: block('input'),
    outputs: block('output'),
  };
}

const ORT_TO_TRITON: Record<string, string> = { float32: 'TYPE_FP32', float64: 'TYPE_FP64', int64: 'TYPE_INT64', bool: 'TYPE_BOOL' };

const card: ModelCard = {
  format: 'flowspect.model-card/1',
  id: 3,
  name: 'Line 3 / housings',
  status: 'ready',
  objective: 'clflow',
  backbone: 'mobilenetv2',
  parameters: 28,
  trainingSettings: { imageSize: 16 },
  trainingSeconds: 1.5,
  executionProvider: 'cpu',
  trainDataHash: 'abc',
  dataset: null,
  thresholds: { review: 0.4, reject: 0.7, method: 'f1-max', detail: '' },
  verdictRule: VERDICT_RULE,
  scoreNormalisation: null,
  metrics: {},
  createdAt: '2026-11-28T00:00:00.000Z',
  appVersion: '0.1.0',
};

describe('Triton model repository', () => {
  const file = path.join(t.dir, 'model.onnx');
  beforeAll(() => buildModel(file, true));

  it('writes config.pbtxt whose inputs and outputs match the ONNX file, with dynamic batching', async () => {
    const repo = writeTritonRepository(file, path.join(t.dir, 'repo'), { name: tritonName(card.name), maxBatchSize: 8 }, card);
    expect(repo.modelDir).toBe(path.join(t.dir, 'repo', 'Line_3_housings'));
    expect(fs.readFileSync(repo.modelFile)).toEqual(fs.readFileSync(file));
    const cfg = parseConfig(fs.readFileSync(repo.configFile, 'utf8'));
    expect(cfg).toMatchObject({ name: 'Line_3_housings', backend: 'onnxruntime', maxBatch: 8, dynamic: true });

    // The oracle: ONNX Runtime's own view of the copied model.
    const session = await ort.InferenceSession.create(repo.modelFile);
    const expectTensors = (meta: readonly ort.InferenceSession.ValueMetadata[], got: ReturnType<typeof parseConfig>['inputs']) => {
      expect(got.map((x) => x.name)).toEqual(meta.map((m) => m.name));
      meta.forEach((m, i) => {
        if (!m.isTensor) throw new Error('not a tensor');
        expect(typeof m.shape[0]).toBe('string'); // the batch dimension Triton batches along
        expect(got[i]!.dataType).toBe(ORT_TO_TRITON[m.type]);
        const perItem = m.shape.slice(1) as number[];
        if (perItem.length === 0) expect(got[i]).toMatchObject({ dims: [1], reshape: [] });
        else expect(got[i]!.dims).toEqual(perItem);
      });
    };
    expectTensors(session.inputMetadata, cfg.inputs);
    expectTensors(session.outputMetadata, cfg.outputs);
    // Batching really works on the model Triton will load: 3 images in, 3 scores out.
    const out = await session.run({ image: new ort.Tensor('float32', new Float32Array(3 * 3 * 16 * 16).fill(0.5), [3, 3, 16, 16]) });
    expect(out.score!.dims).toEqual([3]);
    expect(out.anomaly_map!.dims).toEqual([3, 1, 16, 16]);
    await session.release();
    expect(JSON.parse(fs.readFileSync(path.join(repo.modelDir, 'model-card.json'), 'utf8'))).toMatchObject({ name: card.name });
  });

  it('falls back to max_batch_size 0 (no dynamic batching) for a fixed-batch model, and replaces a folder whole', () => {
    const fixed = path.join(t.dir, 'fixed.onnx');
    buildModel(fixed, false);
    const repoDir = path.join(t.dir, 'repo2');
    writeTritonRepository(file, repoDir, { name: 'm' });
    fs.writeFileSync(path.join(repoDir, 'm', 'stale.txt'), 'old');
    const repo = writeTritonRepository(fixed, repoDir, { name: 'm' });
    const cfg = parseConfig(fs.readFileSync(repo.configFile, 'utf8'));
    expect(cfg.maxBatch).toBe(0);
    expect(cfg.dynamic).toBe(false);
    expect(cfg.inputs[0]).toMatchObject({ name: 'image', dims: [1, 3, 16, 16] });
    expect(fs.existsSync(path.join(repoDir, 'm', 'stale.txt'))).toBe(false);
    expect(fs.readdirSync(repoDir)).toEqual(['m']);
  });

  it('rejects bad names and files with clear errors', () => {
    expect(() => tritonConfigFor(describeOnnx(file), { name: '../evil' })).toThrow(/may hold only letters/);
    const junk = path.join(t.dir, 'junk.onnx');
    fs.writeFileSync(junk, 'not a model');
    expect(() => describeOnnx(junk)).toThrow(/junk\.onnx/);
    expect(() => describeOnnx(path.join(t.dir, 'missing.onnx'))).toThrow(/missing\.onnx: ENOENT/);
  });
});

describe('model card', () => {
  it('sits beside the ONNX file and carries its inputs, outputs and metadata_props, which read back', () => {
    const file = path.join(t.dir, 'card-model.onnx');
    buildModel(file, true);
    const written = writeModelCard(withOnnx(card, file), modelCardPathFor(file));
    expect(written).toBe(path.join(t.dir, 'card-model.card.json'));
    const back = JSON.parse(fs.readFileSync(written, 'utf8')) as ModelCard;
    expect(back.onnx!.metadata).toEqual(METADATA);
    expect(JSON.parse(back.onnx!.metadata['flowspect.thresholds']!)).toEqual({ accept: 0.4, reject: 0.7, method: 'f1max' });
    expect(back.onnx!.inputs).toEqual([{ name: 'image', elemType: 'FLOAT', shape: [null, 3, 16, 16], dimNames: ['N', null, null, null] }]);
    expect(back.onnx!.outputs.map((o) => o.name)).toEqual(['anomaly_map', 'score']);
    expect(back.onnx!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(back.onnx!.bytes).toBe(fs.statSync(file).size);
    expect(back).toMatchObject({ objective: 'clflow', backbone: 'mobilenetv2', thresholds: { review: 0.4, reject: 0.7 } });
    expect(back.verdictRule).toMatch(/not a finite number .*error, which is never accepted/);
  });
});
