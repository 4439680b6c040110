/**
 * `npm run bench:infer`: end-to-end images/s (decode + preprocess → ONE ONNX model → map + score) at 256², batch 1
 * and 8, 1 and 2 intra-op threads, and the flow head's share of the model time (full model vs backbone alone).
 * The model has freshly initialised flow weights: speed does not depend on the values. `--precision int8` also runs
 * the int8 export's model, alternated with the float one, and reports its rate and its speed-up over fp32.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { BenchOptions } from './types.js';
import { TorchPeer } from './torch-peer.js';
import { builtinBackbone } from '../app/model/backbone/builtin.js';
import { readBackboneBytes } from '../app/model/backbone/model-file.js';
import { rgb8ToChw } from '../app/model/features/preprocess.js';
import { FlowConfig } from '../app/model/flow/config.js';
import { buildInferenceGraph, initialParams, type ModelSpec } from '../app/model/flow/graphs.js';
import { decodeModelFile, ModelRunner } from '../app/infer/model-runner.js';
import { quantizedCandidate } from '../app/infer/int8/export.js';
import { PRECISIONS, type Precision } from '../app/core/domain.js';
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
  const precision = precisionArg(options.args);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowspect-bench-infer-'));
  const peer = options.args.includes('--vs-torch') ? TorchPeer.start() : undefined;
  const configs: object[] = [];
  const size = 256;
  try {
    const { bytes, backbone } = await benchModel({ imageSize: size }, dir);
    const files = await sourceImages(dir);
    // --precision int8: the int8 export's model (calibrated on the source images: speed does not depend on the values).
    const int8 = precision === 'int8' ? await quantizedCandidate(0, bytes, decodeModelFile(bytes, 'bench model').metadata, files) : undefined;
    for (const threads of [1, 2]) {
      if (peer) await peer.send('scoring', { files, size, threads });
      const runner = await ModelRunner.open(bytes, { intraOpThreads: threads }, 'bench model');
      const int8Runner = int8 && (await ModelRunner.open(int8, { intraOpThreads: threads }, 'bench model (int8)'));
      const bb = await createSession(readBackboneBytes(backbone), { intraOpThreads: threads });
      try {
        for (const batch of [1, 8]) {
          const config = await measureConfig({ runner, int8Runner, bb, backbone, size, files: files.slice(0, batch), reps, peer });
          configs.push({ threads, batch, ...config });
          options.log(JSON.stringify(configs[configs.length - 1]));
        }
      } finally {
        await runner.release();
        await int8Runner?.release();
        await bb.release();
      }
    }
  } finally {
    await peer?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return {
    size,
    sourceImage: '1024² PNG',
    configs,
    ...(peer ? { peer: 'PyTorch (Debian python3-torch): PIL decode + resize, the same architecture (bench/torch/peer.py, random weights), eager and TorchScript (traced, optimize_for_inference); medians of alternated reps', worstEndToEndVsTorch: Math.min(...configs.map((c) => (c as { endToEndVsTorchBest: number }).endToEndVsTorchBest)) } : {}),
  };
}

/** `--precision fp32|int8` (default fp32); anything else is refused with the allowed values. */
export function precisionArg(args: readonly string[]): Precision {
  const i = args.indexOf('--precision');
  if (i < 0) return 'fp32';
  const v = args[i + 1];
  if (!(PRECISIONS as readonly string[]).includes(v ?? '')) throw new Error(`bench infer: --precision must be one of ${PRECISIONS.join(', ')}, got ${v === undefined ? 'nothing' : `"${v}"`}`);
  return v as Precision;
}

/** Eight 1024² PNGs, as a camera would deliver them. */
async function sourceImages(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (let i = 0; i < 8; i++) {
    const f = path.join(dir, `${i}.png`);
    const px = Buffer.alloc(1024 * 1024 * 3);
    for (let j = 0; j < px.length; j++) px[j] = (j * 7 + i * 13) & 255;
    await sharp(px, { raw: { width: 1024, height: 1024, channels: 3 } }).png().toFile(f);
    files.push(f);
  }
  return files;
}

interface ConfigRun {
  readonly runner: ModelRunner;
  /** With --precision int8: the int8 model, alternated rep by rep with the float one. */
  readonly int8Runner?: ModelRunner;
  readonly bb: Awaited<ReturnType<typeof createSession>>;
  readonly backbone: { readonly taps: readonly { readonly name: string }[] };
  readonly size: number;
  readonly files: readonly string[];
  readonly reps: number;
  readonly peer: TorchPeer | undefined;
}

type PeerTimes = { ms: number; decodeMs: number; modelMs: number };

/** One thread/batch config: ours (decode → model → map) rep by rep, alternated with PyTorch eager and TorchScript. */
async function measureConfig(c: ConfigRun): Promise<object> {
  const { runner, bb, size, files } = c;
  const batch = files.length;
  await runner.runFiles([...files]); // warm-up
  await c.int8Runner?.runFiles([...files]);
  const t = { e2e: [] as number[], pre: [] as number[], model: [] as number[], backbone: [] as number[], int8: [] as number[], int8Model: [] as number[], eager: [] as PeerTimes[], script: [] as PeerTimes[] };
  for (let r = 0; r < c.reps; r++) {
    const t0 = performance.now();
    const buf = new Float32Array(batch * 3 * size * size);
    (await runner.loadImages(files)).forEach((img, i) => rgb8ToChw(img, buf, i * 3 * size * size));
    const t1 = performance.now();
    await runner.run(buf, batch);
    const t2 = performance.now();
    await bb.run({ image: float32Tensor(buf, [batch, 3, size, size]) }, c.backbone.taps.map((tap) => tap.name));
    const t3 = performance.now();
    t.e2e.push(t2 - t0);
    t.pre.push(t1 - t0);
    t.model.push(t2 - t1);
    t.backbone.push(t3 - t2);
    if (c.int8Runner) {
      const i0 = performance.now();
      const img = await c.int8Runner.loadImages(files);
      const i1 = performance.now();
      await c.int8Runner.score(img);
      const i2 = performance.now();
      t.int8.push(i2 - i0);
      t.int8Model.push(i2 - i1);
    }
    if (c.peer) {
      t.eager.push(await c.peer.send<PeerTimes>('score_files', { batch, mode: 'eager' }));
      t.script.push(await c.peer.send<PeerTimes>('score_files', { batch, mode: 'script' }));
    }
  }
  const m = median(t.model);
  const b = median(t.backbone);
  const ours = {
    imagesPerSecond: (batch * 1000) / median(t.e2e),
    decodePreprocessMs: median(t.pre),
    modelMs: m,
    backboneMs: b,
    flowShareOfModel: Math.max(0, (m - b) / m),
    executionProvider: runner.provider,
  };
  const int8 = c.int8Runner && {
    imagesPerSecond: (batch * 1000) / median(t.int8),
    modelMs: median(t.int8Model),
    endToEndVsFp32: median(t.e2e) / median(t.int8),
    modelOnlyVsFp32: m / median(t.int8Model),
  };
  return { ...ours, ...(int8 ? { int8 } : {}), ...(c.peer ? torchColumns(t.e2e, t.model, t.eager, t.script, batch) : {}) };
}

/** PyTorch's medians and our ratios to its best mode, end to end and model only (> 1: we are faster). */
function torchColumns(e2e: number[], model: number[], eager: PeerTimes[], script: PeerTimes[], batch: number) {
  const med = (xs: PeerTimes[], k: keyof PeerTimes) => median(xs.map((x) => x[k]));
  const best = Math.min(med(eager, 'ms'), med(script, 'ms'));
  const bestModel = Math.min(med(eager, 'modelMs'), med(script, 'modelMs'));
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return {
    torch: {
      eagerImagesPerSecond: round((batch * 1000) / med(eager, 'ms')),
      scriptImagesPerSecond: round((batch * 1000) / med(script, 'ms')),
      decodePreprocessMs: round(Math.min(med(eager, 'decodeMs'), med(script, 'decodeMs'))),
      eagerModelMs: round(med(eager, 'modelMs')),
      scriptModelMs: round(med(script, 'modelMs')),
    },
    endToEndVsTorchBest: round(best / median(e2e)),
    modelOnlyVsTorchBest: round(bestModel / median(model)),
  };
}
