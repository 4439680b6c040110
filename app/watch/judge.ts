/**
 * Judges a batch of arrived files with a project's model, loaded ONCE: the model file is opened, checked and sealed
 * the way Review's "Run inference" opens it (infer/project-model.ts → ModelRunner) and reused for every batch. Per
 * file: bounded read (core/bounded-read.ts), the importer's strict inspection (dataset/read-image.ts: decode,
 * thumbnail, hash — a truncated PNG or JPEG is refused here), the model's preprocessing; then one ONNX run for the
 * batch. Whatever cannot be judged is an 'error' verdict with its reason, never a pass; verdicts come from
 * core/bands.ts with the thresholds the caller read from the model. A file that changed or vanished after it looked
 * complete is not judged at all (it is looked at again, or was moved away by someone else).
 */
import fs from 'node:fs';
import { bandsProblem, type Bands, type Verdict, verdictOf } from '../core/bands.js';
import { AppError } from '../core/errors.js';
import { FileReadError, readBoundedFile } from '../core/bounded-read.js';
import { inspectImageBytes, type InspectedImage, RejectedFile } from '../dataset/read-image.js';
import type { Rgb8 } from '../model/features/preprocess.js';
import type { BatchResult, ModelRunner } from '../infer/model-runner.js';
import { openProjectModel } from '../infer/project-model.js';
import type { SessionConfig } from '../runtime/index.js';
import { getModel, type ModelRecord } from '../store/models.js';
import type { Project } from '../store/project.js';
import { createHash } from 'node:crypto';
import type { ArrivedFile } from './arrivals.js';

/** What is stored of a part: its bytes and what inspection learnt (null fields when it could not be decoded). */
export interface PartBytes {
  readonly bytes: Buffer;
  readonly sha256: string;
  readonly image: InspectedImage | null;
}

export type Judgement =
  | {
      readonly kind: 'judged';
      readonly file: ArrivedFile;
      readonly verdict: Verdict;
      readonly score: number | null;
      readonly reason: string | null;
      readonly part: PartBytes | null;
      readonly map: Float32Array | null;
      /** The map's size (the model input, or the part's own size for tiled models). */
      readonly mapSize?: { readonly width: number; readonly height: number };
    }
  /** It changed after it looked complete (or vanished): not judged, look again. */
  | { readonly kind: 'changed' | 'gone'; readonly file: ArrivedFile };

type Read = { kind: 'part'; part: PartBytes; pixels: Rgb8 | null; reason: string | null } | { kind: 'error'; reason: string } | { kind: 'changed' } | { kind: 'gone' };

const errorOf = (file: ArrivedFile, reason: string, part: PartBytes | null): Judgement => ({ kind: 'judged', file, verdict: 'error', score: null, reason, part, map: null });

export class PartJudge {
  private constructor(
    readonly model: ModelRecord,
    private readonly runner: ModelRunner,
  ) {}

  /** Opens the project's ready model once (integrity checked; sealed on first use). */
  static async open(project: Project, modelId: number, session: SessionConfig = {}): Promise<PartJudge> {
    const model = getModel(project.db, modelId);
    if (!model) throw new AppError('not_found', `model ${modelId} does not exist in ${project.dir}`);
    if (model.status !== 'ready' || !model.onnxPath) throw new AppError('conflict', `model ${modelId} is ${model.status}; only a ready model can judge parts`);
    return new PartJudge(model, await openProjectModel(project, model, session));
  }

  get input(): { readonly width: number; readonly height: number } {
    return this.runner.metadata.input;
  }

  get provider(): string {
    return this.runner.provider;
  }

  /** Judges the files (one ONNX run for those that decode), in their order. */
  async judge(files: readonly ArrivedFile[], bands: Bands | null): Promise<Judgement[]> {
    const reads = await Promise.all(files.map((f) => this.read(f)));
    const runnable = reads.flatMap((r, i) => (r.kind === 'part' && r.pixels ? [i] : []));
    let scores: Float32Array | null = null;
    let maps: Float32Array[] = [];
    let sizes: BatchResult['sizes'] = [];
    let failure: string | null = null;
    if (runnable.length > 0) {
      try {
        const out = await this.runner.score(runnable.map((i) => (reads[i] as { pixels: Rgb8 }).pixels));
        ({ scores, maps, sizes } = out);
      } catch (err) {
        failure = `the model failed on this batch: ${(err as Error).message}`;
      }
    }
    return files.map((file, i): Judgement => {
      const r = reads[i]!;
      if (r.kind === 'changed' || r.kind === 'gone') return { kind: r.kind, file };
      if (r.kind === 'error') return errorOf(file, r.reason, null);
      const k = runnable.indexOf(i);
      if (k < 0 || !scores) return errorOf(file, r.reason ?? failure ?? 'not scored', r.part);
      const score = scores[k]!;
      const verdict = verdictOf(score, bands);
      if (verdict === 'error') {
        const problem = bandsProblem(bands);
        return errorOf(file, problem ? `model ${this.model.id} cannot judge: ${problem}` : `the model gave no finite score (${score})`, r.part);
      }
      return { kind: 'judged', file, verdict, score, reason: null, part: r.part, map: maps[k]!, mapSize: sizes[k]! };
    });
  }

  /** Reads, inspects and preprocesses one file; what fails becomes the reason of an 'error' verdict. */
  private async read(file: ArrivedFile): Promise<Read> {
    let bytes: Buffer;
    try {
      bytes = await readBoundedFile(file.sourcePath, 'image');
    } catch (err) {
      if (!(await exists(file.sourcePath))) return { kind: 'gone' };
      if (err instanceof FileReadError && /grew|shrank/.test(err.reason)) return { kind: 'changed' };
      return { kind: 'error', reason: err instanceof FileReadError ? err.reason : (err as Error).message };
    }
    const now = await fs.promises.stat(file.sourcePath).catch(() => null);
    if (!now) return { kind: 'gone' };
    if (bytes.length !== file.size || now.size !== file.size || now.mtimeMs !== file.mtimeMs) return { kind: 'changed' };
    const part = { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
    let image: InspectedImage;
    try {
      image = await inspectImageBytes(part);
    } catch (err) {
      // Whatever the decoder throws is this file's problem, never the line's: an 'error' verdict, and on to the next.
      const reason = err instanceof RejectedFile ? err.message : `cannot decode: ${(err as Error).message}`;
      return { kind: 'part', part: { ...part, image: null }, pixels: null, reason };
    }
    try {
      const rgb = await this.runner.loadImage(image.storedPng ?? bytes, file.name);
      return { kind: 'part', part: { ...part, image }, pixels: rgb, reason: null };
    } catch (err) {
      return { kind: 'part', part: { ...part, image }, pixels: null, reason: (err as Error).message };
    }
  }

  async release(): Promise<void> {
    await this.runner.release();
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.promises.access(file).then(
    () => true,
    () => false,
  );
}
