import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import type { Project } from '../store/project.js';
import type { Bands, Verdict } from '../core/bands.js';
import { getReport, insertReport, updateReportFiles, type ReportRecord } from '../store/reports.js';
import { ReportError } from './errors.js';
import { buildReportContent, type BuildHooks, type ReportContent, type ReportOptions } from './content.js';
import { renderReportHtml } from './html.js';
import { NO_PRINTER_MESSAGE, type PdfPrinter } from './pdf.js';
import { resultsToCsv, resultsToJson } from './results-table.js';
import { writeTransaction } from '../store/write-transaction.js';

export interface GenerateOptions extends ReportOptions {
  /** Write a PDF too (needs a printer; without one the other files are still written and `pdfError` says why). */
  readonly pdf?: boolean;
}

export interface GeneratedReport {
  readonly reportId: number;
  /** Absolute folder holding the files. */
  readonly dir: string;
  /** Project-relative paths by kind. */
  readonly files: ReportRecord['files'];
  readonly pdfError?: string;
  readonly bands: Bands;
  readonly bandsMethod: string;
  readonly summary: {
    readonly images: number;
    /** 'error' counts results that could not be judged (no finite score); they are not passed. */
    readonly verdicts: Record<Verdict, number>;
    readonly imageAuroc: number | null;
    readonly pixelAuroc: number | null;
    readonly aupro: number | null;
    readonly f1Max: number | null;
    readonly galleryShown: number;
    readonly flagged: number;
  };
}

export const REPORT_FILES = { html: 'report.html', pdf: 'report.pdf', csv: 'results.csv', json: 'results.json' } as const;

/** Prints the report's HTML into `<dir>/report.pdf` (temp file + rename). Returns the error message on failure. */
export async function printReportPdf(html: string, dir: string, printer: PdfPrinter | null, signal?: AbortSignal): Promise<string | undefined> {
  if (!printer) return NO_PRINTER_MESSAGE;
  try {
    const bytes = await printer.print(html, { signal });
    writeFileAtomic(path.join(dir, REPORT_FILES.pdf), bytes);
    return undefined;
  } catch (err) {
    signal?.throwIfAborted();
    return `PDF printing with ${printer.name} failed: ${(err as Error).message}`;
  }
}

/**
 * Builds a report and writes it into the project (`reports/<id>/`: report.html, results.csv, results.json and,
 * when asked and a printer exists, report.pdf), recording it in the reports table. Files are written in a
 * temporary folder and renamed into place, so a cancelled or failed run leaves no half-written report.
 */
export async function generateReport(
  project: Project,
  options: GenerateOptions,
  hooks: BuildHooks & { printer?: PdfPrinter | null } = {},
): Promise<GeneratedReport> {
  const progress = hooks.progress ?? (() => {});
  const content: ReportContent = await buildReportContent(project, options, hooks);
  hooks.signal?.throwIfAborted();
  progress(0.88, 'writing HTML, CSV and JSON');
  const html = renderReportHtml(content);
  const reportsDir = project.path('reports');
  fs.mkdirSync(reportsDir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(reportsDir, '.writing-'));
  try {
    // Each file is fsynced before the folder is renamed into place, so a crash never leaves an empty report.
    writeFileAtomic(path.join(tmp, REPORT_FILES.html), html);
    writeFileAtomic(path.join(tmp, REPORT_FILES.csv), resultsToCsv(content.results));
    const json = resultsToJson(content.results, {
      generatedAt: content.generatedAt,
      model: { id: content.model.id, name: content.model.name },
      dataset: content.dataset && { id: content.dataset.id, name: content.dataset.name },
      bands: content.bands.bands,
    });
    writeFileAtomic(path.join(tmp, REPORT_FILES.json), JSON.stringify(json, null, 1) + '\n');
    let pdfError: string | undefined;
    if (options.pdf) {
      progress(0.9, 'printing PDF');
      pdfError = await printReportPdf(html, tmp, hooks.printer ?? null, hooks.signal);
    }
    hooks.signal?.throwIfAborted();

    const db = project.db;
    const record = writeTransaction(db, () => {
      const id = insertReport(db, {
        modelId: content.model.id,
        datasetId: content.dataset?.id ?? null,
        title: content.title,
        bands: content.bands.bands,
        files: {},
      });
      const dir = path.join(reportsDir, String(id));
      fs.rmSync(dir, { recursive: true, force: true }); // a leftover of a deleted row must not block the rename
      fs.renameSync(tmp, dir);
      const rel = (f: string) => project.relative(path.join(dir, f));
      const files: ReportRecord['files'] = {
        html: rel(REPORT_FILES.html),
        csv: rel(REPORT_FILES.csv),
        json: rel(REPORT_FILES.json),
        ...(fs.existsSync(path.join(dir, REPORT_FILES.pdf)) ? { pdf: rel(REPORT_FILES.pdf) } : {}),
      };
      updateReportFiles(db, id, files);
      return { id, dir, files };
    });
    progress(1, `report ${record.id} written`);
    const m = content.metrics;
    return {
      reportId: record.id,
      dir: record.dir,
      files: record.files,
      ...(pdfError ? { pdfError } : {}),
      bands: content.bands.bands,
      bandsMethod: content.bands.method,
      summary: {
        images: content.results.length,
        verdicts: content.verdictCounts,
        imageAuroc: m.imageAuroc,
        pixelAuroc: m.pixelAuroc,
        aupro: m.aupro,
        f1Max: m.f1Max?.f1 ?? null,
        galleryShown: content.gallery.items.length,
        flagged: content.gallery.flagged,
      },
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Prints an already written report to PDF (the Electron path: the job writes HTML in its worker, then the main
 * process prints with webContents.printToPDF) and records the PDF in the reports row.
 */
export async function printStoredReport(project: Project, reportId: number, printer: PdfPrinter | null): Promise<string | undefined> {
  const record = getReport(project.db, reportId);
  if (!record?.files.html) throw new ReportError('not_found', `report ${reportId} does not exist or has no HTML file`);
  const htmlFile = project.path(record.files.html);
  const dir = path.dirname(htmlFile);
  const error = await printReportPdf(fs.readFileSync(htmlFile, 'utf8'), dir, printer);
  if (!error) updateReportFiles(project.db, reportId, { ...record.files, pdf: project.relative(path.join(dir, REPORT_FILES.pdf)) });
  return error;
}
