import sharp from 'sharp';
import { builtinBackbone } from '../app/model/backbone/builtin.js';
import { BackboneExtractor } from '../app/model/backbone/extractor.js';
import { DEFAULT_PREPROCESS, loadRgb8, rgb8ToChw } from '../app/model/features/preprocess.js';
import type { BenchOptions } from './types.js';

/**
 * Built-in backbone (MobileNetV2 to block_9_add) throughput at 256²: images/s for batch 1 and 8, 1 and 2 intra-op
 * threads, on preprocessed tensors ("model") and from encoded 640×480 PNGs through sharp ("with preprocessing",
 * decode + orient + resize + layout, sequential on the calling thread). Medians of the rounds (after a warm-up run).
 */
export async function run(options: BenchOptions): Promise<object> {
  const t0 = performance.now();
  const info = builtinBackbone();
  const ensureMs = performance.now() - t0;
  const { width, height } = DEFAULT_PREPROCESS;
  const pngs = await Promise.all(
    Array.from({ length: 8 }, (_, i) => {
      const raw = Buffer.alloc(640 * 480 * 3);
      for (let p = 0; p < raw.length; p++) raw[p] = (p * (i + 7) + (p >> 9)) % 253;
      return sharp(raw, { raw: { width: 640, height: 480, channels: 3 } }).png({ compressionLevel: 6 }).toBuffer();
    }),
  );
  const rounds = options.quick ? 2 : 6;
  const results: Record<string, { modelImagesPerSecond: number; withPreprocessingImagesPerSecond: number; modelMsPerBatch: number; bestModelMsPerBatch: number }> = {};
  for (const threads of [1, 2]) {
    const extractor = await BackboneExtractor.create(info, { provider: 'cpu', intraOpThreads: threads });
    for (const batch of [1, 8]) {
      const input = new Float32Array(batch * 3 * width * height);
      for (let i = 0; i < input.length; i++) input[i] = (i * 31) % 256;
      await extractor.run(input, batch, height, width); // warm-up: first run is several times slower
      const model: number[] = [];
      const full: number[] = [];
      for (let r = 0; r < rounds; r++) {
        let t = performance.now();
        await extractor.run(input, batch, height, width);
        model.push(performance.now() - t);
        t = performance.now();
        const x = new Float32Array(batch * 3 * width * height);
        for (let i = 0; i < batch; i++) rgb8ToChw(await loadRgb8(pngs[i], DEFAULT_PREPROCESS), x, i * 3 * width * height);
        await extractor.run(x, batch, height, width);
        full.push(performance.now() - t);
      }
      const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
      results[`batch${batch}_threads${threads}`] = {
        modelImagesPerSecond: round((1000 * batch) / med(model)),
        withPreprocessingImagesPerSecond: round((1000 * batch) / med(full)),
        modelMsPerBatch: round(med(model)),
        // The fastest round: on a shared machine the median carries other processes' load.
        bestModelMsPerBatch: round(Math.min(...model)),
      };
      options.log(`batch ${batch}, ${threads} thread(s): ${round(med(model))} ms/batch model, ${round(med(full))} ms/batch with preprocessing`);
    }
    await extractor.release();
  }
  // Preprocessing alone, per image.
  const times: number[] = [];
  for (let r = 0; r < rounds * 4; r++) {
    const t = performance.now();
    rgb8ToChw(await loadRgb8(pngs[r % 8], DEFAULT_PREPROCESS), new Float32Array(3 * width * height));
    times.push(performance.now() - t);
  }
  const preprocessMs = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
  return {
    backbone: info.name,
    sha256: info.sha256,
    input: `${width}x${height}`,
    taps: info.taps,
    ensureBuiltinMs: round(ensureMs),
    preprocessMsPerImage640x480Png: round(preprocessMs),
    results,
  };
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
