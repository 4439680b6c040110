/**
 * Standalone inference (`flowspect infer`): an exported ONNX file + a folder of images → a CSV (path, score,
 * verdict, map file) and optional map PNGs. Needs no project: input size, fit policy and thresholds come from the
 * file's metadata.
 */
import fs from 'node:fs';
import path from 'node:path';
import { csvField } from '../core/csv.js';
import type { SessionConfig } from '../runtime/index.js';
import { verdictOf } from '../train/thresholds.js';
import { writeMapPng } from '../model/maps.js';
import { ModelRunner } from './model-runner.js';

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp']);

export interface StandaloneOptions {
  readonly model: string;
  readonly images: string;
  readonly out: string;
  readonly maps?: string;
  readonly batchSize?: number;
  readonly session?: SessionConfig;
  readonly signal?: AbortSignal;
  readonly progress?: (fraction: number, message: string) => void;
}

export interface StandaloneSummary {
  readonly images: number;
  readonly failed: { file: string; reason: string }[];
  readonly out: string;
  readonly executionProvider: string;
  readonly seconds: number;
  readonly imagesPerSecond: number;
  readonly verdicts: { accept: number; review: number; reject: number };
  readonly thresholds: { review: number; reject: number; method: string };
}

/** Image files under `dir` (recursive), sorted. */
export function listImages(dir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true, recursive: true });
  } catch (err) {
    throw new Error(`--images ${dir}: cannot read the folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return entries
    .filter((e) => e.isFile() && IMAGE_EXT.has(path.extname(e.name).toLowerCase()))
    .map((e) => path.join(e.parentPath ?? dir, e.name))
    .sort();
}

export async function inferFolder(o: StandaloneOptions): Promise<StandaloneSummary> {
  const files = listImages(o.images);
  if (files.length === 0) throw new Error(`--images ${o.images}: no image files (${[...IMAGE_EXT].join(' ')})`);
  if (o.maps) fs.mkdirSync(o.maps, { recursive: true });
  const runner = await ModelRunner.open(o.model, o.session ?? {});
  const t = runner.metadata.thresholds;
  const { height, width } = runner.metadata.input;
  // Aligned models also say how far each part sat from the reference: fixture drift shows up here first.
  const lines = [runner.aligned ? 'path,score,verdict,map_file,shift_x,shift_y' : 'path,score,verdict,map_file'];
  const failed: StandaloneSummary['failed'] = [];
  const verdicts = { accept: 0, review: 0, reject: 0 };
  const batchSize = o.batchSize ?? 8;
  const started = performance.now();
  try {
    for (let start = 0; start < files.length; start += batchSize) {
      o.signal?.throwIfAborted();
      // Decode one by one so a broken file is reported and skipped rather than failing the batch.
      const ok: string[] = [];
      const buffers: Buffer[] = [];
      for (const f of files.slice(start, start + batchSize)) {
        try {
          buffers.push(fs.readFileSync(f));
          ok.push(f);
        } catch (err) {
          failed.push({ file: f, reason: (err as Error).message });
        }
      }
      let r;
      try {
        r = ok.length ? await runner.runFiles(buffers) : null;
      } catch {
        r = null;
        // retry singly to isolate the bad file(s)
        for (let i = 0; i < ok.length; i++) {
          try {
            const one = await runner.runFiles([buffers[i]]);
            await emit(ok[i], one.scores[0], one.maps[0], one.shifts?.[0]);
          } catch (err) {
            failed.push({ file: ok[i], reason: (err as Error).message.replace(/^preprocess: cannot read image: /, '') });
          }
        }
      }
      if (r) for (let i = 0; i < ok.length; i++) await emit(ok[i], r.scores[i], r.maps[i], r.shifts?.[i]);
      o.progress?.(Math.min(1, (start + batchSize) / files.length), `${Math.min(files.length, start + batchSize)}/${files.length} images on ${runner.provider}`);
    }
  } finally {
    await runner.release();
  }
  fs.writeFileSync(o.out, lines.join('\n') + '\n');
  const seconds = (performance.now() - started) / 1000;
  const scored = lines.length - 1;
  return {
    images: scored,
    failed,
    out: path.resolve(o.out),
    executionProvider: runner.provider,
    seconds,
    imagesPerSecond: scored / Math.max(seconds, 1e-6),
    verdicts,
    thresholds: { review: t.review, reject: t.reject, method: t.method },
  };

  async function emit(file: string, score: number, map: Float32Array, shift?: { x: number; y: number }): Promise<void> {
    const verdict = verdictOf(score, t);
    verdicts[verdict]++;
    let mapFile = '';
    if (o.maps) {
      const rel = path.relative(o.images, file).replace(/[\\/]/g, '__').replace(/\.[^.]+$/, '');
      mapFile = path.join(o.maps, `${rel}_map.png`);
      await writeMapPng(mapFile, map, width, height, t.reject);
    }
    const row = [csvField(path.relative(o.images, file)), score.toPrecision(8), verdict, csvField(mapFile)];
    if (shift) row.push(shift.x.toFixed(3), shift.y.toFixed(3));
    lines.push(row.join(','));
  }
}
