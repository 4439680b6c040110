import path from 'node:path';
import { exportModel } from '../infer/export.js';
import { openProject } from '../store/project.js';
import { CliUsageError, intFlag, parseCommandArgs, printResult, type CliCommand } from './types.js';

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'Write a trained model as one ONNX file (thresholds and facts in its metadata)',
  usage: 'flowspect export PROJECT --model ID --out model.onnx [--json]',
  async run(argv, io, globals) {
    const { values, positionals } = parseCommandArgs(argv, { model: { type: 'string' }, out: { type: 'string' } });
    if (positionals.length !== 1) throw new CliUsageError('expected exactly one project folder');
    const id = intFlag(values.model, 'model', { min: 1, max: Number.MAX_SAFE_INTEGER });
    if (id === undefined) throw new CliUsageError('--model ID is required');
    if (!values.out) throw new CliUsageError('--out FILE.onnx is required');
    const project = openProject(path.resolve(positionals[0]), { readonly: true });
    try {
      const r = exportModel(project, id, values.out);
      const result = { modelId: r.modelId, path: r.path, bytes: r.bytes, sha256: r.sha256, thresholds: r.metadata.thresholds, input: r.metadata.input };
      printResult(io, globals, result, () => [`wrote ${r.path} (${r.bytes} bytes, sha256 ${r.sha256.slice(0, 16)}…)`]);
      return 0;
    } finally {
      project.close();
    }
  },
};
