/**
 * The demo pipeline's `report` step: one report (HTML, CSV, JSON, and PDF when Chromium is there) per ready model
 * that has results, so a first-time user opens the demo project with something to forward.
 */
import type { DemoStep } from './demo-step.js';
import { listModels } from '../store/models.js';
import { modelHasResults } from '../store/reports.js';
import { generateReport } from '../report/generate.js';
import { chromiumPath, openChromiumPdfPrinter, type PdfPrinter } from '../report/pdf.js';

export const reportDemoStep: DemoStep = {
  name: 'report',
  async run(ctx) {
    const db = ctx.project.db;
    const models = listModels(db, { status: 'ready' }).filter((m) => modelHasResults(db, m.id));
    const exe = chromiumPath();
    let printer: (PdfPrinter & { close(): Promise<void> }) | null = null;
    const reports: Record<string, unknown> = {};
    try {
      if (exe && models.length) printer = await openChromiumPdfPrinter(exe).catch(() => null);
      for (const m of models) {
        ctx.signal?.throwIfAborted();
        ctx.log(`report: model ${m.id} ${m.name}`);
        const r = await generateReport(ctx.project, { modelId: m.id, pdf: true }, { printer, signal: ctx.signal });
        reports[m.name] = { reportId: r.reportId, files: r.files, ...(r.pdfError ? { pdfError: r.pdfError } : {}), summary: r.summary };
      }
    } finally {
      await printer?.close().catch(() => {});
    }
    return { reports };
  },
};
