import fs from 'node:fs/promises';
import path from 'node:path';
import type { ImportProblem } from './types.js';

/** Extensions treated as images. Other files (README, CSV, .DS_Store) are not images and are skipped silently. */
export const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp']);

export const isImageName = (name: string) => IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase()) && !name.startsWith('.');

/** File stem without extension; `_mask` suffixes are matched by the callers. */
export const stemOf = (file: string) => path.basename(file, path.extname(file));

export interface WalkResult {
  /** Absolute paths of image-named entries that are not directories, sorted for a stable import order. */
  readonly files: string[];
  readonly problems: ImportProblem[];
}

/**
 * Lists image files below `root`, recursively. Unreadable folders are reported, not fatal; symlinked folders are
 * followed once (a loop is reported); the signal is checked per folder.
 */
export async function walkImages(root: string, signal?: AbortSignal, onFolder?: (count: number) => void): Promise<WalkResult> {
  const files: string[] = [];
  const problems: ImportProblem[] = [];
  const seen = new Set<string>();
  const stack = [path.resolve(root)];
  let folders = 0;
  while (stack.length > 0) {
    signal?.throwIfAborted();
    const dir = stack.pop()!;
    let real: string;
    try {
      real = await fs.realpath(dir);
    } catch (err) {
      problems.push({ file: dir, reason: `cannot resolve folder: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
      continue;
    }
    if (seen.has(real)) {
      problems.push({ file: dir, reason: 'folder link loop (already scanned), skipped' });
      continue;
    }
    seen.add(real);
    let names: import('node:fs').Dirent[];
    try {
      names = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      problems.push({ file: dir, reason: `cannot read folder: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
      continue;
    }
    folders++;
    onFolder?.(folders);
    for (const d of names) {
      const full = path.join(dir, d.name);
      let isDir = d.isDirectory();
      if (d.isSymbolicLink()) {
        try {
          isDir = (await fs.stat(full)).isDirectory();
        } catch (err) {
          if (isImageName(d.name)) problems.push({ file: full, reason: `broken link: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}` });
          continue;
        }
      }
      if (isDir) {
        if (!d.name.startsWith('.')) stack.push(full);
      } else if (isImageName(d.name)) files.push(full);
    }
  }
  files.sort();
  return { files, problems };
}
