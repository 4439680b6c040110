import { benchmarks } from '../../bench/index.js';
import { CliUsageError, type CliCommand } from './types.js';

export const benchCommand: CliCommand = {
  name: 'bench',
  summary: 'Run a benchmark and print its JSON',
  usage: `flowspect bench NAME [--json] [--quick]   (NAME: ${Object.keys(benchmarks).join(', ') || 'none yet'})`,
  async run(argv, io) {
    const [name, ...rest] = argv;
    const bench = name ? benchmarks[name] : undefined;
    if (!bench) throw new CliUsageError(`unknown benchmark "${name ?? ''}"; known: ${Object.keys(benchmarks).join(', ')}`);
    const result = await bench.run({ quick: rest.includes('--quick'), log: (m) => io.err(m), args: rest });
    io.out(JSON.stringify(result));
    return 0;
  },
};
