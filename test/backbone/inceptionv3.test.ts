/**
 * The accurate built-in backbone (InceptionV3 up to mixed5 from nsfwjs): it builds deterministically to the hash its
 * manifest records, only from layers nsfwjs kept frozen (ImageNet weights), its conversion agrees with an
 * independent float64 Keras evaluator, and every tap comes out at (H / stride, W / stride) with the projected width.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinBackbone } from '../../app/model/backbone/builtin.js';
import { projectBackbones, resolveBackbone } from '../../app/model/backbone/project-backbones.js';
import { createSession, float32Tensor } from '../../app/runtime/index.js';
import { INCEPTION_MANIFEST_PATH, convertBuiltin, readManifest } from '../../native-models/build-backbones.js';
import { convertKeras } from '../../native-models/keras/convert.js';
import { loadNsfwjsKeras } from '../../native-models/keras/source.js';
import { evaluateKeras } from './keras-oracle.js';

const manifest = readManifest(INCEPTION_MANIFEST_PATH);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-inc-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A smooth pattern plus a bright diagonal scratch, (H, W, 3) in [0, 255]. */
function testImage(w: number, h: number): Float64Array {
  const data = new Float64Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const scratch = Math.abs(x - y) < 2 ? 120 : 0;
      data.set([Math.min(255, 110 + 90 * Math.sin(x / 5) + scratch), 120 + 80 * Math.cos(y / 4), (x * 7 + y * 3) % 256], (y * w + x) * 3);
    }
  }
  return data;
}

describe('inceptionv3-imagenet', () => {
  it('uses only layers nsfwjs kept frozen, and builds to the manifest hash', () => {
    const source = loadNsfwjsKeras(manifest.source.modelDir!, manifest.source.lastImagenetLayer);
    expect(source.layers.filter((l) => l.className !== 'InputLayer').every((l) => l.config.trainable === false)).toBe(true);
    expect(manifest.output.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(convertBuiltin(manifest).sha256).toBe(manifest.output.sha256);
  });

  it('agrees with the float64 Keras oracle at the unprojected layers (size-preserving padding)', async () => {
    const source = loadNsfwjsKeras(manifest.source.modelDir!, manifest.source.lastImagenetLayer);
    const [w, h] = [48, 32]; // not square, so a transposed H / W would show
    const raw = [
      { name: 'activation_5', channels: 192, stride: 4 },
      { name: 'mixed2', channels: 288, stride: 8 },
      { name: 'mixed5', channels: 768, stride: 16 },
    ];
    const model = convertKeras(source, raw, { name: 'check', docString: '', padding: 'size-preserving', buildShape: [1, 3, h, w] });
    const session = await createSession(onnxProto.onnx.ModelProto.encode(model).finish(), { provider: 'cpu', intraOpThreads: 1 });
    try {
      const hwc = testImage(w, h);
      const chw = new Float32Array(3 * h * w);
      for (let i = 0; i < h * w; i++) for (let c = 0; c < 3; c++) chw[c * h * w + i] = hwc[i * 3 + c];
      const out = await session.run({ image: float32Tensor(chw, [1, 3, h, w]) });
      const ref = evaluateKeras(source.layers, source.weights, { h, w, c: 3, data: hwc }, raw.map((t) => t.name), 'size-preserving');
      for (const tap of raw) {
        const r = ref.get(tap.name)!;
        expect([r.c, r.h, r.w]).toEqual([tap.channels, h / tap.stride, w / tap.stride]);
        const d = out[tap.name].data as Float32Array;
        let max = 0;
        let err = 0;
        for (let c = 0; c < r.c; c++) {
          for (let i = 0; i < r.h * r.w; i++) {
            const want = r.data[i * r.c + c];
            max = Math.max(max, Math.abs(want));
            err = Math.max(err, Math.abs(want - d[c * r.h * r.w + i]));
          }
        }
        expect(max).toBeGreaterThan(0.5); // a live layer, not an all-zero output
        expect(err).toBeLessThanOrEqual(1e-4 * max);
      }
    } finally {
      await session.release();
    }
  });

  it('is offered beside the default backbone, with projected taps at H / stride', async () => {
    const info = builtinBackbone({ outDir: tmp, name: 'inceptionv3-imagenet' });
    expect(info.taps.map((t) => [t.name, t.channels, t.stride])).toEqual([
      ['activation_5', 64, 4],
      ['mixed2', 96, 8],
      ['mixed5', 128, 16],
    ]);
    expect(projectBackbones(null, { builtinDir: tmp }).map((b) => b.name)).toEqual(['mobilenetv2-imagenet', 'inceptionv3-imagenet']);
    expect(resolveBackbone(null, 'inceptionv3-imagenet', { builtinDir: tmp }).sha256).toBe(info.sha256);
    const session = await createSession(info.path, { provider: 'cpu', intraOpThreads: 1 });
    try {
      const out = await session.run({ image: float32Tensor(new Float32Array(2 * 3 * 64 * 96).fill(128), [2, 3, 64, 96]) });
      for (const tap of info.taps) {
        expect(out[tap.name].dims).toEqual([2, tap.channels, 64 / tap.stride, 96 / tap.stride]);
        expect((out[tap.name].data as Float32Array).every(Number.isFinite)).toBe(true);
      }
    } finally {
      await session.release();
    }
  });
});
