/**
 * `flowspect infer`: scores a folder with an exported model. Exit 0 only when every image was judged; any image
 * that could not be (verdict 'error': unreadable, refused by the model, or a score that is not a finite number)
 * makes the exit code 1 and is named on stderr, so a line script never takes silence for a pass.
 */
import { inferFolder, type StandaloneSummary } from '../infer/standalone.js';
import { printable } from './printable.js';
import { CliUsageError, intFlag, parseCommandArgs, printResult, type CliCommand, type CliIo } from './types.js';

/** Names every image that could not be judged (stderr), and says so when none could: the reason is usually shared. */
function reportUnjudged(io: CliIo, r: StandaloneSummary): void {
  if (r.unjudged.length === 0) return;
  const head =
    r.judged === 0
      ? `flowspect infer: no image could be judged (${r.images} of ${r.images} are errors); first reason: ${r.unjudged[0]!.reason}`
      : `flowspect infer: ${r.unjudged.length} of ${r.images} images could not be judged (verdict error, not passed)`;
  io.err(printable(head));
  for (const u of r.unjudged) io.err(`  error ${printable(u.file)}: ${printable(u.reason)}`);
}

export const inferCommand: CliCommand = {
  name: 'infer',
  summary: 'Score a folder of images with an exported ONNX model (no project needed)',
  usage: [
    'flowspect infer --model model.onnx --images DIR --out results.csv [--maps DIR] [--batch N] [--provider auto|cpu|cuda] [--json]',
    'One CSV row per image: path, score, verdict (accept, review, reject or error), map_file, reason. A score that is',
    'not a finite number, or an image that cannot be read or scored, is an error (never accept) and makes the exit',
    'code 1, naming each such image on stderr. --out must not be one of the images; maps never overwrite each other.',
  ].join('\n'),
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
    const v = r.verdicts;
    printResult(io, globals, r, () => [
      `${r.judged} of ${r.images} images judged on ${r.executionProvider}, ${r.precision} (${r.imagesPerSecond.toFixed(1)} images/s): ${v.accept} accept, ${v.review} review, ${v.reject} reject, ${v.error} error`,
      printable(`wrote ${r.out}`),
    ]);
    reportUnjudged(io, r);
    return r.unjudged.length === 0 ? 0 : 1;
  },
};
