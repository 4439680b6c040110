import fs from 'node:fs';
import type { HandlerContext } from '../../context.js';
import { buildReportContent } from '../../report/content.js';
import { printStoredReport, type GeneratedReport } from '../../report/generate.js';
import { renderReportHtml } from '../../report/html.js';
import type { ReportJobPayload } from '../../jobs/kinds/report.js';
import { mainPdfPrinter } from '../../report/pdf.js';
import { getReport, listReports } from '../../store/reports.js';
import type { HandlerGroup } from '../define.js';
import { AppError } from '../../core/errors.js';
import type { reportMethods } from '../methods/reports.js';

export const reportHandlers: HandlerGroup<typeof reportMethods, HandlerContext> = {
  'reports.create': (req, { app }) => {
    const project = app.project();
    const printer = req.pdf ? mainPdfPrinter() : null;
    const payload: ReportJobPayload = { ...req, printInMain: printer !== null };
    const job = app.jobs.start(project, 'report', payload);
    if (printer) {
      // Electron: the worker wrote HTML/CSV/JSON; print here with webContents.printToPDF, then record the PDF.
      void app.jobs
        .wait(project, job.id)
        .then(async (done) => {
          const result = done.result as GeneratedReport | null;
          if (done.status !== 'succeeded' || !result || !project.db.open) return;
          const error = await printStoredReport(project, result.reportId, printer);
          if (error) app.log.warn(`report ${result.reportId}: ${error}`);
        })
        .catch((err: unknown) => app.log.error(`report job ${job.id}: PDF printing failed: ${(err as Error).message}`));
    }
    return job;
  },
  'reports.list': (req, { app }) => listReports(app.project().db, req),
  'reports.preview': async (req, { app }) => {
    const project = app.project();
    if ('reportId' in req) {
      const record = getReport(project.db, req.reportId);
      if (!record?.files.html) throw new AppError('not_found', `report ${req.reportId} does not exist or has no HTML file`);
      return { html: fs.readFileSync(project.path(record.files.html), 'utf8'), bands: record.bands, bandsMethod: 'as stored with the report' };
    }
    const content = await buildReportContent(project, req);
    return { html: renderReportHtml(content), bands: content.bands.bands, bandsMethod: content.bands.method };
  },
};
