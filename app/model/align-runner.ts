/**
 * Runs the alignment of app/model/align.ts outside the model graph: training aligns its images once, before
 * synthesis and feature extraction, with the very ops the exported model runs in front of its backbone.
 */
import { Graph, serialize } from '../graph/index.js';
import { type Session, type SessionConfig, createSession, float32Tensor } from '../runtime/index.js';
import { type AlignGeometry, type AlignReference, alignImage, alignSignals, makeReference, shiftOutput } from './align.js';

const IMAGE = 'image';

export interface AlignedImage {
  /** (3, H, W) RGB in [0, 255], moved onto the reference. */
  readonly image: Float32Array;
  /** aligned(p) = image(p + shift), pixels. */
  readonly shift: { readonly x: number; readonly y: number };
}

export class ImageAligner {
  private constructor(
    readonly reference: AlignReference,
    private readonly session: Session,
  ) {}

  /** `referenceImage`: (3, H, W) RGB in [0, 255] at the model's input size (preprocessed like every image). */
  static async create(referenceImage: Float32Array, geo: AlignGeometry, config: SessionConfig = {}): Promise<ImageAligner> {
    const { height: h, width: w } = geo;
    if (referenceImage.length !== 3 * h * w) throw new Error(`alignment: reference image has ${referenceImage.length} values, (3, ${h}, ${w}) needs ${3 * h * w}`);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of referenceImage) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    if (!(hi - lo >= 2)) throw new Error('alignment: the reference image has no detail to align on (it is flat)');
    const sg = new Graph({ name: 'flowspect-align-signals' });
    const signals = alignSignals(sg.input(IMAGE, [1, 3, h, w]), geo);
    sg.output('coarse', signals.coarse);
    sg.output('fine', signals.fine);
    const signalSession = await createSession(serialize(sg), config);
    let reference: AlignReference;
    try {
      const out = await signalSession.run({ [IMAGE]: float32Tensor(referenceImage, [1, 3, h, w]) }, ['coarse', 'fine']);
      reference = makeReference(geo, out.coarse.data as Float32Array, out.fine.data as Float32Array);
    } finally {
      await signalSession.release();
    }
    const g = new Graph({ name: 'flowspect-align' });
    const aligned = alignImage(g.input(IMAGE, [1, 3, h, w]), reference);
    g.output('aligned', aligned.image);
    g.output('shift', shiftOutput(aligned.shift));
    return new ImageAligner(reference, await createSession(serialize(g), config));
  }

  async align(image: Float32Array): Promise<AlignedImage> {
    const { height: h, width: w } = this.reference.geometry;
    const out = await this.session.run({ [IMAGE]: float32Tensor(image, [1, 3, h, w]) }, ['aligned', 'shift']);
    const s = out.shift.data as Float32Array;
    return { image: out.aligned.data as Float32Array, shift: { x: s[0], y: s[1] } };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
