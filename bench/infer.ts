/**
 * `npm run bench:infer`: end-to-end images/s (decode + preprocess → ONE ONNX model → map + score) at 256², batch 1
 * and 8, 1 and 2 intra-op threads, and the flow head's share of the model time (full model vs backbone alone).
 * The model has freshly initialised flow weights: speed does not depend on the values.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { BenchOptions } from './types.js';
import { builtinBackbone } from '../app/model/backbone/builtin.js';
import { readBackboneBytes } from '../app/model/backbone/model-file.js';
import { loadRgb8, rgb8ToChw } from '../app/model/features/preprocess.js';
import { FlowConfig } from '../app/model/flow/config.js';
import { buildInferenceGraph, initialParams, type ModelSpec } from '../app/model/flow/graphs.js';
import { ModelRunner } from '../app/infer/model-runner.js';
import { metadataProps } from '../app/model/metadata.js';
import { sealModel } from '../app/model/integrity.js';
import { createSession, float32Tensor } from '../app/runtime/index.js';
import { modelMetadata, tapShapes } from '../app/train/trainer.js';
import { modelBackbone } from '../app/model/backbone/colour-tap.js';
import { parseTrainSettings } from '../app/train/settings.js';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A sealed default model (built-in backbone, colour tap, flows at stride ≥ 8) with fresh weights, as exported. */
export async function benchModel(settingsInput: Record<string, unknown>, dir: string): Promise<{ bytes: Uint8Array; backbone: ReturnType<typeof modelBackbone>; size: number }> {
  const settings = parseTrainSettings(settingsInput);
  const size = settings.imageSize;
  const backbone = modelBackbone(builtinBackbone(), settings, dir);
  const spec: ModelSpec = { taps: tapShapes(backbone, size, size, settings.strides), flow: FlowConfig.parse({}), seed: 1, height: size, width: size };
  const thresholds = { review: 1, reject: 2, method: 'clean-quantile' as const, detail: 'bench', validation: { clean: 0, defects: 0 } };
  const meta = modelMetadata({ modelId: null, name: 'bench', objective: 'clflow', spec, settings, backbone, thresholds, norm: { method: 'clean-median-to-reject', offset: 0, scale: 1 }, metrics: {}, paramCount: 0, dataHash: '' });
  // Sealed like an exported file (content hash + reference output), so ModelRunner.open accepts it.
  const bytes = await sealModel(buildInferenceGraph(spec, { backbone, params: initialParams(spec), metadata: metadataProps(meta) }), meta, 'bench model');
  return { bytes, backbone, size };
}

export async function run(options: BenchOptions): Promise<object> {
  if (options.args.includes('--tiling')) return (await import('./infer-tiling.js')).run(options);
  const reps = options.quick ? 3 : 10;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowspect-bench-infer-'));
  const { bytes, backbone, size } = await benchModel({ imageSize: 256 }, dir);
  const files: string[] = [];
  for (let i = 0; i < 8; i++) {
    const f = path.join(dir, `${i}.png`);
    const px = Buffer.alloc(1024 * 1024 * 3);
    for (let j = 0; j < px.length; j++) px[j] = (j * 7 + i * 13) & 255;
    await sharp(px, { raw: { width: 1024, height: 1024, channels: 3 } }).png().toFile(f);
    files.push(f);
  }
  const configs: object[] = [];
  try {
    for (const threads of [1, 2]) {
      const runner = await ModelRunner.open(bytes, { intraOpThreads: threads }, 'bench model');
      const bb = await createSession(readBackboneBytes(backbone), { intraOpThreads: threads });
      for (const batch of [1, 8]) {
        const list = files.slice(0, batch);
        await runner.runFiles(list); // warm-up
        const e2e: number[] = [];
        const pre: number[] = [];
        const model: number[] = [];
        const backboneOnly: number[] = [];
        for (let r = 0; r < reps; r++) {
          const t0 = performance.now();
          const buf = new Float32Array(batch * 3 * size * size);
          for (let i = 0; i < batch; i++) rgb8ToChw(await loadRgb8(list[i], runner.preprocess), buf, i * 3 * size * size);
          const t1 = performance.now();
          await runner.run(buf, batch);
          const t2 = performance.now();
          await bb.run({ image: float32Tensor(buf, [batch, 3, size, size]) }, backbone.taps.map((t) => t.name));
          const t3 = performance.now();
          e2e.push(t2 - t0);
          pre.push(t1 - t0);
          model.push(t2 - t1);
          backboneOnly.push(t3 - t2);
        }
        const m = median(model);
        const b = median(backboneOnly);
        configs.push({
          threads,
          batch,
          imagesPerSecond: (batch * 1000) / median(e2e),
          decodePreprocessMs: median(pre),
          modelMs: m,
          backboneMs: b,
          flowShareOfModel: Math.max(0, (m - b) / m),
          executionProvider: runner.provider,
        });
        options.log(JSON.stringify(configs[configs.length - 1]));
      }
      await runner.release();
      await bb.release();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { size, sourceImage: '1024² PNG', modelBytes: bytes.length, configs };
}
