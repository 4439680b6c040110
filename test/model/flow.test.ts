import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Graph, LayerNormalization, serialize } from '../../app/graph/index.js';
import { layerNormDataInit } from '../../app/model/flow/ln-init.js';
import { FlowConfig, ObjectiveWeights, type TapShape } from '../../app/model/flow/config.js';
import { buildTapFlow, flowParamCount } from '../../app/model/flow/flow.js';
import { buildTrainGraph, featureInput } from '../../app/model/flow/graphs.js';
import { createSession, float32Tensor, toOrtFeeds } from '../../app/runtime/index.js';
import { readCheckpoint, writeCheckpoint } from '../../app/train/checkpoint.js';
import { downsampleMask } from '../../app/train/masks.js';
import { parseTrainSettings } from '../../app/train/settings.js';
import { verdictOf } from '../../app/core/bands.js';
import { chooseThresholds, quantile } from '../../app/train/thresholds.js';

const taps: TapShape[] = [
  { name: 'a', channels: 6, stride: 4, height: 8, width: 8 },
  { name: 'b', channels: 8, stride: 8, height: 4, width: 4 },
];

describe('flow model', () => {
  it('reports exactly the number of trainable values the graph holds, for both kernel layouts', () => {
    for (const kernels of ['3', '3-1'] as const) {
      const flow = FlowConfig.parse({ steps: 3, hiddenRatio: 1.5, kernels });
      const g = new Graph();
      taps.forEach((t, i) => buildTapFlow(g, g.input(`x${i}`, [2, t.channels, t.height, t.width]), i, t, flow, 3));
      const actual = g.params.reduce((n, p) => n + p.size, 0);
      expect(flowParamCount(flow, taps)).toBe(actual);
    }
  });

  it('builds plain FastFlow (no synthesized inputs) for fastflow or all-zero weights, and every term for clflow', () => {
    const spec = { taps, flow: FlowConfig.parse({ steps: 2 }), seed: 1, height: 32, width: 32 };
    const zero = ObjectiveWeights.parse({ unmasked: 0, margin: 0, contrast: 0, pull: 0, ce: 0 });
    const ff = buildTrainGraph(spec, { batch: 2, objective: 'fastflow', weights: ObjectiveWeights.parse({}), weightDecay: 0 });
    const z = buildTrainGraph(spec, { batch: 2, objective: 'clflow', weights: zero, weightDecay: 0 });
    const cl = buildTrainGraph(spec, { batch: 2, objective: 'clflow', weights: ObjectiveWeights.parse({ margin: 1 }), weightDecay: 0 });
    expect(ff.withTwins).toBe(false);
    expect(z.withTwins).toBe(false);
    expect(ff.terms).toEqual(['clean']);
    expect(cl.withTwins).toBe(true);
    expect(cl.terms).toEqual(['clean', 'unmasked', 'margin', 'contrast', 'pull', 'ce']);
  });

  it('a CL-Flow training step runs in ORT, stays finite and lowers the loss', async () => {
    const spec = { taps, flow: FlowConfig.parse({ steps: 2 }), seed: 1, height: 32, width: 32 };
    const g = buildTrainGraph(spec, { batch: 2, objective: 'clflow', weights: ObjectiveWeights.parse({}), weightDecay: 0 });
    const s = await createSession(g.bytes, { intraOpThreads: 1 });
    let carried = toOrtFeeds(g.initial);
    const feeds: Record<string, ReturnType<typeof float32Tensor>> = { lr: float32Tensor([3e-3], []) };
    let seed = 1;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
    taps.forEach((t, i) => {
      const n = 2 * t.channels * t.height * t.width;
      const clean = Float32Array.from({ length: n }, rnd);
      const synth = clean.map((v, j) => (j % (t.height * t.width) < t.width ? v + 3 : v)); // first row of each channel altered
      const masked = Float32Array.from({ length: 2 * t.height * t.width }, (_, j) => (j % (t.height * t.width) < t.width ? 1 : 0));
      feeds[featureInput('clean', i)] = float32Tensor(clean, [2, t.channels, t.height, t.width]);
      feeds[featureInput('synth', i)] = float32Tensor(synth, [2, t.channels, t.height, t.width]);
      feeds[featureInput('masked', i)] = float32Tensor(masked, [2, t.height, t.width]);
      feeds[featureInput('keep', i)] = float32Tensor(masked.map((v) => 1 - v), [2, t.height, t.width]);
    });
    const losses: number[] = [];
    for (let k = 0; k < 30; k++) {
      const out = await s.run({ ...carried, ...feeds }, ['loss', ...Object.keys(g.feedback)]);
      losses.push((out.loss.data as Float32Array)[0]);
      const next = { ...carried };
      for (const [o, i] of Object.entries(g.feedback)) next[i] = out[o];
      carried = next;
    }
    await s.release();
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] - 0.5);
  });
});

describe('training helpers', () => {
  it('rejects bad settings naming the field', () => {
    expect(() => parseTrainSettings({ batchSize: 0 })).toThrow(/batchSize/);
    expect(() => parseTrainSettings({ weights: { margin: -1 } })).toThrow(/weights\.margin/);
    expect(() => parseTrainSettings({ colour: 'red' })).toThrow(/colour/);
    expect(() => parseTrainSettings({ quantile: 0.9, reviewQuantile: 0.95 })).toThrow(/reviewQuantile/);
    expect(parseTrainSettings({}).objective).toBe('clflow');
  });

  it('downsamples masks to cell fractions and clean-cell weights', () => {
    const m = new Float32Array(16);
    m[0] = 1; // top-left pixel of a 4×4 mask
    const { masked, keep } = downsampleMask(m, 1, 4, 4, 2);
    expect(Array.from(masked)).toEqual([0.25, 0, 0, 0]);
    expect(Array.from(keep)).toEqual([0, 1, 1, 1]);
  });

  it('chooses thresholds by clean quantile without labelled defects and by F1-max with them', () => {
    const clean = Array.from({ length: 201 }, (_, i) => i / 200);
    const q = chooseThresholds(clean, [], 0.995, 0.95);
    expect(q.method).toBe('clean-quantile');
    expect(q.reject).toBeCloseTo(quantile(clean, 0.995), 12);
    // Uniform clean scores: one robust spread (1.4826 × MAD 0.25) below reject is lower than their 95 % quantile.
    expect(q.review).toBeCloseTo(quantile(clean, 0.995) - 1.4826 * 0.25, 12);
    const f = chooseThresholds(clean, [2, 3, 4], 0.995, 0.95);
    expect(f.method).toBe('f1-max');
    expect(f.reject).toBeGreaterThan(1);
    expect(f.reject).toBeLessThanOrEqual(2);
    expect(verdictOf(0.5, f)).toBe('accept');
    expect(verdictOf(0.97, f)).toBe('review');
    expect(verdictOf(5, f)).toBe('reject');
  });

  it('writes checkpoints atomically and reads them back exactly', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-ckpt-'));
    const file = path.join(dir, 'last.ckpt');
    const tensors = new Map([['w', { shape: [2, 2], data: Float32Array.from([1, -2, 3.5, NaN]) }]]);
    writeCheckpoint(file, { step: 7 }, tensors);
    writeCheckpoint(file, { step: 8 }, tensors);
    expect(fs.readdirSync(dir)).toEqual(['last.ckpt']);
    const back = readCheckpoint<{ step: number }>(file);
    expect(back.state.step).toBe(8);
    expect(Array.from(back.tensors.get('w')!.data).slice(0, 3)).toEqual([1, -2, 3.5]);
    fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 30));
    expect(() => readCheckpoint(file)).toThrow(/truncated/);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('exported inference graph', () => {
  it('takes any batch size for both image-score options (symbolic batch dim)', async () => {
    const { builtinBackbone } = await import('../../app/model/backbone/builtin.js');
    const { buildInferenceGraph, initialParams } = await import('../../app/model/flow/graphs.js');
    const { tapShapes } = await import('../../app/train/trainer.js');
    const backbone = builtinBackbone();
    for (const score of ['smoothed-max', 'topk-mean'] as const) {
      const spec = { taps: tapShapes(backbone, 32, 32), flow: FlowConfig.parse({ steps: 1, score }), seed: 2, height: 32, width: 32 };
      const bytes = buildInferenceGraph(spec, { backbone, params: initialParams(spec), metadata: {} });
      const s = await createSession(bytes, { intraOpThreads: 1 });
      for (const n of [1, 3]) {
        const img = Float32Array.from({ length: n * 3 * 32 * 32 }, (_, i) => (i * 37) % 256);
        const out = await s.run({ image: float32Tensor(img, [n, 3, 32, 32]) });
        expect(out.score.dims).toEqual([n]);
        expect(out.anomaly_map.dims).toEqual([n, 1, 32, 32]);
        expect(Array.from(out.score.data as Float32Array).every(Number.isFinite)).toBe(true);
      }
      await s.release();
    }
  });

  it('puts flows on the taps at stride 8 and coarser by default, on any chosen strides, and says which exist', async () => {
    const { builtinBackbone } = await import('../../app/model/backbone/builtin.js');
    const { buildInferenceGraph, initialParams } = await import('../../app/model/flow/graphs.js');
    const { tapShapes } = await import('../../app/train/trainer.js');
    const backbone = builtinBackbone();
    expect(tapShapes(backbone, 64, 64).map((t) => [t.name, t.stride, t.height])).toEqual([['block_5_add', 8, 8], ['block_9_add', 16, 4]]);
    expect(tapShapes(backbone, 64, 64, [4, 16]).map((t) => t.name)).toEqual(['block_2_add', 'block_9_add']);
    expect(() => tapShapes(backbone, 64, 64, [32])).toThrow(/strides: backbone mobilenetv2-imagenet has no tap at stride 32 \(its taps: block_2_add at 4, block_5_add at 8, block_9_add at 16\)/);
    // A model on a subset of taps splices only those (the stride-4 flow is absent, its params too).
    const spec = { taps: tapShapes(backbone, 32, 32, [16]), flow: FlowConfig.parse({ steps: 1 }), seed: 2, height: 32, width: 32 };
    const params = initialParams(spec);
    expect([...params.keys()].every((k) => k.startsWith('t0.'))).toBe(true);
    const s = await createSession(buildInferenceGraph(spec, { backbone, params, metadata: {} }), { intraOpThreads: 1 });
    const out = await s.run({ image: float32Tensor(Float32Array.from({ length: 3 * 32 * 32 }, (_, i) => (i * 37) % 256), [1, 3, 32, 32]) });
    expect(out.anomaly_map.dims).toEqual([1, 1, 32, 32]);
    await s.release();
  });
});

describe('layer-norm data init', () => {
  it('makes every position of the normalised training features start at mean 0, std 1 in a real LayerNorm graph', async () => {
    const n = 12;
    const shape = [3, 4, 5];
    const size = shape[0] * shape[1] * shape[2];
    let seed = 7;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
    // Per-position structure (an aligned part): each position has its own mean and spread, plus a per-sample gain.
    const mean = Float32Array.from({ length: size }, () => 3 * rnd());
    const spread = Float32Array.from({ length: size }, () => 0.5 + Math.abs(rnd()));
    const x = new Float32Array(n * size);
    for (let s = 0; s < n; s++) {
      const gain = 1 + 0.2 * rnd();
      for (let i = 0; i < size; i++) x[s * size + i] = gain * (mean[i] + spread[i] * rnd());
    }
    const { scale, bias } = layerNormDataInit(x, n, size);

    const g = new Graph();
    const input = g.input('x', [n, ...shape]);
    g.output('y', LayerNormalization(input, g.param('scale', shape, scale), g.param('bias', shape, bias), { axis: 1 }));
    const session = await createSession(serialize(g), { intraOpThreads: 1 });
    const y = (await session.run({ x: float32Tensor(x, [n, ...shape]) }, ['y'])).y.data as Float32Array;
    await session.release();
    for (let i = 0; i < size; i++) {
      let m = 0;
      let v = 0;
      for (let s = 0; s < n; s++) m += y[s * size + i] / n;
      for (let s = 0; s < n; s++) v += (y[s * size + i] - m) ** 2 / n;
      expect(Math.abs(m)).toBeLessThan(1e-4);
      expect(Math.sqrt(v)).toBeCloseTo(1, 3);
    }
  });

  it('floors the std of positions that never vary, so they do not amplify noise', () => {
    const n = 4;
    const size = 8;
    const x = new Float32Array(n * size);
    for (let s = 0; s < n; s++) for (let i = 0; i < size; i++) x[s * size + i] = i === 0 ? 5 : Math.sin(s * 3 + i * 7) + i;
    const { scale } = layerNormDataInit(x, n, size);
    const others = Array.from(scale.subarray(1));
    expect(scale[0]).toBeLessThanOrEqual(4 * Math.max(...others) + 1e-6);
    expect(() => layerNormDataInit(x, 1, size * n)).toThrow(/at least 2 samples/);
    expect(() => layerNormDataInit(x, n, size + 1)).toThrow(/not 4 samples/);
  });
});
