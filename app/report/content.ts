import crypto from 'node:crypto';
import path from 'node:path';
import sharp from 'sharp';
import { type Bands, emptyVerdictCounts, isPassed, type Verdict, verdictOf } from '../core/bands.js';
import { averagePrecision, f1Max, imageAuroc, PixelMetricAccumulator, prCurve, rocCurve, statsFromCounts, type ThresholdStats } from '../eval/index.js';
import type { Project } from '../store/project.js';
import { readProjectInfo } from '../store/projects.js';
import { rasterisePolygons, type Polygon } from '../dataset/mask-input.js';
import { imageFilePath } from '../store/images.js';
import { getModel, type ModelRecord } from '../store/models.js';
import { readDatasetSummary, readResultsForReport, type ReportResultRow } from '../store/reports.js';
import { listTrainingEvents, type TrainingEvent } from '../store/training-events.js';
import { APP_VERSION } from '../core/version.js';
import { readAnomalyMap, type AnomalyMap } from '../model/map-files.js';
import { regionCrops, type RegionCrop } from './region-crops.js';
import { levelInMapUnits } from '../core/map-mask.js';
import { bandsForReport, bandsFromModel, computeBands, type ResolvedBands } from './bands.js';
import { ReportError } from './errors.js';
import { modelCardFromRecord, type ModelCard } from './model-card.js';
import { composeOverlay } from './overlay.js';

export interface ReportOptions {
  readonly modelId: number;
  /** Defaults to the model's training dataset; null = every result of the model. */
  readonly datasetId?: number | null;
  readonly title?: string;
  /** Overrides the model's stored bands for this report. */
  readonly bands?: Bands;
  /** Most parts shown in the gallery (the CSV always lists every image). */
  readonly galleryLimit?: number;
  /** Parts per gallery page (one printed page each). */
  readonly galleryPageSize?: number;
  /** Longest side of gallery pictures, px. */
  readonly pictureSize?: number;
}

/** One result as exported (CSV / JSON) and shown: the stored row plus the verdict at the report's bands. */
export interface ReportResult extends ReportResultRow {
  /** 'error' when the stored score is not a finite number: never counted as passed. */
  readonly verdict: Verdict;
}

export interface GalleryItem {
  readonly rank: number;
  readonly result: ReportResult;
  readonly image: string | null;
  readonly overlay: string | null;
  /** Close-ups of the hottest regions of large parts (region-crops.ts); empty when the whole picture shows enough. */
  readonly crops?: readonly RegionCrop[];
  readonly problem?: string;
}

export interface ConfusionAtBands {
  /** Rows: the image's label; columns: the verdict at the bands ('error' = could not be judged). */
  readonly good: Record<Verdict, number>;
  readonly defect: Record<Verdict, number>;
  /** Flagged = not accepted (review, reject or error; the review threshold): what a line with human review catches. */
  readonly atReview: ThresholdStats | null;
  /** Flagged = reject or error (the reject threshold): what the line keeps out unattended (an error never passes). */
  readonly atReject: ThresholdStats | null;
}

export interface ReportContent {
  readonly title: string;
  readonly generatedAt: string;
  readonly appVersion: string;
  readonly project: { readonly name: string; readonly dir: string };
  readonly dataset: {
    readonly id: number;
    readonly name: string;
    readonly category: string | null;
    readonly sourceFormat: string;
    readonly counts: Record<string, number>;
    readonly contentHash: string;
  } | null;
  readonly model: ModelCard;
  readonly bands: ResolvedBands;
  readonly evaluation: { readonly description: string; readonly good: number; readonly defect: number };
  readonly metrics: {
    readonly imageAuroc: number | null;
    readonly averagePrecision: number | null;
    readonly f1Max: { f1: number; threshold: number; precision: number; recall: number } | null;
    readonly pixelAuroc: number | null;
    readonly aupro: number | null;
    /** Where the pixel metrics came from. */
    readonly pixelSource: string;
    readonly notes: readonly string[];
  };
  readonly confusion: ConfusionAtBands;
  readonly verdictCounts: Record<Verdict, number>;
  /** Results that could not be judged (no finite score), each listed in the report. */
  readonly unjudged: readonly ReportResult[];
  readonly reviewCounts: Record<'defect' | 'false_alarm' | 'skip' | 'unreviewed', number>;
  readonly curves: {
    readonly roc: ReadonlyArray<readonly [number, number]>;
    readonly pr: ReadonlyArray<readonly [number, number]>;
  };
  readonly scores: { readonly good: number[]; readonly defect: number[]; readonly unlabelled: number[] };
  readonly training: readonly TrainingEvent[];
  readonly gallery: {
    readonly items: readonly GalleryItem[];
    readonly flagged: number;
    readonly limit: number;
    readonly pageSize: number;
  };
  readonly results: readonly ReportResult[];
}

export interface BuildHooks {
  readonly signal?: AbortSignal;
  readonly progress?: (fraction: number, message: string) => void;
}

/** sha256 over the sorted per-image sha256 list: identical image sets give identical hashes, whatever the order. */
export function contentHash(imageHashes: readonly string[]): string {
  return crypto.createHash('sha256').update([...imageHashes].sort().join('\n')).digest('hex');
}

/** Absolute path of a stored image: copies live in the project, references point outside it. */
export function imageFile(project: Project, row: Pick<ReportResultRow, 'imagePath' | 'imageStorage'>): string {
  return imageFilePath(project, { path: row.imagePath, storage: row.imageStorage });
}

/** The defect mask of a result at the map's size (nearest neighbour), from its PNG or its polygons. */
async function readMask(project: Project, r: ReportResultRow, width: number, height: number): Promise<Uint8Array | null> {
  let source: string | Buffer;
  if (r.maskPath) source = project.path(r.maskPath);
  else if (r.maskPolygonsJson) source = (await rasterisePolygons(JSON.parse(r.maskPolygonsJson) as Polygon[], r.width, r.height)).png;
  else return null;
  const { data } = await sharp(source).toColourspace('b-w').resize(width, height, { fit: 'fill', kernel: 'nearest' }).raw().toBuffer({ resolveWithObject: true });
  return data;
}

function safeMetric<T>(notes: string[], what: string, f: () => T): T | null {
  try {
    return f();
  } catch (err) {
    notes.push(`${what}: ${(err as Error).message}`);
    return null;
  }
}

/** Reads everything a report shows from the project and computes its metrics, charts' data and gallery pictures. */
export async function buildReportContent(project: Project, options: ReportOptions, hooks: BuildHooks = {}): Promise<ReportContent> {
  const progress = hooks.progress ?? (() => {});
  const { galleryLimit, pageSize } = galleryOptions(options);
  const db = project.db;
  const { modelRow, dsSummary, rows } = readReportInputs(project, options);
  const model = modelCardFromRecord(modelRow, dsSummary ? { id: dsSummary.id, name: dsSummary.name } : null);
  progress(0.05, `read ${rows.length} results`);

  const evaluation = evaluationSet(rows);
  const { evalRows, scoredEval, labels } = evaluation;
  const resolved: ResolvedBands = options.bands
    ? bandsForReport(options.bands, modelRow.thresholds)
    : (bandsFromModel(modelRow.thresholds) ??
      computeBands(evalRows.length > 0 ? evalRows.map((r) => r.score) : rows.map((r) => r.score), evalRows.length > 0 ? evalRows.map((r) => r.label === 'defect') : rows.map(() => false)));
  const bands = resolved.bands;
  const results: ReportResult[] = rows.map((r) => ({ ...r, verdict: verdictOf(r.score, bands) }));
  const evalIds = new Set(evalRows.map((r) => r.resultId));
  const evalResults = results.filter((r) => evalIds.has(r.resultId));
  const evalHasBothClasses = evalRows.some((r) => r.label === 'defect') && evalRows.some((r) => r.label === 'good');

  const notes: string[] = [];
  const image = imageMetrics(evaluation.scores, labels, notes);
  const confusion = confusionAtBands(evalResults, bands, evalHasBothClasses);
  const { verdictCounts, reviewCounts } = countVerdicts(results);
  const unjudged = results.filter((r) => r.verdict === 'error');
  if (unjudged.length > 0) notes.push(`${unjudged.length} results have no finite score (verdict error): left out of AUROC, AP, F1 and the curves, counted as not passed everywhere else.`);
  const pixel = await pixelMetrics(project, modelRow.metrics, scoredEval, image.bothClasses, notes, hooks);
  progress(0.35, 'metrics done');

  // Gallery: the parts that did not pass (unjudged first, then by score), capped; the CSV lists every image.
  const flagged = results.filter((r) => !isPassed(r.verdict));
  const items = await galleryItems(project, flagged.slice(0, galleryLimit), options.pictureSize ?? 220, bands, hooks);
  progress(0.85, 'gallery done');

  const info = readProjectInfo(db, project.dir);
  return {
    title: options.title?.trim() || `${info.name} — ${model.name} inspection report`,
    generatedAt: new Date().toISOString(),
    appVersion: APP_VERSION,
    project: { name: info.name, dir: project.dir },
    dataset: dsSummary ? datasetSection(dsSummary) : null,
    model,
    bands: resolved,
    evaluation: { description: evaluation.description, good: labels.filter((l) => !l).length, defect: labels.filter(Boolean).length },
    metrics: {
      imageAuroc: image.imageAuroc,
      averagePrecision: image.averagePrecision,
      f1Max: image.f1 ? { f1: image.f1.f1, threshold: image.f1.threshold, precision: image.f1.precision, recall: image.f1.recall } : null,
      pixelAuroc: pixel.pixelAuroc,
      aupro: pixel.aupro,
      pixelSource: pixel.pixelSource,
      notes,
    },
    confusion,
    verdictCounts,
    unjudged,
    reviewCounts,
    curves: { roc: image.roc, pr: image.pr },
    scores: {
      good: scoredEval.filter((r) => r.label === 'good').map((r) => r.score),
      defect: scoredEval.filter((r) => r.label === 'defect').map((r) => r.score),
      unlabelled: evalRows.length > 0 ? [] : rows.flatMap((r) => (r.score !== null && Number.isFinite(r.score) ? [r.score] : [])),
    },
    training: listTrainingEvents(db, options.modelId),
    gallery: { items, flagged: flagged.length, limit: galleryLimit, pageSize },
    results,
  };
}

function galleryOptions(options: ReportOptions): { galleryLimit: number; pageSize: number } {
  const galleryLimit = options.galleryLimit ?? 48;
  const pageSize = options.galleryPageSize ?? 12;
  if (!Number.isInteger(galleryLimit) || galleryLimit < 0 || galleryLimit > 2000) {
    throw new ReportError('invalid_request', `galleryLimit must be an integer from 0 to 2000 (got ${galleryLimit})`);
  }
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) {
    throw new ReportError('invalid_request', `galleryPageSize must be an integer from 1 to 100 (got ${pageSize})`);
  }
  return { galleryLimit, pageSize };
}

type DatasetSummary = NonNullable<ReturnType<typeof readDatasetSummary>>;

/** The model, its dataset (the training one unless another or none was asked for) and its results; not_found otherwise. */
function readReportInputs(project: Project, options: ReportOptions): { modelRow: ModelRecord; dsSummary: DatasetSummary | undefined; rows: ReportResultRow[] } {
  const db = project.db;
  const modelRow = getModel(db, options.modelId);
  if (!modelRow) throw new ReportError('not_found', `model ${options.modelId} does not exist in this project`);
  const datasetId = options.datasetId === undefined ? modelRow.datasetId : options.datasetId;
  const dsSummary = datasetId === null ? undefined : readDatasetSummary(db, datasetId);
  if (datasetId !== null && !dsSummary) throw new ReportError('not_found', `dataset ${datasetId} does not exist in this project`);
  const rows = readResultsForReport(db, options.modelId, datasetId);
  if (rows.length === 0) {
    throw new ReportError(
      'invalid_request',
      `model ${options.modelId} has no results${dsSummary ? ` on dataset "${dsSummary.name}"` : ''}: run inference on the images first`,
    );
  }
  return { modelRow, dsSummary, rows };
}

type ScoredRow = ReportResultRow & { score: number };

/** Evaluation set: labelled test images when there are any (the held-out set), else every labelled image. */
function evaluationSet(rows: readonly ReportResultRow[]): { evalRows: ReportResultRow[]; description: string; scoredEval: ScoredRow[]; scores: number[]; labels: boolean[] } {
  const labelled = rows.filter((r) => r.label !== 'ignore');
  const tests = labelled.filter((r) => r.split === 'test');
  const evalRows = tests.length > 0 ? tests : labelled;
  const description = tests.length > 0 ? 'labelled images of the test split' : labelled.length > 0 ? 'all labelled images (no test split has results)' : 'none';
  // Ranking metrics need a finite score; results without one are judged 'error' and counted as not passed.
  const scoredEval = evalRows.filter((r): r is ScoredRow => r.score !== null && Number.isFinite(r.score));
  return { evalRows, description, scoredEval, scores: scoredEval.map((r) => r.score), labels: scoredEval.map((r) => r.label === 'defect') };
}

/** Image-level AUROC, AP, F1-max and the curves; all empty (with a note) unless both classes are present. */
function imageMetrics(scores: number[], labels: boolean[], notes: string[]) {
  const bothClasses = labels.includes(true) && labels.includes(false);
  if (!bothClasses) notes.push('Image metrics need both good and defective labelled images; this set has only one class.');
  return {
    bothClasses,
    imageAuroc: bothClasses ? safeMetric(notes, 'image AUROC', () => imageAuroc(scores, labels)) : null,
    averagePrecision: bothClasses ? safeMetric(notes, 'average precision', () => averagePrecision(scores, labels)) : null,
    f1: bothClasses ? safeMetric(notes, 'F1-max', () => f1Max(scores, labels)) : null,
    roc: bothClasses ? rocCurve(scores, labels, 400).map((p) => [p.fpr, p.tpr] as const) : [],
    pr: bothClasses ? prCurve(scores, labels, 400).map((p) => [p.recall, p.precision] as const) : [],
  };
}

function countVerdicts(results: readonly ReportResult[]): Pick<ReportContent, 'verdictCounts' | 'reviewCounts'> {
  const verdictCounts = emptyVerdictCounts();
  const reviewCounts = { defect: 0, false_alarm: 0, skip: 0, unreviewed: 0 };
  for (const r of results) {
    verdictCounts[r.verdict]++;
    reviewCounts[r.reviewDecision ?? 'unreviewed']++;
  }
  return { verdictCounts, reviewCounts };
}

/**
 * Pixel metrics from the stored maps and defect masks of the evaluation set, streamed one image at a time; when
 * some are missing, the values measured at training time (or none, with a note).
 */
async function pixelMetrics(
  project: Project,
  modelMetrics: ModelRecord['metrics'],
  scoredEval: readonly ScoredRow[],
  bothClasses: boolean,
  notes: string[],
  { signal, progress }: BuildHooks,
): Promise<{ pixelAuroc: number | null; aupro: number | null; pixelSource: string }> {
  const withMaps = scoredEval.filter((r) => r.mapPath);
  const defectsWithMasks = withMaps.filter((r) => r.label === 'defect' && (r.maskPath || r.maskPolygonsJson));
  if (bothClasses && withMaps.length === scoredEval.length && defectsWithMasks.length === scoredEval.filter((r) => r.label === 'defect').length) {
    const acc = new PixelMetricAccumulator();
    for (let i = 0; i < withMaps.length; i++) {
      signal?.throwIfAborted();
      const r = withMaps[i]!;
      const map = await readAnomalyMap(project.path(r.mapPath!));
      const mask = r.label === 'defect' ? await readMask(project, r, map.width, map.height) : null;
      acc.add({ map: map.data, width: map.width, height: map.height, mask });
      if (i % 8 === 0) progress?.(0.05 + (0.3 * i) / withMaps.length, `pixel metrics: ${i} of ${withMaps.length} maps`);
    }
    return {
      pixelAuroc: safeMetric(notes, 'pixel AUROC', () => acc.pixelAuroc()),
      aupro: safeMetric(notes, 'AUPRO', () => acc.aupro(0.3)),
      pixelSource: `computed from ${withMaps.length} stored anomaly maps and ${defectsWithMasks.length} defect masks`,
    };
  }
  const p = modelMetrics.pixelAuroc;
  const a = modelMetrics.aupro;
  if (typeof p === 'number' || typeof a === 'number') {
    return {
      pixelAuroc: typeof p === 'number' ? p : null,
      aupro: typeof a === 'number' ? a : null,
      pixelSource: 'as measured at training time (this report’s images lack stored maps or masks)',
    };
  }
  notes.push('Pixel metrics need a stored anomaly map for every evaluated image and a mask for every defect.');
  return { pixelAuroc: null, aupro: null, pixelSource: 'not available' };
}

/** The chosen parts' pictures and overlays, on one heat scale; a part whose picture fails is listed with the reason. */
async function galleryItems(project: Project, chosen: readonly ReportResult[], pictureSize: number, bands: Bands, { signal, progress }: BuildHooks): Promise<GalleryItem[]> {
  const maps = new Map<number, AnomalyMap>();
  const mapProblems = new Map<number, string>();
  for (const r of chosen) {
    signal?.throwIfAborted();
    if (!r.mapPath) continue;
    try {
      maps.set(r.resultId, await readAnomalyMap(project.path(r.mapPath)));
    } catch (err) {
      mapProblems.set(r.resultId, (err as Error).message);
    }
  }
  const scale = heatScale([...maps.values()]);
  const items: GalleryItem[] = [];
  for (let i = 0; i < chosen.length; i++) {
    signal?.throwIfAborted();
    const r = chosen[i]!;
    try {
      const map = maps.get(r.resultId) ?? null;
      const pics = await composeOverlay(imageFile(project, r), map, { size: pictureSize, scale });
      const crops = map ? await regionCrops(imageFile(project, r), map, levelInMapUnits(r.mapPath!, bands.review, bands.reject), scale, pictureSize) : [];
      items.push({ rank: i + 1, result: r, image: pics.image, overlay: map ? pics.overlay : null, crops, problem: mapProblems.get(r.resultId) });
    } catch (err) {
      items.push({ rank: i + 1, result: r, image: null, overlay: null, problem: (err as Error).message });
    }
    if (i % 4 === 0) progress?.(0.35 + (0.5 * i) / Math.max(1, chosen.length), `gallery: ${i + 1} of ${chosen.length} parts`);
  }
  return items;
}

function datasetSection(dsSummary: DatasetSummary): NonNullable<ReportContent['dataset']> {
  return {
    id: dsSummary.id,
    name: dsSummary.name,
    category: dsSummary.category,
    sourceFormat: dsSummary.sourceFormat,
    counts: dsSummary.counts,
    contentHash: contentHash(dsSummary.imageHashes),
  };
}

/**
 * Verdicts by label over the evaluation set, and flagging statistics from those same verdicts: an 'error' is flagged
 * at both thresholds (it never passes), so the counts here and in the matrix always agree.
 */
function confusionAtBands(evalResults: readonly ReportResult[], bands: Bands, bothClasses: boolean): ConfusionAtBands {
  const good = emptyVerdictCounts();
  const defect = emptyVerdictCounts();
  for (const r of evalResults) (r.label === 'defect' ? defect : good)[r.verdict]++;
  const flaggedWhen = (threshold: number, flagged: (v: Verdict) => boolean): ThresholdStats => {
    const sum = (c: Record<Verdict, number>, f: boolean) => (Object.keys(c) as Verdict[]).filter((v) => flagged(v) === f).reduce((n, v) => n + c[v], 0);
    return statsFromCounts(threshold, { tp: sum(defect, true), fp: sum(good, true), tn: sum(good, false), fn: sum(defect, false) });
  };
  return {
    good,
    defect,
    atReview: bothClasses ? flaggedWhen(bands.review, (v) => !isPassed(v)) : null,
    atReject: bothClasses ? flaggedWhen(bands.reject, (v) => v === 'reject' || v === 'error') : null,
  };
}

/** One colour scale for every gallery picture (so heat is comparable between parts): median to 99.9th percentile. */
export function heatScale(maps: readonly AnomalyMap[]): { lo: number; hi: number } {
  const sample: number[] = [];
  for (const m of maps) {
    const stride = Math.max(1, Math.floor(m.data.length / 4096));
    for (let i = 0; i < m.data.length; i += stride) if (Number.isFinite(m.data[i]!)) sample.push(m.data[i]!);
  }
  if (sample.length === 0) return { lo: 0, hi: 1 };
  sample.sort((a, b) => a - b);
  const lo = sample[Math.floor(sample.length * 0.5)]!;
  const hi = sample[Math.min(sample.length - 1, Math.floor(sample.length * 0.999))]!;
  return hi > lo ? { lo, hi } : { lo: sample[0]!, hi: sample.at(-1)! > sample[0]! ? sample.at(-1)! : sample[0]! + 1 };
}
