/**
 * Special files for the fault tests, made at test time: a FIFO without a writer, a Unix socket, a 10 GB sparse file
 * (no disk space used), links to /dev/zero. Nothing binary is kept in git.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const TEN_GB = 10 * 1024 ** 3;

export function fifo(file: string): string {
  execFileSync('mkfifo', [file]);
  return file;
}

/** A 10 GB file of holes: `fs.truncate` of a new file, so it takes no space. */
export function sparse(file: string, bytes = TEN_GB): string {
  fs.writeFileSync(file, '');
  fs.truncateSync(file, bytes);
  return file;
}

export function linkTo(target: string, file: string): string {
  fs.symlinkSync(target, file);
  return file;
}

/** A listening Unix socket at `file`; close the returned server when done. */
export async function unixSocket(file: string): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(file, resolve));
  return server;
}

/** The special files every reader must refuse at once, by label. */
export function specialFiles(dir: string, ext: string): Record<string, string> {
  fs.mkdirSync(dir, { recursive: true });
  return {
    '/dev/zero': '/dev/zero',
    'symlink to /dev/zero': linkTo('/dev/zero', path.join(dir, `zero-link${ext}`)),
    FIFO: fifo(path.join(dir, `pipe${ext}`)),
    '10 GB sparse file': sparse(path.join(dir, `sparse${ext}`)),
    'folder with a file name': (fs.mkdirSync(path.join(dir, `folder${ext}`)), path.join(dir, `folder${ext}`)),
  };
}
