import { importDataset } from '../dataset/import.js';
import { openProjectForWriting } from './open-project.js';
import { CliUsageError, intFlag, parseCommandArgs, printResult, type CliCommand } from './types.js';

const FORMATS = ['auto', 'mvtec', 'btad', 'visa', 'folder'] as const;

export const importCommand: CliCommand = {
  name: 'import',
  summary: 'Import a dataset folder (MVTec AD, BTAD, VisA, generic) into a project',
  usage: [
    'flowspect import PROJECT SOURCE [--format auto|mvtec|btad|visa|folder] [--reference] [--csv FILE]',
    '                 [--category NAME]... [--prefix NAME_PREFIX] [--threads N] [--json]',
  ].join('\n'),
  async run(argv, io, globals) {
    const { values, positionals } = parseCommandArgs(argv, {
      format: { type: 'string' },
      reference: { type: 'boolean' },
      csv: { type: 'string' },
      category: { type: 'string', multiple: true },
      prefix: { type: 'string' },
      threads: { type: 'string' },
    });
    if (positionals.length !== 2) throw new CliUsageError('expected PROJECT and SOURCE folders');
    const format = (values.format ?? 'auto') as (typeof FORMATS)[number];
    if (!FORMATS.includes(format)) throw new CliUsageError(`--format must be one of ${FORMATS.join(', ')} (got "${values.format}")`);
    const threads = intFlag(values.threads, 'threads', { min: 1, max: 16 });
    const project = openProjectForWriting(positionals[0], io);
    const controller = new AbortController();
    const onSignal = () => controller.abort(new Error('import cancelled (SIGINT)'));
    process.once('SIGINT', onSignal);
    try {
      let lastTenth = -1;
      const report = await importDataset(project, {
        source: positionals[1],
        format,
        storage: values.reference ? 'reference' : 'copy',
        csv: values.csv,
        categories: values.category,
        namePrefix: values.prefix,
        threads,
        signal: controller.signal,
        progress: (f, m) => {
          const tenth = Math.floor(f * 10);
          if (tenth !== lastTenth) io.err(`${Math.round(f * 100)}% ${m}`);
          lastTenth = tenth;
        },
      });
      printResult(io, globals, report, () => [
        `imported ${report.imported} images (${report.duplicates} already present, ${report.masks} masks) from ${report.source} as ${report.format} in ${report.seconds.toFixed(1)} s`,
        ...report.datasets.map((d) => `  dataset ${d.name} (#${d.id}): ${d.imported} new, ${d.duplicates} duplicates, ${d.failed} failed`),
        ...(report.failed.length ? [`not imported (${report.failed.length}):`, ...report.failed.map((f) => `  ${f.file}: ${f.reason}`)] : []),
        ...(report.warnings.length ? [`warnings (${report.warnings.length}):`, ...report.warnings.map((f) => `  ${f.file}: ${f.reason}`)] : []),
        ...(report.skipped.length ? [`skipped (${report.skipped.length}):`, ...report.skipped.map((f) => `  ${f.file}: ${f.reason}`)] : []),
      ]);
      return 0;
    } finally {
      process.off('SIGINT', onSignal);
      project.close();
    }
  },
};
