/**
 * The score histogram's axis: robust to a few far-off scores. One score of 369 among scores near 1 used to squash
 * every other bar into the first bin. The axis now clips the top scores — at most the highest 5 %, a quantile — when
 * they stand far apart from the rest (more than 4 × as far from the lowest score as the highest score kept), and a
 * marker at the right edge counts them instead of bars. A long tail without such a gap is drawn as it is; the
 * thresholds stay on the axis unless they are far off themselves (then their handles sit on the edge).
 */
import type { Bands, ScoreIndex } from './bands';

export interface ScoreAxis {
  readonly lo: number;
  readonly hi: number;
  /** Scores above `hi` (not in the bars; the marker counts them). */
  readonly above: number;
  /** The highest score, where a threshold dragged past the axis end lands. */
  readonly top: number;
}

/** At most this share of the scores is clipped (the axis ends at or above their 95 % quantile). */
const MAX_CLIPPED = 0.05;
/** A top score is far off when it is more than this many times as far from the lowest as the highest one kept. */
const GAP_RATIO = 4;
/** Room past the highest score kept on a clipped axis, so a handle there is not on the edge. */
const PAD = 0.05;

export function scoreAxis(index: ScoreIndex, t: Bands): ScoreAxis {
  const finite = [t.review, t.reject].filter(Number.isFinite);
  const n = index.size;
  const lo = Math.min(index.min, ...finite);
  const top = index.max;
  const kept = keptTop(index, lo);
  // A threshold extends the axis unless it is itself far off (dragged onto the far-off top score): then its handle
  // sits on the edge, labelled with its value, and the bars keep their width.
  const near = finite.filter((v) => v - lo <= GAP_RATIO * Math.max(kept - lo, 1e-9));
  const end = Math.max(kept, ...near);
  let hi = top > end ? Math.min(top, end + PAD * Math.max(end - lo, 1e-9)) : end;
  if (!(hi > lo)) hi = lo + 1;
  const above = n - countAtMost(index, hi);
  return { lo, hi, above, top };
}

/** The highest score left on the axis: below the lowest cut (within the top 5 %) past which the scores jump far off. */
function keptTop(index: ScoreIndex, lo: number): number {
  const n = index.size;
  if (n < 3) return index.max;
  const at = (k: number): number => index.quantile(k / (n - 1));
  const lowestCut = Math.max(1, n - Math.max(1, Math.floor(MAX_CLIPPED * n)));
  for (let c = lowestCut; c < n; c++) {
    const below = at(c - 1) - lo;
    if (below > 0 && at(c) - lo > GAP_RATIO * below) return at(c - 1);
  }
  return index.max;
}

/** Finite scores ≤ x (the histogram's bins hold exactly these). */
function countAtMost(index: ScoreIndex, x: number): number {
  return index.histogram(1, { lo: index.min, hi: x }).counts[0]!;
}
