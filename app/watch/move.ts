/**
 * `--move-to`: takes a judged file out of the watched folder. A rename is atomic; across file systems (EXDEV) the
 * file is copied under a dot-name in the target folder (which a watcher there ignores), fsync'd, renamed into
 * place and only then removed from the source, so at every moment one whole copy exists. An existing file in the
 * target is never overwritten: the moved one gets " (2)", " (3)"… before its extension.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

async function freeName(dir: string, name: string): Promise<string> {
  const ext = path.extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let n = 1; ; n++) {
    const candidate = path.join(dir, n === 1 ? name : `${stem} (${n})${ext}`);
    try {
      await fs.lstat(candidate);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return candidate;
      throw err;
    }
  }
}

async function copyAcross(file: string, target: string): Promise<void> {
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(4).toString('hex')}.part`);
  try {
    await fs.copyFile(file, tmp, fs.constants.COPYFILE_EXCL);
    const handle = await fs.open(tmp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await fs.unlink(file);
}

/** Moves `file` into `destDir` (created if missing); returns where it is now. */
export async function moveOut(file: string, destDir: string): Promise<string> {
  await fs.mkdir(destDir, { recursive: true });
  const target = await freeName(destDir, path.basename(file));
  try {
    await fs.rename(file, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyAcross(file, target);
  }
  return target;
}
