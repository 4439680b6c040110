import { AppError } from './core/errors.js';
import { commands } from './cli/commands.js';
import { CliUsageError, type CliGlobals, type CliIo } from './cli/types.js';
import { APP_VERSION } from './core/version.js';

const defaultIo: CliIo = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `flowspect ${APP_VERSION} — visual anomaly detection workstation (CL-Flow on ONNX Runtime)`,
    '',
    'Usage: flowspect <command> [options]   (flowspect <command> --help for its options)',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Global options:',
    '  --json     print one JSON object as the last line of stdout',
    '  --verbose  log details to stderr',
    '  --help     show help',
  ].join('\n');
}

/** The headless face of the services: parses global flags, dispatches to a command, maps errors to exit codes. */
export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const globals: CliGlobals = { json: argv.includes('--json'), verbose: argv.includes('--verbose') };
  const rest = argv.filter((a) => a !== '--json' && a !== '--verbose');
  const [name, ...args] = rest;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(help());
    return name ? 0 : 2;
  }
  if (name === '--version') {
    io.out(APP_VERSION);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`flowspect: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.out(`${command.summary}\n\nUsage:\n  ${command.usage.split('\n').join('\n  ')}`);
    return 0;
  }
  try {
    return await command.run(args, io, globals);
  } catch (err) {
    if (err instanceof CliUsageError) {
      io.err(`flowspect ${name}: ${err.message}\nUsage:\n  ${command.usage.split('\n').join('\n  ')}`);
      return 2;
    }
    const body = err instanceof AppError ? err.toBody() : { code: 'internal', message: (err as Error)?.message ?? String(err) };
    io.err(`flowspect ${name}: ${body.message}`);
    if (globals.verbose && err instanceof Error && err.stack) io.err(err.stack);
    if (globals.json) io.err(JSON.stringify({ error: body }));
    return 1;
  }
}
