import fs from 'node:fs';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conv, Graph, ReduceMax, Sigmoid, toModelProto } from '../../app/graph/index.js';
import { modelCardPathFor, withOnnx, writeModelCard, type ModelCard } from '../../app/report/model-card.js';
import { describeOnnx, describeOnnxBytes } from '../../app/report/onnx-io.js';
import { metadataProps, type ModelMetadata } from '../../app/model/metadata.js';
import { sealModel } from '../../app/model/integrity.js';
import { tritonConfigFor, tritonName, writeTritonRepository } from '../../app/report/triton.js';
import { VERDICT_RULE } from '../../app/core/bands.js';
import { tempDir } from '../helpers.js';

const { onnx } = onnxProto;
const t = tempDir('flowspect-triton-');
afterAll(() => t.cleanup());

const METADATA = {
  'flowspect.version': '0.1.0',
  'flowspect.input': JSON.stringify({ size: [16, 16], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }),
  'flowspect.thresholds': JSON.stringify({ accept: 0.4, reject: 0.7, method: 'f1max' }),
};

/** The Flowspect metadata a model file needs to be loaded (and so to be checked before Triton gets it). */
const MODEL_META: ModelMetadata = {
  format: '1',
  modelId: null,
  name: 'triton test',
  objective: 'clflow',
  input: { name: 'image', layout: 'NCHW', channels: 'RGB', range: [0, 255], height: 16, width: 16, fit: 'stretch' },
  outputs: { map: 'anomaly_map', score: 'score' },
  thresholds: { review: 0.4, reject: 0.7, method: 'f1max', detail: '' },
  scoreNorm: { method: 'affine', offset: 0, scale: 1 },
  backbone: { name: 'tiny', sha256: '0'.repeat(64), taps: [] },
  training: {},
};

/** {@link buildModel}, then sealed as an exported file is (integrity hash + reference output). */
async function buildSealedModel(file: string, dynamicBatch: boolean): Promise<void> {
  buildModel(file, dynamicBatch, metadataProps(MODEL_META));
  fs.writeFileSync(file, await sealModel(fs.readFileSync(file), MODEL_META, file));
}

/** A stand-in for the inference graph: image (N, 3, 16, 16) → anomaly_map (N, 1, 16, 16), score (N). */
function buildModel(file: string, dynamicBatch: boolean, extraMetadata: Record<string, string> = {}): void {
  const g = new Graph();
  const x = g.input('image', [1, 3, 16, 16]);
  const w = g.param('w', [1, 3, 3, 3], Array.from({ length: 27 }, (_, i) => ((i % 7) - 3) / 10));
  const b = g.param('b', [1], 0.1);
  const map = Sigmoid(Conv(x, w, b, { pad: 1 }));
  g.output('anomaly_map', map);
  g.output('score', ReduceMax(map, [1, 2, 3], false));
  const proto = toModelProto(g, { metadata: { ...METADATA, ...extraMetadata } });
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
  beforeAll(() => buildSealedModel(file, true));

  it('writes config.pbtxt whose inputs and outputs match the ONNX file, with dynamic batching', async () => {
    const repo = await writeTritonRepository(file, path.join(t.dir, 'repo'), { name: tritonName(card.name), maxBatchSize: 8 }, card);
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

  it('falls back to max_batch_size 0 (no dynamic batching) for a fixed-batch model, and replaces a folder whole', async () => {
    const fixed = path.join(t.dir, 'fixed.onnx');
    buildModel(fixed, false, metadataProps(MODEL_META));
    // A fixed batch of 1 cannot run the two-image known input, so it cannot be sealed (Flowspect models never are).
    await expect(sealModel(fs.readFileSync(fixed), MODEL_META, fixed)).rejects.toThrow();
    const cfg = tritonConfigFor(await describeOnnx(fixed), { name: 'm' });
    expect(cfg.maxBatchSize).toBe(0);
    expect(cfg.dynamicBatching).toBeNull();
    expect(cfg.inputs[0]).toMatchObject({ name: 'image', dims: [1, 3, 16, 16] });
    const repoDir = path.join(t.dir, 'repo2');
    await writeTritonRepository(file, repoDir, { name: 'm' });
    fs.writeFileSync(path.join(repoDir, 'm', 'stale.txt'), 'old');
    const repo = await writeTritonRepository(file, repoDir, { name: 'm' });
    expect(parseConfig(fs.readFileSync(repo.configFile, 'utf8')).maxBatch).toBe(8);
    expect(fs.existsSync(path.join(repoDir, 'm', 'stale.txt'))).toBe(false);
    expect(fs.readdirSync(repoDir)).toEqual(['m']);
  });

  it('checks the model like every load: an unsealed or damaged file is refused and no folder is written', async () => {
    const unsealed = path.join(t.dir, 'unsealed.onnx');
    buildModel(unsealed, true, metadataProps(MODEL_META));
    const repoDir = path.join(t.dir, 'repo3');
    await expect(writeTritonRepository(unsealed, repoDir, { name: 'm' })).rejects.toThrow(/unsealed\.onnx: has no integrity record.*re-export/);
    const damaged = path.join(t.dir, 'damaged.onnx');
    const bytes = fs.readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    fs.writeFileSync(damaged, bytes);
    await expect(writeTritonRepository(damaged, repoDir, { name: 'm' })).rejects.toThrow(/damaged\.onnx: .*(integrity hash|not a valid ONNX)/);
    expect(fs.existsSync(repoDir)).toBe(false);
  });

  it('rejects bad names and files with clear errors', async () => {
    expect(() => tritonConfigFor(describeOnnxBytes(fs.readFileSync(file), file), { name: '../evil' })).toThrow(/may hold only letters/);
    const junk = path.join(t.dir, 'junk.onnx');
    fs.writeFileSync(junk, 'not a model');
    await expect(describeOnnx(junk)).rejects.toThrow(/junk\.onnx/);
    await expect(describeOnnx(path.join(t.dir, 'missing.onnx'))).rejects.toThrow(/missing\.onnx: cannot open \(ENOENT\)/);
  });
});

describe('model card', () => {
  it('sits beside the ONNX file and carries its inputs, outputs and metadata_props, which read back', async () => {
    const file = path.join(t.dir, 'card-model.onnx');
    buildModel(file, true);
    const written = writeModelCard(await withOnnx(card, file), modelCardPathFor(file));
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

  it("refuses a file whose Flowspect metadata cannot be read, rather than show the record's thresholds for it", async () => {
    const file = path.join(t.dir, 'card-bad-meta.onnx');
    buildModel(file, true, { flowspect: '{"thresholds":' });
    await expect(withOnnx(card, file)).rejects.toThrow(/its Flowspect metadata \(thresholds\) cannot be read, so no model card can describe it/);
  });
});
