import type { Bands } from '../core/bands.js';
import type { ReportResult } from './content.js';
import { csvField, parseCsv } from '../core/csv.js';
import { ReportError } from './errors.js';

/**
 * Per-image results as CSV (one row per image, RFC 4180) and JSON. Scores are written with JavaScript's shortest
 * round-trip form, so parsing a file gives back exactly the numbers in the store. `path` names the part by its path
 * relative to the imported folder; `stored_path` (last, so older readers' columns keep their places) is the
 * storage key.
 */
export const CSV_COLUMNS = [
  'image_id',
  'result_id',
  'dataset_id',
  'path',
  'label',
  'split',
  'defect_type',
  'score',
  'verdict',
  'stored_verdict',
  'review_decision',
  'review_note',
  'reviewed_at',
  'map_path',
  'execution_provider',
  'stored_path',
] as const;

export type CsvRecord = Record<(typeof CSV_COLUMNS)[number], string>;

export function resultsToCsv(results: readonly ReportResult[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of results) {
    lines.push(
      [
        r.imageId,
        r.resultId,
        r.datasetId,
        r.originalPath,
        r.label,
        r.split,
        r.defectType,
        r.score,
        r.verdict,
        r.storedVerdict,
        r.reviewDecision,
        r.reviewNote,
        r.reviewedAt,
        r.mapPath,
        r.executionProvider,
        r.imagePath,
      ]
        .map(csvField)
        .join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}

/** Parses a results CSV written by {@link resultsToCsv} back into records keyed by column. */
export function parseResultsCsv(text: string): CsvRecord[] {
  const [header, ...body] = parseCsv(text);
  if (!header || CSV_COLUMNS.some((c, i) => header[i] !== c)) {
    throw new ReportError('invalid_file', `not a Flowspect results CSV: header must be ${CSV_COLUMNS.join(',')}`);
  }
  return body.map((cells, n) => {
    if (cells.length !== CSV_COLUMNS.length) throw new ReportError('invalid_file', `CSV row ${n + 2} has ${cells.length} cells, expected ${CSV_COLUMNS.length}`);
    return Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, cells[i]!])) as CsvRecord;
  });
}

export interface ResultsJson {
  readonly format: 'flowspect.results/1';
  readonly generatedAt: string;
  readonly model: { readonly id: number; readonly name: string };
  readonly dataset: { readonly id: number; readonly name: string } | null;
  readonly bands: Bands;
  readonly results: ReadonlyArray<{
    readonly imageId: number;
    readonly resultId: number;
    readonly datasetId: number;
    /** The part's name: its path relative to the imported folder. */
    readonly path: string;
    /** Where the image is stored: a project-relative copy (sha256 name) or the referenced file. */
    readonly storedPath: string;
    readonly label: string;
    readonly split: string;
    readonly defectType: string | null;
    /** null when the model gave no finite score; the verdict is then 'error'. */
    readonly score: number | null;
    readonly verdict: string;
    readonly storedVerdict: string | null;
    readonly review: { readonly decision: string; readonly note: string; readonly decidedAt: string } | null;
    readonly mapPath: string | null;
    readonly executionProvider: string | null;
  }>;
}

export function resultsToJson(
  results: readonly ReportResult[],
  meta: { generatedAt: string; model: { id: number; name: string }; dataset: { id: number; name: string } | null; bands: Bands },
): ResultsJson {
  return {
    format: 'flowspect.results/1',
    ...meta,
    results: results.map((r) => ({
      imageId: r.imageId,
      resultId: r.resultId,
      datasetId: r.datasetId,
      path: r.originalPath,
      storedPath: r.imagePath,
      label: r.label,
      split: r.split,
      defectType: r.defectType,
      score: r.score,
      verdict: r.verdict,
      storedVerdict: r.storedVerdict,
      review: r.reviewDecision ? { decision: r.reviewDecision, note: r.reviewNote ?? '', decidedAt: r.reviewedAt ?? '' } : null,
      mapPath: r.mapPath,
      executionProvider: r.executionProvider,
    })),
  };
}
