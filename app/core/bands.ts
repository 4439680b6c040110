/**
 * The product's central rule, in one place: two thresholds make three bands, plus the verdict that keeps a part from
 * passing when it could not be judged.
 *   score < review           → accept (the part passes)
 *   review ≤ score < reject  → review (a human looks)
 *   score ≥ reject           → reject
 *   score not a finite number, or bands not two finite numbers with review ≤ reject → error (never accept)
 * Only 'accept' passes; every count, band, CSV and report treats 'error' as not passed. Pure TS (the renderer uses it).
 */
import { z } from 'zod';

export const VERDICTS = ['accept', 'review', 'reject', 'error'] as const;
export type Verdict = (typeof VERDICTS)[number];
export const VerdictSchema = z.enum(VERDICTS);

export interface Bands {
  /** Scores at or above it go to human review. */
  readonly review: number;
  /** Scores at or above it are rejected. */
  readonly reject: number;
}

/** Why `bands` cannot judge a score, or undefined when it can (also guards values that bypassed the schema). */
export function bandsProblem(bands: Partial<Bands> | null | undefined): string | undefined {
  if (!bands || typeof bands !== 'object') return 'no thresholds are set';
  const { review, reject } = bands;
  if (typeof review !== 'number' || !Number.isFinite(review)) return `the review threshold is not a finite number (got ${String(review)})`;
  if (typeof reject !== 'number' || !Number.isFinite(reject)) return `the reject threshold is not a finite number (got ${String(reject)})`;
  if (review > reject) return `the review threshold (${review}) must not exceed the reject threshold (${reject})`;
  return undefined;
}

/** The fields of a bands object, for schemas that add their own (the model's stored thresholds). */
export const BandsFields = { review: z.number(), reject: z.number() } as const;

/** Refinement shared by every schema holding bands: review ≤ reject (zod 4 numbers are finite already). */
export function refineBands(b: Bands, ctx: z.RefinementCtx): void {
  const problem = bandsProblem(b);
  if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['review'] });
}

/** `{review, reject}`: both finite, review ≤ reject; nothing else. */
export const BandsSchema = z.strictObject(BandsFields).superRefine(refineBands);

/** The verdict of one score. Fail-safe: a non-finite score or unusable bands give 'error', never 'accept'. */
export function verdictOf(score: number | null | undefined, bands: Bands | null | undefined): Verdict {
  if (typeof score !== 'number' || !Number.isFinite(score) || bandsProblem(bands) !== undefined) return 'error';
  const b = bands as Bands;
  if (score >= b.reject) return 'reject';
  if (score >= b.review) return 'review';
  return 'accept';
}

/** Only an accepted part passes; review, reject, error — and no verdict at all — do not. */
export function isPassed(verdict: Verdict | null | undefined): boolean {
  return verdict === 'accept';
}

/** One counter per verdict, all zero (every tally starts here so 'error' is never forgotten). */
export function emptyVerdictCounts(): Record<Verdict, number> {
  return { accept: 0, review: 0, reject: 0, error: 0 };
}

/** The rule in one sentence, for what travels without this code (model cards, Triton folders, docs). */
export const VERDICT_RULE =
  'score < review: accept; review <= score < reject: review; score >= reject: reject; a score that is not a finite number (NaN, Infinity) or thresholds that are not: error, which is never accepted';

const finite = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * Bands from a stored object in any vocabulary Flowspect has written: {review, reject} (now), {accept, reject}
 * (reports' bands_json before), {low, high} (the renderer's before), a single {threshold} or {image} (no review band), each
 * possibly nested under `bands`. Undefined when none gives usable bands: the caller decides, never a silent accept.
 */
export function bandsFromStored(value: unknown): Bands | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const o = value as Record<string, unknown>;
  const inner = o.bands && typeof o.bands === 'object' ? (o.bands as Record<string, unknown>) : o;
  const review = finite(inner.review) ?? finite(inner.accept) ?? finite(inner.low);
  const reject = finite(inner.reject) ?? finite(inner.high);
  const single = finite(inner.threshold) ?? finite(inner.image);
  const bands = review !== undefined && reject !== undefined ? { review, reject } : single !== undefined ? { review: single, reject: single } : undefined;
  return bands && bandsProblem(bands) === undefined ? bands : undefined;
}
