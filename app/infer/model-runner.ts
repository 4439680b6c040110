/**
 * Runs an exported Flowspect ONNX model: image batches (N, 3, H, W) RGB [0, 255] → scores (N) and maps (N, H, W).
 * Everything it needs (input size, fit policy, thresholds) comes from the file's metadata_props.
 */
import fs from 'node:fs';
import onnxProto from 'onnx-proto';
import { type PreprocessOptions, loadRgb8, rgb8ToChw } from '../model/features/preprocess.js';
import { type Session, type SessionConfig, createSession, float32Tensor } from '../runtime/index.js';
import { SHIFT_OUTPUT } from '../model/flow/graphs.js';
import { type ModelMetadata, readMetadata } from '../model/metadata.js';

export interface BatchResult {
  readonly scores: Float32Array;
  /** (H, W) per image. */
  readonly maps: Float32Array[];
  /** Models trained with alignment: per image, how far it was moved onto the reference (pixels). */
  readonly shifts?: { readonly x: number; readonly y: number }[];
}

export class ModelRunner {
  private constructor(
    readonly metadata: ModelMetadata,
    private readonly session: Session,
    readonly label: string,
  ) {}

  static async open(source: string | Uint8Array, config: SessionConfig = {}, label = typeof source === 'string' ? source : 'model'): Promise<ModelRunner> {
    let bytes: Uint8Array;
    try {
      bytes = typeof source === 'string' ? fs.readFileSync(source) : source;
    } catch (err) {
      throw new Error(`${label}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    let model: onnxProto.onnx.ModelProto;
    try {
      model = onnxProto.onnx.ModelProto.decode(bytes);
    } catch (err) {
      throw new Error(`${label}: not an ONNX model (${(err as Error).message})`);
    }
    const metadata = readMetadata(model, label);
    const session = await createSession(bytes, config);
    for (const name of [metadata.outputs.map, metadata.outputs.score]) {
      if (!session.outputNames.includes(name)) throw new Error(`${label}: output "${name}" named in its metadata is missing`);
    }
    if (!session.inputNames.includes(metadata.input.name)) throw new Error(`${label}: input "${metadata.input.name}" named in its metadata is missing`);
    return new ModelRunner(metadata, session, label);
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

  /** Scores an (n, 3, H, W) batch already preprocessed. */
  async run(batch: Float32Array, n: number): Promise<BatchResult> {
    const { height: h, width: w, name } = this.metadata.input;
    if (batch.length !== n * 3 * h * w) throw new Error(`${this.label}: batch has ${batch.length} values, (${n}, 3, ${h}, ${w}) needs ${n * 3 * h * w}`);
    const fetch = [this.metadata.outputs.score, this.metadata.outputs.map, ...(this.aligned ? [SHIFT_OUTPUT] : [])];
    const out = await this.session.run({ [name]: float32Tensor(batch, [n, 3, h, w]) }, fetch);
    const scores = Float32Array.from(out[this.metadata.outputs.score].data as Float32Array);
    const m = out[this.metadata.outputs.map].data as Float32Array;
    const maps = Array.from({ length: n }, (_, i) => m.slice(i * h * w, (i + 1) * h * w));
    if (!this.aligned) return { scores, maps };
    const s = out[SHIFT_OUTPUT].data as Float32Array;
    return { scores, maps, shifts: Array.from({ length: n }, (_, i) => ({ x: s[2 * i], y: s[2 * i + 1] })) };
  }

  /** Decodes, preprocesses (EXIF, grey/alpha/16-bit → RGB8, resize per the model's policy) and scores image files. */
  async runFiles(files: readonly (string | Buffer)[]): Promise<BatchResult> {
    const { height: h, width: w } = this.metadata.input;
    const plane = 3 * h * w;
    const batch = new Float32Array(files.length * plane);
    for (let i = 0; i < files.length; i++) rgb8ToChw(await loadRgb8(files[i], this.preprocess), batch, i * plane);
    return this.run(batch, files.length);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
