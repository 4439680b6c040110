import { z } from 'zod';
import { AppError } from '../core/errors.js';

/**
 * Synthesis parameters: the zod schema (with the allowed range of every field) and the types derived from it.
 * Spatial sizes are fractions of the image (area fractions, or fractions of the short side / diagonal) so one preset
 * behaves alike at 64² and 1024².
 */

function num(lo: number, hi: number, what = 'a number'): z.ZodNumber {
  const msg = `must be ${what} in [${lo}, ${hi}]`;
  return z.number({ error: msg }).min(lo, { error: msg }).max(hi, { error: msg });
}

function int(lo: number, hi: number): z.ZodNumber {
  return num(lo, hi, 'an integer').int({ error: `must be an integer in [${lo}, ${hi}]` });
}

/** A [min, max] pair inside [lo, hi] with min ≤ max. */
function range(lo: number, hi: number, integer = false) {
  const el = integer ? int(lo, hi) : num(lo, hi);
  return z
    .tuple([el, el], { error: `must be a [min, max] pair within [${lo}, ${hi}]` })
    .refine((r) => r[0] <= r[1], { error: `min must not exceed max (allowed range [${lo}, ${hi}])` });
}

const angle = range(-180, 180);

export const PerlinShape = z.strictObject({
  kind: z.literal('perlin'),
  /** Area of one blob as a fraction of the image area; the noise threshold is chosen to hit it. */
  area: range(0.00005, 0.5),
  /** Width / height of the blob's envelope. */
  aspect: range(0.1, 10),
  angle,
  /** Noise cells across the blob (higher = more ragged detail). */
  scale: range(0.5, 16),
  octaves: int(1, 6),
  /** 0 = smooth ellipse-like blob, 1 = pure thresholded noise (fragmented, DRAEM-like). */
  roughness: num(0, 1),
});

export const BoxShape = z.strictObject({
  kind: z.literal('box'),
  area: range(0.00005, 0.5),
  aspect: range(0.05, 20),
  angle,
});

export const SpotShape = z.strictObject({
  kind: z.literal('spot'),
  area: range(0.00001, 0.2),
  aspect: range(0.2, 5),
  angle,
});

export const ScratchShape = z.strictObject({
  kind: z.literal('scratch'),
  /** Length as a fraction of the image diagonal. */
  length: range(0.01, 1),
  /** Width as a fraction of the image's short side (never thinner than 1 px). */
  width: range(0.0005, 0.05),
  /** Total turning of the curve along its length, in degrees (sign chosen at random). */
  curvature: range(0, 360),
  angle,
});

export const CrackShape = z.strictObject({
  kind: z.literal('crack'),
  /** Length of the main branch as a fraction of the image diagonal. */
  length: range(0.01, 1),
  width: range(0.0005, 0.05),
  /** Probability per step that a side branch starts. */
  branching: num(0, 0.5),
  /** Standard deviation of the direction change per step, in degrees. */
  jaggedness: num(0, 60),
  angle,
});

const PrimitiveShape = z.discriminatedUnion('kind', [PerlinShape, BoxShape, SpotShape, ScratchShape, CrackShape]);

export const UnionShape = z.strictObject({
  kind: z.literal('union'),
  /** Shapes drawn together as one defect, placed around a common centre. */
  parts: z.array(PrimitiveShape).min(2, { error: 'must list 2 to 6 shapes' }).max(6, { error: 'must list 2 to 6 shapes' }),
  /** How far part centres scatter, as a fraction of the first part's size. */
  spread: num(0, 2),
});

export const Shape = z.discriminatedUnion('kind', [PerlinShape, BoxShape, SpotShape, ScratchShape, CrackShape, UnionShape]);

export const CutPasteContent = z.strictObject({
  source: z.literal('cutpaste'),
  /** Probability of taking the patch from another image of the set (when one is supplied) instead of the same. */
  otherImage: num(0, 1),
  rotate: angle,
  scale: range(0.25, 4),
  flip: z.boolean(),
  /** Brightness offset (fraction of full scale) and contrast factor applied to the patch. */
  brightness: range(-1, 1),
  contrast: range(0.1, 4),
});

export const TextureContent = z.strictObject({
  source: z.literal('texture'),
  /** Folder with texture images (png/jpg/tif/webp); loaded once by loadTextures(). */
  folder: z.string({ error: 'must be a folder path' }).min(1, { error: 'must be a folder path' }),
  /** Texture scale relative to its native size. */
  scale: range(0.1, 8),
  rotate: angle,
});

export const NoiseContent = z.strictObject({
  source: z.literal('noise'),
  /** Base intensity of the material, fraction of full scale. */
  base: range(0, 1),
  /** Colour saturation of the material (0 = grey). */
  saturation: num(0, 1),
  /** Noise amplitude around the base, fraction of full scale. */
  contrast: range(0, 1),
  /** Noise cell size, fraction of the short side. */
  cell: range(0.002, 0.5),
  octaves: int(1, 6),
});

export const ShiftContent = z.strictObject({
  source: z.literal('shift'),
  /** Intensity offset, fraction of full scale (negative = darker). */
  intensity: range(-1, 1),
  /** Extra random per-channel offset (colour tint), fraction of full scale. */
  tint: num(0, 1),
  /** Multiplicative gain applied before the offset. */
  gain: range(0, 4),
});

export const BlurContent = z.strictObject({
  source: z.literal('blur'),
  /** Blur radius, fraction of the short side. */
  radius: range(0.001, 0.1),
});

export const WarpContent = z.strictObject({
  source: z.literal('warp'),
  /** Displacement amplitude, fraction of the short side. */
  amplitude: range(0.001, 0.1),
  /** Displacement noise cell, fraction of the short side. */
  cell: range(0.005, 0.5),
});

export const DisplaceContent = z.strictObject({
  source: z.literal('displace'),
  /** Rigid shift of the region's content, fraction of the short side (a misregistered print, a displaced part). */
  distance: range(0.001, 0.2),
  /** Direction of the shift in degrees. */
  angle,
});

export const HoleContent = z.strictObject({
  source: z.literal('hole'),
  /** Fraction of the intensity removed inside (1 = black). */
  depth: range(0, 1),
  /** Rim highlight strength towards full scale (0 = no rim). */
  rim: range(0, 1),
  /** Rim width, fraction of the short side (inside the defect's edge). */
  rimWidth: range(0, 0.05),
});

export const Content = z.discriminatedUnion('source', [
  CutPasteContent,
  TextureContent,
  NoiseContent,
  ShiftContent,
  BlurContent,
  WarpContent,
  DisplaceContent,
  HoleContent,
]);

export const Blend = z.strictObject({
  mode: z.enum(['normal', 'multiply', 'screen'], { error: "must be 'normal', 'multiply' or 'screen'" }),
  /** Effect strength; multiplies the feathered blend weight when mixing (the mask is not affected). */
  opacity: range(0.05, 1),
  /** Feather width (soft edge) as a fraction of the short side; 0 = hard edge. */
  feather: range(0, 0.05),
  /** Gradient-domain (Poisson-like) blend: keeps the content's gradients, matches the surrounding intensities. */
  poisson: z.boolean(),
  /**
   * Leave pixels out of the mask whose value moved by less than this fraction of full scale (0 = the whole shape).
   * For content that may leave parts of the shape unchanged (a displaced flat area is no defect).
   */
  minChange: num(0, 1).optional(),
});

export const DefectKind = z.strictObject({
  /** Relative frequency of this kind among the defects of one sample. */
  weight: num(0.001, 1000),
  shape: Shape,
  content: Content,
  blend: Blend,
});

export const Placement = z.strictObject({
  /** 'auto' estimates the object from the background colour; 'supplied' uses a given mask; 'none' = whole image. */
  foreground: z.enum(['none', 'auto', 'supplied'], { error: "must be 'none', 'auto' or 'supplied'" }),
  /** Minimum distance of a defect from the image border, fraction of the short side. */
  borderMargin: num(0, 0.25),
});

export const SynthesisParams = z.strictObject({
  /** Number of defects per sample. */
  count: range(1, 16, true),
  defects: z.array(DefectKind).min(1, { error: 'must list 1 to 16 defect kinds' }).max(16, { error: 'must list 1 to 16 defect kinds' }),
  placement: Placement,
});

export type PerlinShape = z.infer<typeof PerlinShape>;
export type BoxShape = z.infer<typeof BoxShape>;
export type SpotShape = z.infer<typeof SpotShape>;
export type ScratchShape = z.infer<typeof ScratchShape>;
export type CrackShape = z.infer<typeof CrackShape>;
export type PrimitiveShape = z.infer<typeof PrimitiveShape>;
export type UnionShape = z.infer<typeof UnionShape>;
export type Shape = z.infer<typeof Shape>;
export type Content = z.infer<typeof Content>;
export type Blend = z.infer<typeof Blend>;
export type DefectKind = z.infer<typeof DefectKind>;
export type Placement = z.infer<typeof Placement>;
export type SynthesisParams = z.infer<typeof SynthesisParams>;

/**
 * Invalid synthesis parameters, one problem per field. An `invalid_request` AppError carrying the problems as
 * details, so the API, the CLI and the preset store pass it on unchanged (no translation at each caller).
 */
export class InvalidParamsError extends AppError {
  constructor(readonly problems: readonly string[]) {
    super('invalid_request', `invalid synthesis parameters: ${problems.join('; ')}`, { problems });
    this.name = 'InvalidParamsError';
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

function pathName(path: readonly PropertyKey[]): string {
  let s = 'params';
  for (const k of path) s += typeof k === 'number' ? `[${k}]` : `.${String(k)}`;
  return s;
}

/** Validates unknown input as synthesis parameters; throws InvalidParamsError naming each field and its allowed range. */
export function parseParams(input: unknown): SynthesisParams {
  const r = SynthesisParams.safeParse(input);
  if (r.success) return r.data;
  const problems = r.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return `${pathName(issue.path)}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
    }
    const got = valueAt(input, issue.path);
    const shown = got === undefined ? 'missing' : JSON.stringify(got);
    return `${pathName(issue.path)} ${issue.message} (got ${shown})`;
  });
  throw new InvalidParamsError(problems);
}
