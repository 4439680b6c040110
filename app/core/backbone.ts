/**
 * What the rest of Flowspect knows about a backbone: an ONNX feature extractor with one image input and one output
 * per tap. Every stored backbone (built-in or imported) follows the same input convention, so the model code never
 * needs to know where it came from:
 *   input `image`: (N, 3, H, W) float32, RGB, values in [0, 255] — normalisation happens inside the graph;
 *   outputs: one (N, C_tap, H / stride, W / stride) float32 tensor per tap, named like the tap.
 * N, H and W are symbolic in the stored file; H and W must be multiples of `input.multipleOf`.
 */
export const BACKBONE_INPUT_NAME = 'image';

export interface BackboneTap {
  /** Tensor name in the backbone graph, also the graph output name. */
  readonly name: string;
  readonly channels: number;
  /** Input size / tap size, e.g. 4 for a (N, C, H/4, W/4) tap. */
  readonly stride: number;
}

export interface BackboneInput {
  readonly name: typeof BACKBONE_INPUT_NAME;
  /** H and W must be multiples of this (the largest tap stride). */
  readonly multipleOf: number;
}

export interface BackboneInfo {
  readonly name: string;
  readonly kind: 'builtin' | 'imported';
  /** sha256 (hex) of the ONNX file; part of every feature-cache key. */
  readonly sha256: string;
  /** Absolute path of the ONNX file. */
  readonly path: string;
  readonly taps: readonly BackboneTap[];
  readonly input: BackboneInput;
  /** Free-text provenance, e.g. `nsfwjs@4.4.0 (MIT)` or the imported file's name. */
  readonly source: string;
}
