import path from 'node:path';
import { copyFileAtomic } from '../core/atomic-write.js';
import { parseBandsFlag } from '../report/bands.js';
import { generateReport, REPORT_FILES } from '../report/generate.js';
import { defaultPdfPrinter } from '../report/pdf.js';
import { openProject } from '../store/project.js';
import { CliUsageError, intFlag, parseCommandArgs, printResult, type CliCommand } from './types.js';

const KINDS = { '.pdf': 'pdf', '.html': 'html', '.htm': 'html', '.csv': 'csv', '.json': 'json' } as const;

export const reportCommand: CliCommand = {
  name: 'report',
  summary: 'Write a report (HTML, PDF, CSV, JSON) of a model’s results',
  usage: [
    'flowspect report PROJECT --model ID --out report.pdf|report.html|results.csv|results.json',
    '    [--bands REVIEW,REJECT] [--dataset ID|all] [--title TEXT] [--gallery N] [--pdf] [--json]',
    'Every format is also kept in PROJECT/reports/<id>/. A .pdf needs Chromium (/usr/bin/chromium or CHROMIUM_PATH);',
    'without it the HTML is written beside --out and the command fails with the reason. --pdf prints a PDF into the',
    'project even when --out is another format.',
  ].join('\n'),
  async run(argv, io, globals) {
    const { values, positionals } = parseCommandArgs(argv, {
      model: { type: 'string' },
      out: { type: 'string' },
      bands: { type: 'string' },
      dataset: { type: 'string' },
      title: { type: 'string' },
      gallery: { type: 'string' },
      pdf: { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new CliUsageError('expected exactly one project folder');
    const modelId = intFlag(values.model, 'model', { min: 1, max: Number.MAX_SAFE_INTEGER });
    if (modelId === undefined) throw new CliUsageError('--model ID is required');
    if (!values.out) throw new CliUsageError('--out FILE is required (.pdf, .html, .csv or .json)');
    const out = path.resolve(values.out);
    const kind = KINDS[path.extname(out).toLowerCase() as keyof typeof KINDS];
    if (!kind) throw new CliUsageError(`--out must end in .pdf, .html, .csv or .json (got "${values.out}")`);
    const datasetId = values.dataset === undefined ? undefined : values.dataset === 'all' ? null : intFlag(values.dataset, 'dataset', { min: 1, max: Number.MAX_SAFE_INTEGER });
    const galleryLimit = intFlag(values.gallery, 'gallery', { min: 0, max: 2000 });
    const bands = values.bands === undefined ? undefined : parseBandsFlag(values.bands);
    const wantPdf = kind === 'pdf' || values.pdf === true;

    const project = openProject(path.resolve(positionals[0]!));
    try {
      let last = -1;
      const report = await generateReport(
        project,
        { modelId, datasetId, bands, title: values.title, galleryLimit, pdf: wantPdf },
        {
          printer: wantPdf ? defaultPdfPrinter() : null,
          progress: (f, m) => {
            const pctNow = Math.floor(f * 10);
            if (!globals.json && pctNow !== last) io.err(`${Math.round(f * 100)}% ${m}`);
            last = pctNow;
          },
        },
      );
      const inProject = (k: keyof typeof REPORT_FILES) => (report.files[k] ? project.path(report.files[k]!) : undefined);
      const files = Object.fromEntries((['html', 'pdf', 'csv', 'json'] as const).flatMap((k) => (inProject(k) ? [[k, inProject(k)!]] : [])));
      if (kind === 'pdf' && report.pdfError) {
        const htmlOut = out.replace(/\.pdf$/i, '.html');
        copyFileAtomic(inProject('html')!, htmlOut);
        io.err(`flowspect report: ${report.pdfError}; the HTML report was written to ${htmlOut}`);
        if (globals.json) io.err(JSON.stringify({ error: { code: 'unavailable', message: report.pdfError }, html: htmlOut, reportId: report.reportId }));
        return 1;
      }
      copyFileAtomic(inProject(kind)!, out);
      const result = { reportId: report.reportId, out, files, bands: report.bands, bandsMethod: report.bandsMethod, summary: report.summary, ...(report.pdfError ? { pdfError: report.pdfError } : {}) };
      const s = report.summary;
      printResult(io, globals, result, () => [
        `wrote ${out}`,
        `  report ${report.reportId}: ${s.images} images — ${s.verdicts.accept} accept, ${s.verdicts.review} review, ${s.verdicts.reject} reject, ${s.verdicts.error} error (no finite score, not passed)`,
        `  bands: review from ${report.bands.review}, reject from ${report.bands.reject} (${report.bandsMethod})`,
        `  image AUROC ${s.imageAuroc?.toFixed(4) ?? '—'}, pixel AUROC ${s.pixelAuroc?.toFixed(4) ?? '—'}, AUPRO ${s.aupro?.toFixed(4) ?? '—'}, F1-max ${s.f1Max?.toFixed(4) ?? '—'}`,
        `  all formats in ${report.dir}`,
        ...(report.pdfError ? [`  PDF not written: ${report.pdfError}`] : []),
      ]);
      return 0;
    } finally {
      project.close();
    }
  },
};
