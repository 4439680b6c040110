import path from 'node:path';
import { createProject, openProject } from '../store/project.js';
import { readProjectInfo } from '../store/projects.js';
import type { ProjectInfo } from '../core/schemas.js';
import { CliUsageError, parseCommandArgs, printResult, type CliCommand } from './types.js';

function describe(info: ProjectInfo): string[] {
  return [
    `${info.name}  (${info.dir})`,
    `  created ${info.createdAt} by Flowspect ${info.appVersion}, schema v${info.schemaVersion}`,
    `  ${info.counts.datasets} datasets, ${info.counts.images} images, ${info.counts.models} models, ${info.counts.jobs} jobs`,
  ];
}

export const projectCommand: CliCommand = {
  name: 'project',
  summary: 'Create a project folder or show what one holds',
  usage: ['flowspect project create DIR [--name NAME] [--json]', 'flowspect project info DIR [--json]'].join('\n'),
  async run(argv, io, globals) {
    const [sub, ...rest] = argv;
    const { values, positionals } = parseCommandArgs(rest, { name: { type: 'string' } });
    const dir = positionals[0];
    if (!dir || positionals.length > 1) throw new CliUsageError('expected exactly one project folder');
    if (sub === 'create') {
      const p = createProject(path.resolve(dir), values.name);
      const info = readProjectInfo(p.db, p.dir);
      p.close();
      printResult(io, globals, info, () => ['created project', ...describe(info)]);
      return 0;
    }
    if (sub === 'info') {
      if (values.name !== undefined) throw new CliUsageError('--name only applies to `project create`');
      const p = openProject(path.resolve(dir), { readonly: true });
      try {
        const info = readProjectInfo(p.db, p.dir);
        printResult(io, globals, info, () => describe(info));
      } finally {
        p.close();
      }
      return 0;
    }
    throw new CliUsageError(`unknown subcommand "${sub ?? ''}": use create or info`);
  },
};
