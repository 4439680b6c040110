import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRgb8, rgb8ToChw } from '../../app/model/features/preprocess.js';
import { createSession, float32Tensor } from '../../app/runtime/index.js';
import { Graph, serialize } from '../../app/graph/index.js';
import { builtinBackbone } from '../../app/model/backbone/builtin.js';
import { BackboneExtractor, extractFeatures } from '../../app/model/backbone/extractor.js';
import { spliceBackbone } from '../../app/model/backbone/splice.js';
import { FeatureCache } from '../../app/model/features/cache.js';
import { convertBuiltin, ensureBuiltinBackbone, readManifest } from '../../native-models/build-backbones.js';
import { convertMobileNetV2 } from '../../native-models/keras/convert.js';
import { type MobileNetV2Source, decodeQuantizedShard, loadNsfwjsMobileNetV2, nsfwjsPackageDir } from '../../native-models/keras/source.js';
import { evaluateKeras } from './keras-oracle.js';

const manifest = readManifest();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-mnv2-'));
let source: MobileNetV2Source;
let modelPath: string;

beforeAll(() => {
  source = loadNsfwjsMobileNetV2(manifest.source.lastImagenetLayer);
  modelPath = ensureBuiltinBackbone({ outDir: tmp }).path;
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('nsfwjs MobileNetV2 source', () => {
  it('matches the manifest and stops at the ImageNet layers', () => {
    expect(source.packageVersion).toBe(manifest.source.version);
    expect(source.files).toEqual(manifest.source.files);
    expect(source.license).toBe('MIT');
    expect(source.layers[source.layers.length - 1].name).toBe('block_10_project_BN');
    expect([...source.weights.keys()].some((k) => k.startsWith('block_11') || k.startsWith('Conv_1') || k.startsWith('dense'))).toBe(false);
  });

  it('dequantizes exactly like tfjs does', async () => {
    // Decode the whole shard both ways: tfjs' own io.decodeWeights is the independent reference.
    const dir = path.join(nsfwjsPackageDir(), 'dist/models/mobilenet_v2');
    const vm = await import('node:vm');
    const load = (f: string) => {
      const module = { exports: {} as unknown };
      vm.runInNewContext(fs.readFileSync(path.join(dir, f), 'utf8'), { module, exports: module.exports });
      return module.exports;
    };
    const model = load('model.min.js') as { weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
    const bytes = Buffer.from(load('group1-shard1of1.min.js') as string, 'base64');
    const specs = model.weightsManifest[0].weights;
    const ours = decodeQuantizedShard(specs as never, bytes);
    const theirs = tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length), specs);
    let worst = 0;
    let differ = 0;
    for (const [name, w] of source.weights) {
      const t = theirs[name].dataSync();
      const mine = ours.get(name)!.data;
      expect(theirs[name].shape).toEqual(w.shape);
      for (let i = 0; i < t.length; i++) {
        worst = Math.max(worst, Math.abs(t[i] - w.data[i]) / Math.max(1e-3, Math.abs(w.data[i])));
        if (mine[i] !== w.data[i]) differ++;
      }
    }
    expect(differ).toBe(0);
    expect(worst).toBeLessThan(1e-6); // tfjs rounds to float32; we keep float64
  });
});

describe('built-in backbone build', () => {
  it('is deterministic and reproduces the hash recorded in the manifest', () => {
    // Two independent builds (this one and the file ensureBuiltinBackbone wrote) give identical bytes.
    const a = convertBuiltin(manifest);
    expect(a.sha256).toBe(manifest.output.sha256);
    expect(fs.readFileSync(modelPath).equals(Buffer.from(a.bytes))).toBe(true);
  });

  it('builds into a fallback folder when the install folder is not writable', () => {
    // A file where the folder should be makes the location unwritable (even for root, unlike chmod).
    const blocker = path.join(tmp, 'blocker');
    fs.writeFileSync(blocker, '');
    const fallback = ensureBuiltinBackbone({ outDir: blocker, fallbackDir: path.join(tmp, 'fallback') });
    expect(fallback.path).toBe(path.join(tmp, 'fallback', 'mobilenetv2-imagenet.onnx'));
    expect(fallback.sha256).toBe(manifest.output.sha256);
    expect(() => ensureBuiltinBackbone({ outDir: blocker, fallbackDir: blocker, force: true })).toThrow(/cannot write the built-in backbone/);
  });

  it('rebuilds a corrupted file and leaves a good one alone', () => {
    expect(ensureBuiltinBackbone({ outDir: tmp }).rebuilt).toBe(false);
    fs.writeFileSync(modelPath, 'garbage');
    const again = ensureBuiltinBackbone({ outDir: tmp, force: false });
    expect(again.rebuilt).toBe(true);
    expect(again.sha256).toBe(manifest.output.sha256);
  });

  it('refuses taps beyond the ImageNet layers or with the wrong shape', () => {
    expect(() => convertMobileNetV2(source, [{ name: 'block_12_add', channels: 96, stride: 16 }])).toThrow(/block_12_add/);
    expect(() => convertMobileNetV2(source, [{ name: 'block_5_add', channels: 32, stride: 16 }])).toThrow(/stride/);
  });
});

describe('built-in backbone numerics', () => {
  /** Two different 128×96 test images (not square, so a transposed H/W would show), through the real preprocessing. */
  async function testImages(): Promise<Buffer[]> {
    const w = 160;
    const h = 120;
    const a = Buffer.alloc(w * h * 3);
    const b = Buffer.alloc(w * h * 3);
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = (y * w + x) * 3;
        a.set([128 + 120 * Math.sin(x / 9), 128 + 120 * Math.cos(y / 7), (x * y) % 256], i);
        const scratch = Math.abs(x - 2 * y + 40) < 3 ? 200 : 0;
        b.set([Math.min(255, 60 + scratch + 40 * rand()), 90 + 60 * rand(), 70 + scratch / 2], i);
      }
    }
    return Promise.all([a, b].map((raw) => sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer()));
  }

  it('agrees with the float64 Keras oracle at every tap to 1e-4 of the tap range', async () => {
    const session = await createSession(modelPath, { provider: 'cpu', intraOpThreads: 1 });
    const opts = { width: 128, height: 96, fit: 'stretch' as const };
    try {
      for (const png of await testImages()) {
        const img = await loadRgb8(png, opts);
        const chw = new Float32Array(3 * 96 * 128);
        rgb8ToChw(img, chw);
        const out = await session.run({ image: float32Tensor(chw, [1, 3, 96, 128]) });
        const hwc = { h: 96, w: 128, c: 3, data: Float64Array.from(img.data) };
        const ref = evaluateKeras(source.layers, source.weights, hwc, manifest.taps.map((t) => t.name));
        for (const tap of manifest.taps) {
          const r = ref.get(tap.name)!;
          const o = out[tap.name];
          expect(o.dims).toEqual([1, tap.channels, 96 / tap.stride, 128 / tap.stride]);
          expect([r.c, r.h, r.w]).toEqual([tap.channels, 96 / tap.stride, 128 / tap.stride]);
          const d = o.data as Float32Array;
          let max = 0;
          let err = 0;
          for (let c = 0; c < r.c; c++) {
            for (let y = 0; y < r.h; y++) {
              for (let x = 0; x < r.w; x++) {
                const want = r.data[(y * r.w + x) * r.c + c];
                max = Math.max(max, Math.abs(want));
                err = Math.max(err, Math.abs(want - d[(c * r.h + y) * r.w + x]));
              }
            }
          }
          expect(max).toBeGreaterThan(1); // a live tap, not an all-zero output
          expect(err).toBeLessThanOrEqual(1e-4 * max);
        }
      }
    } finally {
      await session.release();
    }
  });
});

describe('using the built-in backbone', () => {
  it('splices into a graph and extracts cached features in batches', async () => {
    const info = { ...builtinBackbone({ outDir: tmp }) };
    expect(info.taps.map((t) => [t.name, t.channels, t.stride])).toEqual([['block_2_add', 24, 4], ['block_5_add', 32, 8], ['block_9_add', 64, 16]]);

    const files: string[] = [];
    for (let i = 0; i < 3; i++) {
      const raw = Buffer.alloc(80 * 60 * 3).map((_, j) => (j * (i + 3)) % 251);
      files.push(path.join(tmp, `img${i}.png`));
      await sharp(raw, { raw: { width: 80, height: 60, channels: 3 } }).png().toFile(files[i]);
    }
    const preprocess = { width: 64, height: 48, fit: 'stretch' as const };
    const cache = new FeatureCache(path.join(tmp, 'features'));
    const extractor = await BackboneExtractor.create(info, { provider: 'cpu', intraOpThreads: 1 });
    const progress: number[] = [];
    const collect = async () => {
      const out: { index: number; cached: boolean; data: Float32Array[] }[] = [];
      for await (const r of extractFeatures(extractor, files.map((file) => ({ file })), { preprocess, cache, batchSize: 2, progress: (f) => progress.push(f) })) {
        out.push({ index: r.index, cached: r.cached, data: r.taps.map((t) => t.data) });
      }
      return out.sort((a, b) => a.index - b.index);
    };
    const first = await collect();
    const second = await collect();
    await extractor.release();
    expect(first.map((r) => r.cached)).toEqual([false, false, false]);
    expect(second.map((r) => r.cached)).toEqual([true, true, true]);
    expect(progress[progress.length - 1]).toBe(1);
    for (let i = 0; i < 3; i++) {
      for (let t = 0; t < 3; t++) {
        const a = first[i].data[t];
        const b = second[i].data[t];
        expect(a.length).toBe(b.length);
        for (let j = 0; j < a.length; j++) expect(Math.abs(a[j] - b[j])).toBeLessThanOrEqual(Math.abs(a[j]) * 2 ** -10 + 1e-6);
      }
    }

    // Spliced into a graph of our own (frozen), the taps equal the standalone extractor's.
    const g = new Graph({ name: 'splice' });
    const image = g.input('x', [1, 3, 48, 64]);
    const taps = spliceBackbone(g, info, image);
    expect(taps.map((t) => t.shape)).toEqual([[1, 24, 12, 16], [1, 32, 6, 8], [1, 64, 3, 4]]);
    taps.forEach((t, i) => g.output(`tap${i}`, t));
    const session = await createSession(serialize(g), { provider: 'cpu' });
    const batch = new Float32Array(3 * 48 * 64);
    const { loadRgb8: load } = await import('../../app/model/features/preprocess.js');
    rgb8ToChw(await load(files[0], preprocess), batch);
    const out = await session.run({ x: float32Tensor(batch, [1, 3, 48, 64]) });
    await session.release();
    for (let t = 0; t < 3; t++) {
      const a = out[`tap${t}`].data as Float32Array;
      expect(a.reduce((m, v, j) => Math.max(m, Math.abs(v - first[0].data[t][j])), 0)).toBeLessThan(1e-5);
    }
  });
});
