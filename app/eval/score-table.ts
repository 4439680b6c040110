import { MetricInputError } from './errors.js';

/**
 * Distinct scores in ascending order with, per score, how many positive (defect) and negative (good) samples carry
 * it, plus `regionWeight`: the sum over positive samples of 1 / (size of the defect region they belong to), which
 * is what the per-region-overlap (PRO) curve needs. Counts are float64 so sums stay exact up to 2^53.
 *
 * Every metric is computed from such a table, which is why ties are handled in one place: samples with equal score
 * always move across a threshold together.
 */
export interface ScoreTable {
  readonly values: Float64Array;
  readonly pos: Float64Array;
  readonly neg: Float64Array;
  readonly regionWeight: Float64Array;
}

export const emptyTable = (): ScoreTable => ({
  values: new Float64Array(0),
  pos: new Float64Array(0),
  neg: new Float64Array(0),
  regionWeight: new Float64Array(0),
});

/** Totals of a table: positives, negatives, and the summed region weight. */
export function tableTotals(t: ScoreTable): { pos: number; neg: number; regionWeight: number } {
  let pos = 0;
  let neg = 0;
  let regionWeight = 0;
  for (let i = 0; i < t.values.length; i++) {
    pos += t.pos[i];
    neg += t.neg[i];
    regionWeight += t.regionWeight[i];
  }
  return { pos, neg, regionWeight };
}

/** Run-length encodes an ascending-sorted array into (value, count). */
function runLength(sorted: Float64Array | Float32Array): { values: Float64Array; counts: Float64Array } {
  const values = new Float64Array(sorted.length);
  const counts = new Float64Array(sorted.length);
  let n = 0;
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i];
    if (n > 0 && values[n - 1] === v) counts[n - 1]++;
    else {
      values[n] = v;
      counts[n] = 1;
      n++;
    }
  }
  return { values: values.subarray(0, n), counts: counts.subarray(0, n) };
}

/**
 * Builds a table from negatives (plain sorted scores) and positives (scores with a region weight each).
 * `negSorted` must be ascending; positives may be in any order.
 */
export function tableFromSamples(
  negSorted: Float64Array | Float32Array,
  posScores: ArrayLike<number>,
  posWeights?: ArrayLike<number>,
): ScoreTable {
  const negRuns = runLength(negSorted);
  const order = Array.from({ length: posScores.length }, (_, i) => i).sort((a, b) => posScores[a] - posScores[b]);
  const pv = new Float64Array(order.length);
  const pc = new Float64Array(order.length);
  const pw = new Float64Array(order.length);
  let n = 0;
  for (const i of order) {
    const v = posScores[i];
    const w = posWeights ? posWeights[i] : 0;
    if (n > 0 && pv[n - 1] === v) {
      pc[n - 1]++;
      pw[n - 1] += w;
    } else {
      pv[n] = v;
      pc[n] = 1;
      pw[n] = w;
      n++;
    }
  }
  const posTable: ScoreTable = {
    values: pv.subarray(0, n),
    pos: pc.subarray(0, n),
    neg: new Float64Array(n),
    regionWeight: pw.subarray(0, n),
  };
  const negTable: ScoreTable = {
    values: negRuns.values,
    pos: new Float64Array(negRuns.values.length),
    neg: negRuns.counts,
    regionWeight: new Float64Array(negRuns.values.length),
  };
  return mergeTables(posTable, negTable);
}

/** Merges two tables (sum of counts per distinct value); linear in their sizes. */
export function mergeTables(a: ScoreTable, b: ScoreTable): ScoreTable {
  const cap = a.values.length + b.values.length;
  const values = new Float64Array(cap);
  const pos = new Float64Array(cap);
  const neg = new Float64Array(cap);
  const regionWeight = new Float64Array(cap);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.values.length || j < b.values.length) {
    const takeA = j >= b.values.length || (i < a.values.length && a.values[i] <= b.values[j]);
    const src = takeA ? a : b;
    const k = takeA ? i++ : j++;
    const v = src.values[k];
    if (n > 0 && values[n - 1] === v) {
      pos[n - 1] += src.pos[k];
      neg[n - 1] += src.neg[k];
      regionWeight[n - 1] += src.regionWeight[k];
    } else {
      values[n] = v;
      pos[n] = src.pos[k];
      neg[n] = src.neg[k];
      regionWeight[n] = src.regionWeight[k];
      n++;
    }
  }
  return {
    values: values.slice(0, n),
    pos: pos.slice(0, n),
    neg: neg.slice(0, n),
    regionWeight: regionWeight.slice(0, n),
  };
}

/** Builds a table from image-level scores and binary labels (true / 1 = defective). */
export function tableFromLabelled(
  metric: string,
  scores: ArrayLike<number>,
  labels: ArrayLike<boolean | number>,
): ScoreTable {
  if (scores.length !== labels.length) {
    throw new MetricInputError(`${metric}: ${scores.length} scores but ${labels.length} labels`);
  }
  const negs: number[] = [];
  const poss: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (!Number.isFinite(s)) throw new MetricInputError(`${metric}: score #${i} is ${s}, not a finite number`);
    const l = labels[i];
    if (l === true || l === 1) poss.push(s);
    else if (l === false || l === 0) negs.push(s);
    else throw new MetricInputError(`${metric}: label #${i} is ${String(l)}; expected 0/1 or false/true`);
  }
  return tableFromSamples(Float64Array.from(negs).sort(), poss);
}

/** Throws unless the table has both classes; `what` names the samples (images, pixels). */
export function requireBothClasses(metric: string, t: ScoreTable, what: string): { pos: number; neg: number } {
  const { pos, neg } = tableTotals(t);
  if (pos === 0 || neg === 0) {
    throw new MetricInputError(
      `${metric} needs both good and defective ${what} (got ${neg} good, ${pos} defective)`,
    );
  }
  return { pos, neg };
}
