import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AppError } from '../core/errors.js';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export interface CliGlobals {
  readonly json: boolean;
  readonly verbose: boolean;
}

/** One `flowspect <name>` command. `run` returns the exit code; thrown errors become stderr + exit 1. */
export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  /** Usage lines shown by `flowspect <name> --help`. */
  readonly usage: string;
  run(argv: string[], io: CliIo, globals: CliGlobals): Promise<number>;
}

export class CliUsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Strict flag parsing shared by every command: unknown flags and missing values are usage errors. */
export function parseCommandArgs<O extends Options>(argv: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new CliUsageError((err as Error).message);
  }
}

/** Prints a command's result: one JSON object as the last stdout line with --json, readable lines otherwise. */
export function printResult(io: CliIo, globals: CliGlobals, result: object, human: () => string[]): void {
  if (globals.json) io.out(JSON.stringify(result));
  else for (const line of human()) io.out(line);
}

export function intFlag(value: string | undefined, name: string, range: { min: number; max: number }): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < range.min || n > range.max) {
    throw new CliUsageError(`--${name} must be an integer from ${range.min} to ${range.max} (got "${value}")`);
  }
  return n;
}

export function jsonFlag(value: string | undefined, name: string): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch (err) {
    throw new AppError('invalid_request', `--${name} is not valid JSON: ${(err as Error).message}`);
  }
}
