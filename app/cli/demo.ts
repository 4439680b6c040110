import { runDemo } from '../workflows/demo.js';
import { CliUsageError, parseCommandArgs, printResult, type CliCommand } from './types.js';

export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'Generate the demo dataset, create a project from it and run the demo pipeline',
  usage: 'flowspect demo --workdir DIR [--quick] [--json]',
  async run(argv, io, globals) {
    const { values, positionals } = parseCommandArgs(argv, { workdir: { type: 'string' }, quick: { type: 'boolean' } }, false);
    if (positionals.length > 0) throw new CliUsageError(`unexpected argument "${positionals[0]}"`);
    if (!values.workdir) throw new CliUsageError('--workdir DIR is required');
    const result = await runDemo({ workdir: values.workdir, quick: values.quick ?? false, log: (m) => io.err(m) });
    printResult(io, globals, result, () => [
      `demo project ready in ${result.project} (${result.seconds} s)`,
      ...Object.entries(result.steps).map(([name, r]) => `  ${name}: ${JSON.stringify(r)}`),
    ]);
    return 0;
  },
};
