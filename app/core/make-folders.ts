/**
 * Making a folder and its missing parents safely: one level at a time, because a recursive mkdir can loop forever
 * below /proc and similar file systems (projects.create /proc/nope hung the server). What is missing is found first,
 * so a caller can refuse before writing anything; a failure removes the folders made so far.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from './errors.js';

/**
 * The folders missing on the way to `dir` (outermost first; empty when it exists). A file in the way — `dir`
 * itself or a parent — is an AppError naming it; `what` names the folder in messages ("the project folder").
 */
export function missingFolders(dir: string, what: string): string[] {
  const root = path.resolve(dir);
  const missing: string[] = [];
  let at = root;
  for (;;) {
    let stat: fs.Stats | null = null;
    try {
      stat = fs.statSync(at);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: something above is a file; the walk up finds it and says so.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new AppError('invalid_request', `cannot create ${what} ${root}: ${at} cannot be read (${code ?? (err as Error).message})`);
    }
    if (stat) {
      if (!stat.isDirectory()) {
        throw new AppError('invalid_request', at === root ? `${root} is a file, not a folder: choose a new or empty folder` : `cannot create ${what} ${root}: ${at} is a file, not a folder`);
      }
      return missing;
    }
    missing.unshift(at);
    const parent = path.dirname(at);
    if (parent === at) return missing;
    at = parent;
  }
}

/** Makes `missing` (from missingFolders) in order; on a failure removes what it made and names the folder. */
export function makeFolders(root: string, missing: readonly string[], what: string): void {
  const made: string[] = [];
  try {
    for (const d of missing) {
      fs.mkdirSync(d);
      made.push(d);
    }
  } catch (err) {
    for (const d of made.reverse()) fs.rmdirSync(d);
    throw new AppError('invalid_request', `cannot create ${what} ${root}: ${(err as Error).message}`);
  }
}
