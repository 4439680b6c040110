/**
 * `flowspect bench soak [--seconds N] [--clients N] --json` (`npm run bench:soak`): serve mode under load. 8 clients
 * (default) for 60 s (default) of mixed reads, edits with undo, imports and scoring against a `flowspect serve`
 * child process; prints requests and latency p50/p99/max per method, errors, lost rows and the server's memory.
 * See bench/soak/run.ts and docs/benchmarks.md.
 */
import { parseArgs } from 'node:util';
import { CliUsageError, intFlag } from '../app/cli/types.js';
import type { BenchOptions } from './types.js';
import { runSoak } from './soak/run.js';

export function soakArgs(args: readonly string[]): { seconds: number; clients: number } {
  let values: { seconds?: string; clients?: string };
  try {
    ({ values } = parseArgs({ args: [...args], options: { seconds: { type: 'string' }, clients: { type: 'string' }, quick: { type: 'boolean' } }, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new CliUsageError(`bench soak: ${(err as Error).message}`);
  }
  return { seconds: intFlag(values.seconds, 'seconds', { min: 1, max: 86_400 }) ?? 60, clients: intFlag(values.clients, 'clients', { min: 1, max: 64 }) ?? 8 };
}

export async function run(options: BenchOptions): Promise<object> {
  const { seconds, clients } = soakArgs(options.args);
  return runSoak({ seconds: options.quick ? Math.min(seconds, 10) : seconds, clients, log: options.log });
}
