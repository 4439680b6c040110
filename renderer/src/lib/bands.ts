/**
 * Two thresholds split scores into accept (< low), review (low ≤ s < high) and reject (≥ high) bands.
 * With ground-truth labels, "flagged" = review or reject counts as predicted defective; the confusion matrix and
 * ROC are computed from sorted scores so dragging a threshold over 100k results stays interactive.
 */
export type Band = 'accept' | 'review' | 'reject';

export interface Thresholds {
  readonly low: number;
  readonly high: number;
}

export interface ScoredItem {
  readonly score: number;
  /** true = defective, false = good, null = unknown. */
  readonly defect: boolean | null;
}

export function bandOf(score: number, t: Thresholds): Band {
  if (score >= t.high) return 'reject';
  if (score >= t.low) return 'review';
  return 'accept';
}

/** Keeps low ≤ high when one handle is dragged past the other: the dragged one stops at the other. */
export function moveThreshold(t: Thresholds, which: 'low' | 'high', value: number): Thresholds {
  if (!Number.isFinite(value)) return t;
  return which === 'low' ? { low: Math.min(value, t.high), high: t.high } : { low: t.low, high: Math.max(value, t.low) };
}

export interface BandCounts {
  readonly accept: number;
  readonly review: number;
  readonly reject: number;
}

export interface Confusion {
  /** Rows: truth; columns: band. Only labelled items count. */
  readonly defect: BandCounts;
  readonly good: BandCounts;
  /** Flagged = review + reject. */
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

  constructor(items: readonly ScoredItem[]) {
    const all: number[] = [];
    const pos: number[] = [];
    const neg: number[] = [];
    for (const it of items) {
      if (!Number.isFinite(it.score)) continue;
      all.push(it.score);
      if (it.defect === true) pos.push(it.score);
      else if (it.defect === false) neg.push(it.score);
    }
    this.all = Float64Array.from(all).sort();
    this.pos = Float64Array.from(pos).sort();
    this.neg = Float64Array.from(neg).sort();
  }

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

  counts(t: Thresholds): BandCounts {
    return countsIn(this.all, t);
  }

  confusion(t: Thresholds): Confusion {
    const defect = countsIn(this.pos, t);
    const good = countsIn(this.neg, t);
    const tp = defect.review + defect.reject;
    const fp = good.review + good.reject;
    return { defect, good, tp, fp, fn: defect.accept, tn: good.accept, labelled: this.pos.length + this.neg.length };
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
  histogram(bins: number): { edges: number[]; counts: number[]; good: number[]; defect: number[] } {
    const lo = this.min;
    const hi = this.max > lo ? this.max : lo + 1;
    const width = (hi - lo) / bins;
    const edges = Array.from({ length: bins }, (_, k) => lo + k * width);
    const bin = (s: number): number => Math.min(bins - 1, Math.max(0, Math.floor((s - lo) / width)));
    const counts = new Array<number>(bins).fill(0);
    const good = new Array<number>(bins).fill(0);
    const defect = new Array<number>(bins).fill(0);
    for (const s of this.all) counts[bin(s)]!++;
    for (const s of this.pos) defect[bin(s)]!++;
    for (const s of this.neg) good[bin(s)]!++;
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

function countsIn(sorted: Float64Array, t: Thresholds): BandCounts {
  const belowLow = lowerBound(sorted, t.low);
  const belowHigh = lowerBound(sorted, t.high);
  return { accept: belowLow, review: belowHigh - belowLow, reject: sorted.length - belowHigh };
}
