/**
 * The Review view's bands over a result set: live counts per verdict, the confusion matrix and ROC while a
 * threshold is dragged over 100k results (sorted scores, O(log n) per query). The rule itself — accept / review /
 * reject, and 'error' for a score that is not a finite number or bands that cannot judge — is app/core/bands.ts;
 * every count here agrees with it: an unscored result is an error, never accepted, and "flagged" is "not passed".
 */
import { type Bands, bandsProblem, emptyVerdictCounts, type Verdict } from '../../../app/core/bands';

export type { Bands, Verdict } from '../../../app/core/bands';
export { bandsProblem, verdictOf } from '../../../app/core/bands';

export interface ScoredItem {
  /** null (or NaN, ±Infinity) when the model gave no finite score: the item counts as 'error'. */
  readonly score: number | null;
  /** true = defective, false = good, null = unknown. */
  readonly defect: boolean | null;
}

/** Keeps review ≤ reject when one handle is dragged past the other: the dragged one stops at the other. */
export function moveThreshold(t: Bands, which: 'review' | 'reject', value: number): Bands {
  if (!Number.isFinite(value)) return t;
  return which === 'review' ? { review: Math.min(value, t.reject), reject: t.reject } : { review: t.review, reject: Math.max(value, t.review) };
}

export type BandCounts = Readonly<Record<Verdict, number>>;

export interface Confusion {
  /** Rows: truth; columns: verdict. Only labelled items count. */
  readonly defect: BandCounts;
  readonly good: BandCounts;
  /** Flagged = not passed (review, reject or error). */
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
  readonly labelled: number;
}

/** Sorted scores per class; build once per result set, then query per threshold in O(log n). */
export class ScoreIndex {
  private readonly all: Float64Array;
  private readonly pos: Float64Array;
  private readonly neg: Float64Array;
  /** Items without a finite score (verdict 'error'), all and per class. */
  readonly unscored: { readonly all: number; readonly defect: number; readonly good: number };

  constructor(items: readonly ScoredItem[]) {
    const all: number[] = [];
    const pos: number[] = [];
    const neg: number[] = [];
    const unscored = { all: 0, defect: 0, good: 0 };
    for (const it of items) {
      if (typeof it.score !== 'number' || !Number.isFinite(it.score)) {
        unscored.all++;
        if (it.defect === true) unscored.defect++;
        else if (it.defect === false) unscored.good++;
        continue;
      }
      all.push(it.score);
      if (it.defect === true) pos.push(it.score);
      else if (it.defect === false) neg.push(it.score);
    }
    this.all = Float64Array.from(all).sort();
    this.pos = Float64Array.from(pos).sort();
    this.neg = Float64Array.from(neg).sort();
    this.unscored = unscored;
  }

  /** Items with a finite score (the ones the histogram and ROC show). */
  get size(): number {
    return this.all.length;
  }
  get hasBothClasses(): boolean {
    return this.pos.length > 0 && this.neg.length > 0;
  }
  get min(): number {
    return this.all.length ? this.all[0]! : 0;
  }
  get max(): number {
    return this.all.length ? this.all[this.all.length - 1]! : 1;
  }

  counts(t: Bands): BandCounts {
    return countsIn(this.all, this.unscored.all, t);
  }

  confusion(t: Bands): Confusion {
    const defect = countsIn(this.pos, this.unscored.defect, t);
    const good = countsIn(this.neg, this.unscored.good, t);
    const notPassed = (c: BandCounts) => c.review + c.reject + c.error;
    const labelled = this.pos.length + this.neg.length + this.unscored.defect + this.unscored.good;
    return { defect, good, tp: notPassed(defect), fp: notPassed(good), fn: defect.accept, tn: good.accept, labelled };
  }

  /** ROC points (fpr, tpr) from the highest threshold down, ties collapsed into one step; starts at (0,0), ends at (1,1). */
  roc(): { fpr: number[]; tpr: number[] } {
    const fpr = [0];
    const tpr = [0];
    if (!this.hasBothClasses) return { fpr, tpr };
    let i = this.pos.length - 1;
    let j = this.neg.length - 1;
    let tp = 0;
    let fp = 0;
    while (i >= 0 || j >= 0) {
      const s = Math.max(i >= 0 ? this.pos[i]! : -Infinity, j >= 0 ? this.neg[j]! : -Infinity);
      while (i >= 0 && this.pos[i] === s) (tp++, i--);
      while (j >= 0 && this.neg[j] === s) (fp++, j--);
      fpr.push(fp / this.neg.length);
      tpr.push(tp / this.pos.length);
    }
    return { fpr, tpr };
  }

  /** Equal-width histogram of all scores over [min, max]: bin left edges and counts. */
  /** The q-quantile (0–1) of the finite scores, linearly interpolated; 0 when there are none. */
  quantile(q: number): number {
    const n = this.all.length;
    if (n === 0) return 0;
    const pos = (n - 1) * Math.max(0, Math.min(1, q));
    const k = Math.floor(pos);
    return this.all[k]! + (this.all[Math.min(k + 1, n - 1)]! - this.all[k]!) * (pos - k);
  }

  /**
   * Counts per bin over [lo, hi] (default: min to max). Scores above `hi` are left out of the bins — an axis clipped
   * at a high quantile shows them as a marker instead (lib/score-axis.ts) — and scores below `lo` go in the first.
   */
  histogram(bins: number, range?: { lo: number; hi: number }): { edges: number[]; counts: number[]; good: number[]; defect: number[] } {
    const lo = range?.lo ?? this.min;
    const top = range?.hi ?? this.max;
    const hi = top > lo ? top : lo + 1;
    const width = (hi - lo) / bins;
    const edges = Array.from({ length: bins }, (_, k) => lo + k * width);
    const bin = (s: number): number => Math.min(bins - 1, Math.max(0, Math.floor((s - lo) / width)));
    const counts = new Array<number>(bins).fill(0);
    const good = new Array<number>(bins).fill(0);
    const defect = new Array<number>(bins).fill(0);
    const count = (values: Float64Array, into: number[]): void => {
      for (const s of values) if (s <= hi) into[bin(s)]!++;
    };
    count(this.all, counts);
    count(this.pos, defect);
    count(this.neg, good);
    return { edges, counts, good, defect };
  }
}

/** Number of elements < x in a sorted array. */
function lowerBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Verdict counts of sorted finite scores plus `unscored` errors; bands that cannot judge make every item an error. */
function countsIn(sorted: Float64Array, unscored: number, t: Bands): BandCounts {
  if (bandsProblem(t)) return { ...emptyVerdictCounts(), error: sorted.length + unscored };
  const belowReview = lowerBound(sorted, t.review);
  const belowReject = lowerBound(sorted, t.reject);
  return { accept: belowReview, review: belowReject - belowReview, reject: sorted.length - belowReject, error: unscored };
}
