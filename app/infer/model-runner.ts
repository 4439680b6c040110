/**
 * Runs an exported Flowspect ONNX model: image batches (N, 3, H, W) RGB [0, 255] → scores (N) and maps (N, H, W).
 * Everything it needs (input size, fit policy, thresholds) comes from the file's metadata_props. Opening checks the
 * file's integrity (app/model/integrity.ts) — content hash, then the reference output on the known input through
 * this very session — and refuses a file that fails either, or that has no integrity record at all.
 */
import onnxProto from 'onnx-proto';
import type ort from 'onnxruntime-node';
import { AppError } from '../core/errors.js';
import { readBoundedFile } from '../core/bounded-read.js';
import { type PreprocessOptions, loadRgb8, loadRgb8Native, type Rgb8, rgb8ToChw } from '../model/features/preprocess.js';
import type { TileBox, TilingSettings } from '../model/tiling.js';
import { TILE_BOX_INPUT, tileBoxFeed } from '../model/flow/position.js';
import { scoreTiled } from './tiled-scoring.js';
import { type Session, type SessionConfig, createSession, float32Tensor } from '../runtime/index.js';
import { SHIFT_OUTPUT } from '../model/flow/graphs.js';
import { type ModelMetadata, readMetadata } from '../model/metadata.js';
import { checkContentHash, compareReference, ModelIntegrityError, REFERENCE_TILE_BOXES, type ReferenceOutput, referenceBatch, referenceValues } from '../model/integrity.js';

const REEXPORT = 're-export it from its project (flowspect export PROJECT --model ID --out FILE.onnx)';

/** The file's ModelProto and Flowspect metadata; a file that is not one is refused with the reason. */
export function decodeModelFile(bytes: Uint8Array, label: string): { model: onnxProto.onnx.ModelProto; metadata: ModelMetadata } {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnxProto.onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new AppError('invalid_file', `${label}: not an ONNX model (${(err as Error).message})`, { file: label });
  }
  try {
    return { model, metadata: readMetadata(model, label) };
  } catch (err) {
    throw new AppError('invalid_file', (err as Error).message, { file: label });
  }
}

/** The session's feeds for an (n, 3, H, W) batch: the image input, and each tile's box for position-conditioned models. */
export function modelFeeds(metadata: ModelMetadata, batch: Float32Array, n: number, boxes?: readonly TileBox[]): Record<string, ort.Tensor> {
  const { height: h, width: w, name } = metadata.input;
  const position = metadata.tiling?.position === true ? tileBoxFeed(boxes!) : {};
  return { [name]: float32Tensor(batch, [n, 3, h, w]), ...position };
}

/** Decoded images (already at the model's input size) as one (n, 3, H, W) batch. */
export function chwBatch(metadata: ModelMetadata, images: readonly Rgb8[]): Float32Array {
  const plane = 3 * metadata.input.height * metadata.input.width;
  const batch = new Float32Array(images.length * plane);
  images.forEach((img, i) => rgb8ToChw(img, batch, i * plane));
  return batch;
}

/** Decodes an image the way a model needs it: resized to the input, or at its own resolution when tiled. */
export function loadModelImage(metadata: ModelMetadata, input: string | Buffer, name?: string): Promise<Rgb8> {
  const { height, width, fit } = metadata.input;
  return metadata.tiling ? loadRgb8Native(input, name) : loadRgb8(input, { height, width, fit }, name);
}

export interface BatchResult {
  readonly scores: Float32Array;
  /** (H, W) per image, row-major; H and W are in `sizes`. */
  readonly maps: Float32Array[];
  /** Per image, the map's size: the model input, or the source resolution for tiled models. */
  readonly sizes: { readonly width: number; readonly height: number }[];
  /** Models trained with alignment: per image, how far it was moved onto the reference (pixels). */
  readonly shifts?: { readonly x: number; readonly y: number }[];
}

export class ModelRunner {
  private constructor(
    readonly metadata: ModelMetadata,
    private readonly session: Session,
    readonly label: string,
  ) {}

  /**
   * Opens a sealed model file (or its bytes): bounded read, content hash, metadata, session, input/output names,
   * reference output. Any mismatch is an AppError (`invalid_file`) naming `label` and what did not match.
   */
  static async open(source: string | Uint8Array, config: SessionConfig = {}, label = typeof source === 'string' ? source : 'model'): Promise<ModelRunner> {
    const bytes = typeof source === 'string' ? await readBoundedFile(source, 'model') : source;
    const record = checkContentHash(bytes, label);
    if (!record) throw new ModelIntegrityError(label, `has no integrity record (it was exported before Flowspect checked model files, or not by Flowspect); ${REEXPORT}`);
    if (!record.reference) throw new ModelIntegrityError(label, `has no reference output (a project's internal model file, not an exported one); ${REEXPORT}`);
    const { metadata } = decodeModelFile(bytes, label);
    let session: Session;
    try {
      session = await createSession(bytes, config);
    } catch (err) {
      throw new AppError('invalid_file', `${label}: ONNX Runtime cannot load it (${(err as Error).message})`, { file: label });
    }
    const runner = new ModelRunner(metadata, session, label);
    try {
      for (const name of [metadata.outputs.map, metadata.outputs.score]) {
        if (!session.outputNames.includes(name)) throw new ModelIntegrityError(label, `output "${name}" named in its metadata is missing (outputs: ${session.outputNames.join(', ')})`);
      }
      if (!session.inputNames.includes(metadata.input.name)) throw new ModelIntegrityError(label, `input "${metadata.input.name}" named in its metadata is missing (inputs: ${session.inputNames.join(', ')})`);
      const takesBox = session.inputNames.includes(TILE_BOX_INPUT);
      if (takesBox !== (metadata.tiling?.position === true)) {
        throw new ModelIntegrityError(label, takesBox ? `takes "${TILE_BOX_INPUT}" but its metadata does not say it is conditioned on tile position` : `its metadata says it is conditioned on tile position but it has no "${TILE_BOX_INPUT}" input`);
      }
      await runner.checkReference(record.reference);
    } catch (err) {
      await session.release();
      throw err;
    }
    return runner;
  }

  /**
   * Checks a model file the way {@link open} does (hash, session, names, reference output) and releases the
   * session: for readers that pass the file on rather than score with it (the Triton repository).
   */
  static async verify(source: string | Uint8Array, config: SessionConfig = {}, label = typeof source === 'string' ? source : 'model'): Promise<{ bytes: Uint8Array; metadata: ModelMetadata }> {
    const bytes = typeof source === 'string' ? await readBoundedFile(source, 'model') : source;
    const runner = await ModelRunner.open(bytes, { provider: 'cpu', ...config }, label);
    await runner.release();
    return { bytes, metadata: runner.metadata };
  }

  /** Runs the known input through this session and compares with what the file recorded when it was sealed. */
  private async checkReference(ref: ReferenceOutput): Promise<void> {
    const { height, width } = this.metadata.input;
    if (ref.height !== height || ref.width !== width) {
      throw new ModelIntegrityError(this.label, `its reference output is for ${ref.height}×${ref.width} images but the model takes ${height}×${width}`);
    }
    let out: BatchResult;
    try {
      out = await this.run(referenceBatch(height, width), 2, REFERENCE_TILE_BOXES);
    } catch (err) {
      throw new ModelIntegrityError(this.label, `does not run on the known input (${(err as Error).message})`);
    }
    const maps = new Float32Array(out.maps.reduce((n, m) => n + m.length, 0));
    out.maps.forEach((m, i) => maps.set(m, i * m.length));
    compareReference(referenceValues(out.scores, maps), ref, this.label, this.provider);
  }

  /** True for a model that aligns each image onto its training reference (it reports the shift it applied). */
  get aligned(): boolean {
    return this.session.outputNames.includes(SHIFT_OUTPUT);
  }

  get provider(): 'cuda' | 'cpu' {
    return this.session.provider;
  }

  get providerReason(): string {
    return this.session.reason;
  }

  get preprocess(): PreprocessOptions {
    const { height, width, fit } = this.metadata.input;
    return { height, width, fit };
  }

  /** True for a tiled model conditioned on where each tile lies in its part (it takes `tile_box`). */
  get positioned(): boolean {
    return this.metadata.tiling?.position === true;
  }

  /**
   * Scores an (n, 3, H, W) batch already preprocessed. Position-conditioned models need each tile's box in its part
   * (`boxes`, one per image); other models ignore them. Without them such a model refuses: a guessed position could
   * accept a defect that is only wrong where it is.
   */
  async run(batch: Float32Array, n: number, boxes?: readonly TileBox[]): Promise<BatchResult> {
    const { height: h, width: w } = this.metadata.input;
    if (batch.length !== n * 3 * h * w) throw new AppError('invalid_request', `${this.label}: batch has ${batch.length} values, (${n}, 3, ${h}, ${w}) needs ${n * 3 * h * w}`);
    if (this.positioned && boxes?.length !== n) {
      throw new AppError('invalid_request', `${this.label}: the model is conditioned on tile position and needs one tile box per image (${n} images, ${boxes?.length ?? 0} boxes); score whole parts with score() or runFiles(), which cut them into tiles`);
    }
    const fetch = [this.metadata.outputs.score, this.metadata.outputs.map, ...(this.aligned ? [SHIFT_OUTPUT] : [])];
    const out = await this.session.run(modelFeeds(this.metadata, batch, n, boxes), fetch);
    const scores = Float32Array.from(out[this.metadata.outputs.score].data as Float32Array);
    const m = out[this.metadata.outputs.map].data as Float32Array;
    const maps = Array.from({ length: n }, (_, i) => m.slice(i * h * w, (i + 1) * h * w));
    const sizes = maps.map(() => ({ width: w, height: h }));
    if (!this.aligned) return { scores, maps, sizes };
    const s = out[SHIFT_OUTPUT].data as Float32Array;
    return { scores, maps, sizes, shifts: Array.from({ length: n }, (_, i) => ({ x: s[2 * i], y: s[2 * i + 1] })) };
  }

  /** Tiled models: the tile geometry (the input is one tile). */
  get tiling(): TilingSettings | undefined {
    return this.metadata.tiling;
  }

  /** Decodes an image the way this model needs it: resized to the input, or at its own resolution when tiled. */
  async loadImage(input: string | Buffer, name?: string): Promise<Rgb8> {
    return loadModelImage(this.metadata, input, name);
  }

  /** Scores decoded images (from {@link loadImage}): one batch, or tile by tile with the maps stitched. */
  async score(images: readonly Rgb8[]): Promise<BatchResult> {
    if (this.tiling) return scoreTiled(this, this.tiling, images);
    return this.run(chwBatch(this.metadata, images), images.length);
  }

  /** Decodes, preprocesses (EXIF, grey/alpha/16-bit → RGB8, resize or tiles per the model) and scores image files. */
  async runFiles(files: readonly (string | Buffer)[]): Promise<BatchResult> {
    return this.score(await this.loadImages(files));
  }

  /**
   * Decodes a batch. Resized inputs decode concurrently: sharp works on libuv's pool, so a batch of 8 1024² PNGs
   * decodes on every core (bench/infer: +29 % end to end at batch 8 on 2 cores). Tiled models decode native
   * resolution (up to 64 Mpx, 192 MB each), so one at a time, to keep memory bounded.
   */
  async loadImages(files: readonly (string | Buffer)[]): Promise<Rgb8[]> {
    if (!this.tiling) return Promise.all(files.map((f) => this.loadImage(f)));
    const images: Rgb8[] = [];
    for (const f of files) images.push(await this.loadImage(f));
    return images;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
