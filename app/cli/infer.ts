import { inferFolder } from '../infer/standalone.js';
import { CliUsageError, intFlag, parseCommandArgs, printResult, type CliCommand } from './types.js';

export const inferCommand: CliCommand = {
  name: 'infer',
  summary: 'Score a folder of images with an exported ONNX model (no project needed)',
  usage: 'flowspect infer --model model.onnx --images DIR --out results.csv [--maps DIR] [--batch N] [--provider auto|cpu|cuda] [--json]',
  async run(argv, io, globals) {
    const { values, positionals } = parseCommandArgs(argv, {
      model: { type: 'string' },
      images: { type: 'string' },
      out: { type: 'string' },
      maps: { type: 'string' },
      batch: { type: 'string' },
      provider: { type: 'string' },
    }, false);
    if (positionals.length) throw new CliUsageError(`unexpected argument "${positionals[0]}"`);
    if (!values.model || !values.images || !values.out) throw new CliUsageError('--model, --images and --out are required');
    const provider = values.provider ?? 'auto';
    if (!['auto', 'cpu', 'cuda'].includes(provider)) throw new CliUsageError(`--provider must be auto, cpu or cuda (got "${provider}")`);
    const r = await inferFolder({
      model: values.model,
      images: values.images,
      out: values.out,
      maps: values.maps,
      batchSize: intFlag(values.batch, 'batch', { min: 1, max: 256 }),
      session: { provider: provider as 'auto' | 'cpu' | 'cuda' },
      progress: (_f, msg) => globals.verbose && io.err(msg),
    });
    printResult(io, globals, r, () => [
      `${r.images} images scored on ${r.executionProvider} (${r.imagesPerSecond.toFixed(1)} images/s): ${r.verdicts.accept} accept, ${r.verdicts.review} review, ${r.verdicts.reject} reject`,
      ...r.failed.map((f) => `  skipped ${f.file}: ${f.reason}`),
      `wrote ${r.out}`,
    ]);
    return 0;
  },
};
