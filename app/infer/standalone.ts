/**
 * Standalone inference (`flowspect infer`): an exported ONNX file + a folder of images → a CSV (path, score,
 * verdict, map file, reason) and optional map PNGs. Needs no project: input size, fit policy and thresholds come
 * from the file's metadata. Every image found gets exactly one CSV row; one that could not be judged (unreadable,
 * not decodable, refused by the model, or given a score that is not a finite number) gets the verdict 'error' and
 * the reason, never 'accept'.
 */
import fs from 'node:fs';
import path from 'node:path';
import { emptyVerdictCounts, type Verdict, verdictOf } from '../core/bands.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { FileReadError, readBoundedFile } from '../core/bounded-read.js';
import { csvField } from '../core/csv.js';
import type { Precision } from '../core/domain.js';
import { AppError } from '../core/errors.js';
import type { SessionConfig } from '../runtime/index.js';
import { writeMapPng } from '../model/maps.js';
import { type BatchResult, ModelRunner } from './model-runner.js';
import { IMAGE_EXT, listImages, mapFileNames, refuseOverwritingInputs, relativeName } from './standalone-files.js';

export { listImages } from './standalone-files.js';

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
  /** Image files found (each has one CSV row). */
  readonly images: number;
  /** Images with an accept / review / reject verdict. */
  readonly judged: number;
  /** Images with the verdict 'error', each with why (also in the CSV's reason column). */
  readonly unjudged: { file: string; reason: string }[];
  readonly out: string;
  readonly executionProvider: string;
  /** The model file's precision ('int8' files run an integer backbone, app/infer/int8/export.ts). */
  readonly precision: Precision;
  readonly seconds: number;
  readonly imagesPerSecond: number;
  readonly verdicts: Record<Verdict, number>;
  readonly thresholds: { review: number; reject: number; method: string };
}

interface Row {
  readonly score: number | null;
  readonly verdict: Verdict;
  readonly mapFile: string;
  readonly shift?: { x: number; y: number };
  readonly reason: string;
}

const scoreCell = (score: number | null): string => (score === null ? '' : Number.isFinite(score) ? score.toPrecision(8) : String(score));

function csvLines(imagesDir: string, files: readonly string[], rows: readonly Row[], aligned: boolean): string[] {
  const header = ['path', 'score', 'verdict', 'map_file', ...(aligned ? ['shift_x', 'shift_y'] : []), 'reason'];
  return [
    header.join(','),
    ...files.map((f, i) => {
      const r = rows[i]!;
      const shift = aligned ? [r.shift ? r.shift.x.toFixed(3) : '', r.shift ? r.shift.y.toFixed(3) : ''] : [];
      return [csvField(relativeName(imagesDir, f)), scoreCell(r.score), r.verdict, csvField(r.mapFile), ...shift, csvField(r.reason)].join(',');
    }),
  ];
}

export async function inferFolder(o: StandaloneOptions): Promise<StandaloneSummary> {
  const files = listImages(o.images);
  if (files.length === 0) throw new AppError('invalid_request', `--images ${o.images}: no image files (${[...IMAGE_EXT].join(' ')})`);
  const mapNames = o.maps ? mapFileNames(o.images, files) : null;
  refuseOverwritingInputs(files, o.out, o.maps && mapNames ? { dir: o.maps, names: mapNames } : undefined);
  if (o.maps) fs.mkdirSync(o.maps, { recursive: true });
  const runner = await ModelRunner.open(o.model, o.session ?? {});
  const t = runner.metadata.thresholds;
  const rows: Row[] = new Array(files.length);
  const batchSize = o.batchSize ?? 8;
  const started = performance.now();
  const judge = async (i: number, score: number, map: Float32Array, size: MapSize, shift?: { x: number; y: number }): Promise<void> => {
    const verdict = verdictOf(score, t);
    let mapFile = '';
    if (o.maps && mapNames) {
      mapFile = path.join(o.maps, mapNames.get(files[i]!)!);
      await writeMapPng(mapFile, map, size.width, size.height, t.reject);
    }
    const reason = verdict !== 'error' ? '' : Number.isFinite(score) ? `the model's thresholds cannot judge a score (review ${t.review}, reject ${t.reject})` : `the model gave a score that is not a finite number (${score})`;
    rows[i] = { score, verdict, mapFile, shift, reason };
  };
  const fail = (i: number, reason: string): void => {
    rows[i] = { score: null, verdict: 'error', mapFile: '', reason };
  };
  try {
    for (let start = 0; start < files.length; start += batchSize) {
      o.signal?.throwIfAborted();
      await scoreBatch(runner, files, start, Math.min(files.length, start + batchSize), judge, fail);
      const done = Math.min(files.length, start + batchSize);
      o.progress?.(done / files.length, `${done}/${files.length} images on ${runner.provider}`);
    }
  } finally {
    await runner.release();
  }
  writeFileAtomic(o.out, csvLines(o.images, files, rows, runner.aligned).join('\n') + '\n');
  const seconds = (performance.now() - started) / 1000;
  const verdicts = emptyVerdictCounts();
  for (const r of rows) verdicts[r.verdict]++;
  const judged = files.length - verdicts.error;
  return {
    images: files.length,
    judged,
    unjudged: rows.flatMap((r, i) => (r.verdict === 'error' ? [{ file: files[i]!, reason: r.reason }] : [])),
    out: path.resolve(o.out),
    executionProvider: runner.provider,
    precision: runner.metadata.precision ?? 'fp32',
    seconds,
    imagesPerSecond: judged / Math.max(seconds, 1e-6),
    verdicts,
    thresholds: { review: t.review, reject: t.reject, method: t.method },
  };
}

type MapSize = BatchResult['sizes'][number];
type Judge = (i: number, score: number, map: Float32Array, size: MapSize, shift?: { x: number; y: number }) => Promise<void>;

/**
 * Scores files[start, end) as one batch; when the batch fails, each file alone, so one bad file is named and the
 * rest are still scored. A file that cannot be read or scored is failed with the reason.
 */
async function scoreBatch(runner: ModelRunner, files: readonly string[], start: number, end: number, judge: Judge, fail: (i: number, reason: string) => void): Promise<void> {
  const ok: number[] = [];
  const buffers: Buffer[] = [];
  for (let i = start; i < end; i++) {
    try {
      buffers.push(await readBoundedFile(files[i]!, 'image'));
      ok.push(i);
    } catch (err) {
      fail(i, err instanceof FileReadError ? err.reason : `cannot read the file (${(err as Error).message})`);
    }
  }
  if (ok.length === 0) return;
  try {
    const r = await runner.runFiles(buffers);
    for (let k = 0; k < ok.length; k++) await judge(ok[k]!, r.scores[k]!, r.maps[k]!, r.sizes[k]!, r.shifts?.[k]);
    return;
  } catch {
    // retry singly below to isolate the bad file(s)
  }
  for (let k = 0; k < ok.length; k++) {
    try {
      const one = await runner.runFiles([buffers[k]!]);
      await judge(ok[k]!, one.scores[0]!, one.maps[0]!, one.sizes[0]!, one.shifts?.[0]);
    } catch (err) {
      fail(ok[k]!, (err as Error).message.replace(/^preprocess: cannot read image: /, ''));
    }
  }
}
