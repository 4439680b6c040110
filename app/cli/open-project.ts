/**
 * How a CLI command that writes opens its project: it takes the writer lock (a project held by another process
 * fails with who holds it: pid, host, since when) and says on stderr what a dead writer had left running and this
 * open marked interrupted. Commands that only read open with `openProject(dir, { readonly: true })`, which works
 * while the project is held.
 */
import path from 'node:path';
import { openProject, type Project } from '../store/project.js';
import { describeRecovered } from '../store/recover.js';
import type { CliIo } from './types.js';

export function openProjectForWriting(dir: string, io: CliIo): Project {
  const project = openProject(path.resolve(dir));
  for (const line of describeRecovered(project.recovered)) io.err(`warning: ${line}`);
  return project;
}
