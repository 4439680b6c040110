/**
 * The folders a watcher is given, checked before anything starts: the watched folder must be a folder that is not
 * the project itself (its database would arrive as a "part"); --move-to must not be the watched folder (files
 * would come straight back); a results file inside the watched folder must have a name the watcher ignores.
 * Errors name the flag and the reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../core/errors.js';
import { isIgnoredName } from './names.js';

export interface WatchPaths {
  readonly dir: string;
  readonly moveTo: string | null;
  readonly out: string | null;
}

function isFolder(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function checkWatchPaths(projectDir: string, raw: { dir: string; moveTo?: string | null; out?: string | null }, flags = { dir: '--in', moveTo: '--move-to', out: '--out' }): WatchPaths {
  const dir = path.resolve(raw.dir);
  if (!isFolder(dir)) throw new AppError('invalid_request', `${flags.dir} ${dir}: not a folder (create it first; the watcher scores what appears in it)`);
  const real = fs.realpathSync(dir);
  if (real === fs.realpathSync(path.resolve(projectDir))) throw new AppError('invalid_request', `${flags.dir} ${dir} is the project folder; watch a folder of its own`);
  let moveTo: string | null = null;
  if (raw.moveTo) {
    moveTo = path.resolve(raw.moveTo);
    if (fs.existsSync(moveTo) && !isFolder(moveTo)) throw new AppError('invalid_request', `${flags.moveTo} ${moveTo} exists and is not a folder`);
    if ((fs.existsSync(moveTo) ? fs.realpathSync(moveTo) : moveTo) === real) throw new AppError('invalid_request', `${flags.moveTo} must not be the watched folder ${dir}`);
  }
  let out: string | null = null;
  if (raw.out) {
    out = path.resolve(raw.out);
    if (isFolder(out)) throw new AppError('invalid_request', `${flags.out} ${out} is a folder; name a file (e.g. results.jsonl)`);
    const parent = fs.existsSync(path.dirname(out)) ? fs.realpathSync(path.dirname(out)) : path.dirname(out);
    if (parent === real && !isIgnoredName(path.basename(out))) {
      throw new AppError('invalid_request', `${flags.out} ${out} is inside the watched folder, where it would be judged as a part; put it elsewhere (or name it .results.jsonl)`);
    }
  }
  return { dir, moveTo, out };
}
