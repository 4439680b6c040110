/**
 * `flowspect bench infer --tiling`: whole-part scoring with a tiled model (256-px tiles, 32 px overlap) on 1024²,
 * 2048² and 4096² parts: parts/s, tiles/s, and the peak resident memory while scoring each size (sampled every
 * 5 ms), next to the same parts scored by the untiled default model (resized to 256²) in the same run — the
 * ratio is what tiling costs. The models have fresh weights: speed does not depend on the values.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { ModelRunner } from '../app/infer/model-runner.js';
import { tileRects } from '../app/model/tiling.js';
import { benchModel } from './infer.js';
import type { BenchOptions } from './types.js';

const TILING = { size: 256, overlap: 32 };
const MiB = 1024 * 1024;

/** A part of side `side`: a smooth pattern (PNG compresses it less than flat grey, as a photo would). */
async function part(dir: string, side: number): Promise<string> {
  const px = Buffer.alloc(side * side * 3);
  for (let j = 0; j < px.length; j++) px[j] = (j * 7 + ((j / (side * 3)) | 0) * 13) & 255;
  const file = path.join(dir, `part-${side}.png`);
  await sharp(px, { raw: { width: side, height: side, channels: 3 } }).png({ compressionLevel: 1 }).toFile(file);
  return file;
}

/** Runs `fn` `reps` times; median seconds and the largest RSS seen meanwhile. */
async function measure(reps: number, fn: () => Promise<unknown>): Promise<{ seconds: number; peakRss: number }> {
  let peakRss = process.memoryUsage().rss;
  const timer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 5);
  const times: number[] = [];
  try {
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      await fn();
      times.push((performance.now() - t0) / 1000);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
  } finally {
    clearInterval(timer);
  }
  return { seconds: [...times].sort((a, b) => a - b)[times.length >> 1]!, peakRss };
}

export async function run(options: BenchOptions): Promise<object> {
  const reps = options.quick ? 1 : 3;
  const sides = options.quick ? [1024, 2048] : [1024, 2048, 4096];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowspect-bench-tiling-'));
  const rows: object[] = [];
  try {
    const tiled = await ModelRunner.open((await benchModel({ imageSize: 256, tiling: TILING }, dir)).bytes, { intraOpThreads: 2 }, 'tiled bench model');
    const plain = await ModelRunner.open((await benchModel({ imageSize: 256 }, dir)).bytes, { intraOpThreads: 2 }, 'bench model');
    try {
      for (const side of sides) {
        const file = await part(dir, side);
        await tiled.runFiles([file]); // warm-up
        await plain.runFiles([file]);
        const baseRss = process.memoryUsage().rss;
        const t = await measure(reps, () => tiled.runFiles([file]));
        const p = await measure(reps, () => plain.runFiles([file]));
        const tiles = tileRects(side, side, TILING).length;
        const row = {
          side,
          tiles,
          partsPerSecond: 1 / t.seconds,
          tilesPerSecond: tiles / t.seconds,
          untiledPartsPerSecond: 1 / p.seconds,
          costVsUntiled: t.seconds / p.seconds,
          rssBeforeMiB: Math.round(baseRss / MiB),
          peakRssMiB: Math.round(t.peakRss / MiB),
          mapMiB: Math.round((side * side * 4) / MiB),
          executionProvider: tiled.provider,
        };
        rows.push(row);
        options.log(JSON.stringify(row));
      }
    } finally {
      await tiled.release();
      await plain.release();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { tiling: TILING, threads: 2, batchOfTiles: 8, reps, sizes: rows };
}
