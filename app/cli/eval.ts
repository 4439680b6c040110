import path from 'node:path';
import { SPLITS as IMAGE_SPLITS } from '../core/domain.js';
import { AppError } from '../core/errors.js';
import { MetricInputError } from '../eval/errors.js';
import { evaluateStoredResults } from '../eval/stored-results.js';
import { openProject } from '../store/project.js';
import { CliUsageError, intFlag, parseCommandArgs, printResult, type CliCommand } from './types.js';

const SPLITS = [...IMAGE_SPLITS, 'all'] as const;

export const evalCommand: CliCommand = {
  name: 'eval',
  summary: "Compute a model's metrics (image AUROC, F1-max + threshold, pixel AUROC, AUPRO) from its stored results",
  usage: 'flowspect eval PROJECT --model ID [--split test|val|train|all] [--dataset ID] [--fpr-limit 0.3] [--json]',
  async run(argv, io, globals) {
    const { values, positionals } = parseCommandArgs(argv, {
      model: { type: 'string' },
      split: { type: 'string' },
      dataset: { type: 'string' },
      'fpr-limit': { type: 'string' },
    });
    if (positionals.length !== 1) throw new CliUsageError('expected exactly one PROJECT folder');
    const modelId = intFlag(values.model, 'model', { min: 1, max: Number.MAX_SAFE_INTEGER });
    if (modelId === undefined) throw new CliUsageError('--model ID is required');
    const split = (values.split ?? 'test') as (typeof SPLITS)[number];
    if (!SPLITS.includes(split)) throw new CliUsageError(`--split must be one of ${SPLITS.join(', ')}`);
    const fprLimit = values['fpr-limit'] === undefined ? 0.3 : Number(values['fpr-limit']);
    if (!(fprLimit > 0 && fprLimit <= 1)) throw new CliUsageError(`--fpr-limit must be in (0, 1] (got "${values['fpr-limit']}")`);
    const project = openProject(path.resolve(positionals[0]), { readonly: true });
    try {
      const r = await evaluateStoredResults(project, modelId, {
        split,
        datasetId: intFlag(values.dataset, 'dataset', { min: 1, max: Number.MAX_SAFE_INTEGER }),
        fprLimit,
      }).catch((err) => {
        if (err instanceof MetricInputError) throw new AppError('invalid_request', err.message);
        throw err;
      });
      const f = (x: number) => x.toFixed(4);
      printResult(io, globals, r, () => [
        `model ${r.modelId} on ${r.split}: ${r.images.good} good, ${r.images.defect} defective images`,
        `  image AUROC ${f(r.imageAuroc)}   AP ${f(r.averagePrecision)}`,
        `  F1-max ${f(r.f1Max.f1)} at threshold ${r.f1Max.threshold} (precision ${f(r.f1Max.precision)}, recall ${f(r.f1Max.recall)})`,
        ...(r.atRejectThreshold ? [`  at the stored reject threshold ${r.atRejectThreshold.threshold}: recall ${f(r.atRejectThreshold.recall)}, FPR ${f(r.atRejectThreshold.fpr)}`] : []),
        ...(r.pixel ? [`  pixel AUROC ${f(r.pixel.auroc)}   AUPRO@${r.pixel.fprLimit} ${f(r.pixel.aupro)}   (${r.pixel.images} maps, ${r.pixel.mapPrecision})`] : []),
        ...r.notes.map((n) => `  note: ${n}`),
      ]);
      return 0;
    } finally {
      project.close();
    }
  },
};
