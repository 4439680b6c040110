import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppContext } from '../context.js';
import { startServer } from '../transport/http.js';
import { readRecent } from '../store/recent.js';
import { CliUsageError, intFlag, parseCommandArgs, printResult, type CliCommand } from './types.js';

export const RENDERER_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../renderer/dist');
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Serve the workstation over HTTP on 127.0.0.1 (the same API as the desktop app)',
  usage: 'flowspect serve [--port N] [--host ADDR] [--project DIR | --demo [--quick]] [--json]',
  async run(argv, io, globals) {
    const { values } = parseCommandArgs(
      argv,
      { port: { type: 'string' }, host: { type: 'string' }, project: { type: 'string' }, demo: { type: 'boolean' }, quick: { type: 'boolean' } },
      false,
    );
    if (values.demo && values.project) throw new CliUsageError('use either --project or --demo');
    const port = intFlag(values.port, 'port', { min: 0, max: 65535 }) ?? 0;
    const host = values.host ?? '127.0.0.1';
    if (!LOOPBACK.has(host)) {
      io.err(`warning: serving on ${host} makes Flowspect reachable from other machines; anyone with the token can use it`);
    }
    const app = new AppContext(undefined, { verbose: globals.verbose });
    if (values.project) app.openProject(path.resolve(values.project));
    else if (values.demo) {
      const { project, job } = app.openDemo(values.quick ?? false);
      io.err(job ? `building the demo project in ${project.dir} (job ${job.id}); the workstation shows its progress` : `opened the demo project ${project.dir}`);
    } else {
      const last = readRecent(app.userDataDir).find((r) => r.exists);
      if (last) {
        try {
          app.openProject(last.dir);
        } catch (err) {
          io.err(`could not reopen ${last.dir}: ${(err as Error).message}`);
        }
      }
    }
    const server = await startServer({ app, port, host, staticDir: RENDERER_DIST });
    printResult(io, globals, { url: server.url, port: server.port, token: server.token }, () => [
      `Flowspect is serving on ${server.origin}`,
      `Open: ${server.url}`,
    ]);
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await server.close();
    await app.dispose();
    return 0;
  },
};
