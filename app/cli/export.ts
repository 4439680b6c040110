import path from 'node:path';
import { exportModel } from '../infer/export.js';
import { writeExportCompanions } from '../report/export-companions.js';
import { openProject } from '../store/project.js';
import { CliUsageError, intFlag, parseCommandArgs, printResult, type CliCommand } from './types.js';

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'Write a trained model as one ONNX file (thresholds and facts in its metadata)',
  usage: 'flowspect export PROJECT --model ID --out model.onnx [--triton DIR [--triton-name NAME] [--max-batch N]] [--json]\n(also writes model.card.json beside the ONNX file; --triton writes an NVIDIA Triton model repository)',
  async run(argv, io, globals) {
    const { values, positionals } = parseCommandArgs(argv, {
      model: { type: 'string' },
      out: { type: 'string' },
      triton: { type: 'string' },
      'triton-name': { type: 'string' },
      'max-batch': { type: 'string' },
    });
    if (positionals.length !== 1) throw new CliUsageError('expected exactly one project folder');
    const id = intFlag(values.model, 'model', { min: 1, max: Number.MAX_SAFE_INTEGER });
    if (id === undefined) throw new CliUsageError('--model ID is required');
    if (!values.out) throw new CliUsageError('--out FILE.onnx is required');
    if (!values.triton && (values['triton-name'] !== undefined || values['max-batch'] !== undefined)) throw new CliUsageError('--triton-name and --max-batch need --triton DIR');
    const maxBatchSize = intFlag(values['max-batch'], 'max-batch', { min: 1, max: 1024 });
    const project = openProject(path.resolve(positionals[0]), { readonly: true });
    try {
      const r = await exportModel(project, id, values.out);
      const c = await writeExportCompanions(project, id, r.path, { tritonDir: values.triton && path.resolve(values.triton), tritonName: values['triton-name'], maxBatchSize });
      const triton = c.triton && { dir: c.triton.modelDir, config: c.triton.configFile, maxBatchSize: c.triton.config.maxBatchSize };
      const result = { modelId: r.modelId, path: r.path, bytes: r.bytes, sha256: r.sha256, thresholds: r.metadata.thresholds, input: r.metadata.input, card: c.cardFile, ...(triton ? { triton } : {}) };
      printResult(io, globals, result, () => [
        `wrote ${r.path} (${r.bytes} bytes, sha256 ${r.sha256.slice(0, 16)}…)`,
        `wrote ${c.cardFile}`,
        ...(triton ? [`wrote Triton model ${triton.dir} (max batch ${triton.maxBatchSize})`] : []),
      ]);
      return 0;
    } finally {
      project.close();
    }
  },
};
