import fs from 'node:fs';
import path from 'node:path';
import { exportModel } from '../infer/export.js';
import { PRECISIONS, type Precision } from '../core/domain.js';
import { writeExportCompanions } from '../report/export-companions.js';
import { modelCardPathFor } from '../report/model-card.js';
import { openProject } from '../store/project.js';
import { CliUsageError, intFlag, parseCommandArgs, printResult, type CliCommand } from './types.js';

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'Write a trained model as one ONNX file (thresholds and facts in its metadata)',
  usage:
    'flowspect export PROJECT --model ID --out model.onnx [--precision fp32|int8] [--triton DIR [--triton-name NAME] [--max-batch N]] [--json]\n' +
    '(also writes model.card.json beside the ONNX file; --triton writes an NVIDIA Triton model repository; --precision int8 quantizes the\n' +
    'backbone, checks it against fp32 on the project\'s images and lowers its thresholds by the largest score drop, or refuses)',
  async run(argv, io, globals) {
    const { values, positionals } = parseCommandArgs(argv, {
      model: { type: 'string' },
      out: { type: 'string' },
      triton: { type: 'string' },
      'triton-name': { type: 'string' },
      'max-batch': { type: 'string' },
      precision: { type: 'string' },
    });
    if (positionals.length !== 1) throw new CliUsageError('expected exactly one project folder');
    const id = intFlag(values.model, 'model', { min: 1, max: Number.MAX_SAFE_INTEGER });
    if (id === undefined) throw new CliUsageError('--model ID is required');
    if (!values.out) throw new CliUsageError('--out FILE.onnx is required');
    if (!values.triton && (values['triton-name'] !== undefined || values['max-batch'] !== undefined)) throw new CliUsageError('--triton-name and --max-batch need --triton DIR');
    const maxBatchSize = intFlag(values['max-batch'], 'max-batch', { min: 1, max: 1024 });
    const precision = values.precision ?? 'fp32';
    if (!(PRECISIONS as readonly string[]).includes(precision)) throw new CliUsageError(`--precision must be one of ${PRECISIONS.join(', ')}, got "${precision}"`);
    const project = openProject(path.resolve(positionals[0]), { readonly: true });
    try {
      // A card left beside the file by an earlier export describes the old file (perhaps its fp32 thresholds): it goes
      // as the new file is written, so a failure writing the new card never leaves it beside the new file.
      const card = modelCardPathFor(path.resolve(values.out));
      const r = await exportModel(project, id, values.out, { precision: precision as Precision, progress: (_f, m) => io.err(m), beforeWrite: () => fs.rmSync(card, { force: true }) });
      const c = await writeExportCompanions(project, id, r.path, { tritonDir: values.triton && path.resolve(values.triton), tritonName: values['triton-name'], maxBatchSize });
      const triton = c.triton && { dir: c.triton.modelDir, config: c.triton.configFile, maxBatchSize: c.triton.config.maxBatchSize };
      const result = { modelId: r.modelId, path: r.path, bytes: r.bytes, sha256: r.sha256, precision: r.metadata.precision ?? 'fp32', ...(r.metadata.quantization ? { quantization: r.metadata.quantization } : {}), thresholds: r.metadata.thresholds, input: r.metadata.input, card: c.cardFile, ...(triton ? { triton } : {}) };
      printResult(io, globals, result, () => [
        `wrote ${r.path} (${r.metadata.precision ?? 'fp32'}, ${r.bytes} bytes, sha256 ${r.sha256.slice(0, 16)}…)`,
        ...(r.metadata.quantization ? [`int8 checked on ${r.metadata.quantization.checkImages} images: thresholds lowered by ${r.metadata.quantization.thresholdShift.toPrecision(3)}`] : []),
        `wrote ${c.cardFile}`,
        ...(triton ? [`wrote Triton model ${triton.dir} (max batch ${triton.maxBatchSize})`] : []),
      ]);
      return 0;
    } finally {
      project.close();
    }
  },
};
