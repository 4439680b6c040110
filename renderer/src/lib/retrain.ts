/**
 * Review's "Retrain with confirmed defects and false alarms" (issue 23), the parts without a client: the training
 * request that repeats a model's stored settings and data selection, and the old-vs-new rows of the comparison.
 */
import type { RequestOf, ResponseOf } from '../../../app/api/contract';

type Model = ResponseOf<'models.list'>[number];
export type Comparison = ResponseOf<'models.compare'>;

const SUFFIX = ' + confirmed defects and false alarms';

/** models.train for the retrain: the model's objective, stored settings and category / dataset, a name that says why. */
export function retrainRequest(model: Model): RequestOf<'models.train'> {
  const selection = model.config.selection ?? {};
  const datasetId = selection.datasetId ?? model.datasetId ?? undefined;
  return {
    ...(selection.category ? { category: selection.category } : {}),
    ...(datasetId !== undefined ? { datasetId } : {}),
    objective: model.objective,
    // The stored config holds the validated settings next to the data selection and graph spec.
    settings: model.config.settings ?? {},
    name: model.name.slice(0, 200 - SUFFIX.length) + SUFFIX,
  };
}

export interface ComparisonRow {
  readonly what: string;
  readonly baseline: string;
  readonly candidate: string;
  /** Which side is better on this row (null: equal, or no order). */
  readonly better: 'baseline' | 'candidate' | null;
}

const auroc = (v: number | null): string => (v === null ? '—' : v.toFixed(4));
const order = (a: number, b: number, higherIsBetter: boolean): ComparisonRow['better'] => (a === b ? null : (a > b) === higherIsBetter ? 'baseline' : 'candidate');

/** The side-by-side rows: image AUROC, then what each model's verdicts do to the same good and defective parts. */
export function comparisonRows(c: Comparison): ComparisonRow[] {
  const a = c.baseline;
  const b = c.candidate;
  const count = (what: string, pick: (m: Comparison['baseline']) => number, higherIsBetter: boolean): ComparisonRow => ({
    what,
    baseline: String(pick(a)),
    candidate: String(pick(b)),
    better: order(pick(a), pick(b), higherIsBetter),
  });
  return [
    { what: 'image AUROC', baseline: auroc(a.imageAuroc), candidate: auroc(b.imageAuroc), better: a.imageAuroc === null || b.imageAuroc === null ? null : order(a.imageAuroc, b.imageAuroc, true) },
    count(`defects rejected (of ${c.images.defect})`, (m) => m.verdicts.defect.reject, true),
    count('defects passed (missed)', (m) => m.verdicts.defect.accept, false),
    count(`good parts passed (of ${c.images.good})`, (m) => m.verdicts.good.accept, true),
    count('good parts rejected (false alarms)', (m) => m.verdicts.good.reject, false),
    count('sent to review', (m) => m.verdicts.good.review + m.verdicts.defect.review, false),
    count('not judged (error)', (m) => m.verdicts.good.error + m.verdicts.defect.error, false),
  ];
}
