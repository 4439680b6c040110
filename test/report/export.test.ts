import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../app/cli.js';
import { Conv, Graph, ReduceMax, Sigmoid, toModelProto } from '../../app/graph/index.js';
import { metadataProps, readMetadata, type ModelMetadata } from '../../app/model/metadata.js';
import { ModelRunner } from '../../app/infer/model-runner.js';
import type { ModelCard } from '../../app/report/model-card.js';
import { updateModel } from '../../app/store/models.js';
import { tempDir } from '../helpers.js';
import { createFixtureProject, type Fixture } from './fixture.js';

const { onnx } = onnxProto;
const t = tempDir('flowspect-export-');
const NODE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));
/** The standalone scoring example lives in the deployment guide (README.md links to it). */
const DOCS = fileURLToPath(new URL('../../docs/deployment.md', import.meta.url));
let fx: Fixture;

const META: ModelMetadata = {
  format: '1',
  modelId: null,
  name: 'line 3 housings',
  objective: 'clflow',
  input: { name: 'image', layout: 'NCHW', channels: 'RGB', range: [0, 255], height: 24, width: 32, fit: 'stretch' },
  outputs: { map: 'anomaly_map', score: 'score' },
  thresholds: { review: 0.55, reject: 0.8, method: 'quantile', detail: '99.5% of clean validation scores' },
  scoreNorm: { method: 'affine', offset: 0.5, scale: 0.3 },
  backbone: { name: 'tiny', sha256: '0'.repeat(64), taps: [] },
  training: { seed: 1 },
};

/** A small stand-in for the inference graph, with the model's real metadata format: image (N,3,24,32) → map, score. */
function writeModel(file: string): void {
  const g = new Graph();
  const x = g.input('image', [1, 3, 24, 32]);
  const w = g.param('w', [1, 3, 3, 3], Array.from({ length: 27 }, (_, i) => (((i * 7) % 11) - 5) / 2000));
  const map = Sigmoid(Conv(x, w, g.param('b', [1], -0.2), { pad: 1 }));
  g.output('anomaly_map', map);
  g.output('score', ReduceMax(map, [1, 2, 3], false));
  const proto = toModelProto(g, { metadata: metadataProps(META) });
  for (const v of [...proto.graph!.input!, ...proto.graph!.output!]) v.type!.tensorType!.shape!.dim![0] = { dimParam: 'N' };
  fs.writeFileSync(file, onnx.ModelProto.encode(proto).finish());
}

beforeAll(async () => {
  fx = await createFixtureProject(path.join(t.dir, 'project'), { goods: 2, defects: 2, trainGoods: 0 });
  writeModel(fx.project.path('models', 'model-1.onnx'));
  updateModel(fx.project.db, fx.modelId, { onnxPath: 'models/model-1.onnx', thresholds: { review: 0.6, reject: 0.85, method: 'manual', detail: 'set in Review' } });
}, 60_000);
afterAll(() => {
  fx?.project.close();
  t.cleanup();
});

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('flowspect export with a model card and a Triton repository', () => {
  const onnxOut = path.join(t.dir, 'out', 'housings.onnx');
  const repo = path.join(t.dir, 'triton');

  it('writes the ONNX file, a model card that reads back, and a Triton model folder', async () => {
    fs.mkdirSync(path.dirname(onnxOut), { recursive: true });
    const r = await cli(['export', fx.project.dir, '--model', String(fx.modelId), '--out', onnxOut, '--triton', repo, '--json']);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out.at(-1)!);
    expect(json).toMatchObject({ card: path.join(t.dir, 'out', 'housings.card.json'), triton: { dir: path.join(repo, 'clflow-metal'), maxBatchSize: 8 } });

    // The exported metadata reads back, with the thresholds now stored in the project.
    const exported = readMetadata(onnx.ModelProto.decode(fs.readFileSync(onnxOut)), onnxOut);
    expect(exported.thresholds).toMatchObject({ review: 0.6, reject: 0.85, method: 'manual' });
    const card = JSON.parse(fs.readFileSync(json.card, 'utf8')) as ModelCard;
    expect(card).toMatchObject({ id: fx.modelId, objective: 'clflow', backbone: 'mobilenetv2', dataset: { id: fx.datasetId, name: 'brushed-metal' } });
    expect(JSON.parse(card.onnx!.metadata.flowspect!)).toMatchObject(exported); // the verbatim document (zod drops unknown keys)
    expect(card.onnx!.inputs).toEqual([{ name: 'image', elemType: 'FLOAT', shape: [null, 3, 24, 32], dimNames: ['N', null, null, null] }]);
    expect(fs.readFileSync(path.join(repo, 'clflow-metal', '1', 'model.onnx'))).toEqual(fs.readFileSync(onnxOut));
    const config = fs.readFileSync(path.join(repo, 'clflow-metal', 'config.pbtxt'), 'utf8');
    expect(config).toContain('name: "image"\n    data_type: TYPE_FP32\n    dims: [ 3, 24, 32 ]');
    expect(config).toContain('name: "score"\n    data_type: TYPE_FP32\n    dims: [ 1 ]\n    reshape: { shape: [  ] }');
    expect(config).toContain('dynamic_batching {');
  }, 60_000);

  it('rejects Triton options without --triton', async () => {
    const r = await cli(['export', fx.project.dir, '--model', String(fx.modelId), '--out', onnxOut, '--triton-name', 'x']);
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toMatch(/--triton-name and --max-batch need --triton DIR/);
  });

  it('the example in docs/deployment.md scores an image with onnxruntime-node and the exported files alone, as the app does', async () => {
    const md = fs.readFileSync(DOCS, 'utf8');
    const code = /```js\n(\/\/ score\.mjs[\s\S]*?)```/.exec(md)?.[1];
    expect(code).toBeDefined();
    const dir = path.join(t.dir, 'standalone');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'score.mjs'), code!);
    fs.symlinkSync(NODE_MODULES, path.join(dir, 'node_modules'));
    fs.copyFileSync(onnxOut, path.join(dir, 'model.onnx'));
    fs.copyFileSync(path.join(t.dir, 'out', 'housings.card.json'), path.join(dir, 'model.card.json'));
    // A 16-bit grey image with alpha at another size: the example must preprocess like the app.
    const px = new Uint16Array(50 * 40 * 2).map((_, i) => (i % 2 ? 65535 : (i * 997) % 65535));
    await sharp(px, { raw: { width: 50, height: 40, channels: 2 } }).toColourspace('grey16').png().toFile(path.join(dir, 'part.png'));

    const printed = JSON.parse(execFileSync(process.execPath, ['score.mjs', 'part.png'], { cwd: dir, encoding: 'utf8' }).trim()) as { score: number; verdict: string };
    const runner = await ModelRunner.open(onnxOut);
    try {
      const inApp = (await runner.runFiles([path.join(dir, 'part.png')])).scores[0]!;
      expect(Math.abs(printed.score - inApp)).toBeLessThanOrEqual(1e-6 * Math.abs(inApp));
      expect(printed.verdict).toBe(inApp >= 0.85 ? 'reject' : inApp >= 0.6 ? 'review' : 'accept');
    } finally {
      await runner.release();
    }
  }, 60_000);
});
