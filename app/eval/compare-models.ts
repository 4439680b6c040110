/**
 * Two models side by side on the same held-out images, from their stored results (no inference is run): Review's
 * before/after of "Retrain with confirmed defects and false alarms" (issue 23). Only images both models scored and
 * that are labelled good or defect count, so neither side is judged on images the other never saw; images moved to
 * training since (false alarms, training defects) have left the split and so drop out of both.
 */
import type { Split } from '../core/domain.js';
import { VERDICTS, type Verdict } from '../core/bands.js';
import { getModel } from '../store/models.js';
import type { Project } from '../store/project.js';
import { listResults, type ResultRow } from '../store/results.js';
import { MetricInputError } from './errors.js';
import { imageAuroc } from './image-metrics.js';

export type VerdictCounts = Record<Verdict, number>;

export interface ComparedModel {
  readonly modelId: number;
  readonly name: string;
  /** Over the shared images both models gave a finite score; null without both classes among them. */
  readonly imageAuroc: number | null;
  /** The stored verdicts (each model's own thresholds) on the shared images, by label. */
  readonly verdicts: { readonly good: VerdictCounts; readonly defect: VerdictCounts };
}

export interface ModelComparison {
  readonly split: Split;
  readonly images: { readonly shared: number; readonly good: number; readonly defect: number; readonly aurocImages: number };
  readonly baseline: ComparedModel;
  readonly candidate: ComparedModel;
  /** Labelled images of the split only one of the two has a result for (left out). */
  readonly onlyBaseline: number;
  readonly onlyCandidate: number;
}

type Labelled = ResultRow & { label: 'good' | 'defect' };

/** A model's stored results on the split, labelled good or defect, by image id. */
function labelledResults(project: Project, modelId: number, split: Split, datasetId: number | undefined): Map<number, Labelled> {
  const byImage = new Map<number, Labelled>();
  for (let offset = 0; ; offset += 1000) {
    const page = listResults(project.db, { modelId, datasetId, split, sort: 'image', offset, limit: 1000 });
    for (const r of page.items) if (r.label === 'good' || r.label === 'defect') byImage.set(r.imageId, r as Labelled);
    if (offset + page.items.length >= page.total || page.items.length === 0) break;
  }
  return byImage;
}

const zeroCounts = (): VerdictCounts => Object.fromEntries(VERDICTS.map((v) => [v, 0])) as VerdictCounts;

function side(project: Project, modelId: number, rows: readonly Labelled[], scored: ReadonlySet<number>): ComparedModel {
  const verdicts = { good: zeroCounts(), defect: zeroCounts() };
  // A row without a stored verdict (thresholds unset when it was scored) could not be judged: counted as an error.
  for (const r of rows) verdicts[r.label][r.verdict ?? 'error']++;
  const ranked = rows.filter((r) => scored.has(r.imageId));
  const labels = ranked.map((r) => (r.label === 'defect' ? 1 : 0));
  const both = labels.includes(1) && labels.includes(0);
  return {
    modelId,
    name: getModel(project.db, modelId)!.name,
    imageAuroc: both ? imageAuroc(ranked.map((r) => r.score!), labels) : null,
    verdicts,
  };
}

export function compareStoredResults(project: Project, baselineId: number, candidateId: number, options: { split?: Split; datasetId?: number } = {}): ModelComparison {
  for (const id of [baselineId, candidateId]) if (!getModel(project.db, id)) throw new MetricInputError(`model ${id} does not exist`);
  const split = options.split ?? 'test';
  const a = labelledResults(project, baselineId, split, options.datasetId);
  const b = labelledResults(project, candidateId, split, options.datasetId);
  const shared = [...a.keys()].filter((id) => b.has(id)).sort((x, y) => x - y);
  if (shared.length === 0) {
    throw new MetricInputError(`models ${baselineId} and ${candidateId} have no stored results on the same ${split} images: score the ${split} split with both first`);
  }
  const scored = new Set(shared.filter((id) => a.get(id)!.score !== null && b.get(id)!.score !== null));
  const rowsA = shared.map((id) => a.get(id)!);
  const defects = rowsA.filter((r) => r.label === 'defect').length;
  return {
    split,
    images: { shared: shared.length, good: shared.length - defects, defect: defects, aurocImages: scored.size },
    baseline: side(project, baselineId, rowsA, scored),
    candidate: side(project, candidateId, shared.map((id) => b.get(id)!), scored),
    onlyBaseline: a.size - shared.length,
    onlyCandidate: b.size - shared.length,
  };
}
