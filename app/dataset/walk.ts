/**
 * Listing a dataset folder: image files to import, and every other file with the reason it is skipped (an
 * unsupported format such as .gif, a hidden file or folder), so nothing is left out without the user being told.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ImportProblem } from './types.js';

/** Extensions treated as images. */
export const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp']);

export const isImageName = (name: string) => IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase()) && !name.startsWith('.');

/** Why a file is not imported, or null for an image name. */
export function skipReason(name: string): string | null {
  if (name.startsWith('.')) return 'hidden file (its name starts with a dot), skipped';
  const ext = path.extname(name).toLowerCase();
  if (IMAGE_EXTENSIONS.has(ext)) return null;
  return `unsupported format (${ext || 'no extension'}), skipped; images must be ${[...IMAGE_EXTENSIONS].join(' ')}`;
}

/** File stem without extension; `_mask` suffixes are matched by the callers. */
export const stemOf = (file: string) => path.basename(file, path.extname(file));

export interface WalkResult {
  /** Absolute paths of image-named entries that are not directories, sorted for a stable import order. */
  readonly files: string[];
  readonly problems: ImportProblem[];
  /** Files and folders left out on purpose, with the reason (unsupported format, hidden). */
  readonly skipped: ImportProblem[];
}

/**
 * Lists image files below `root`, recursively. Unreadable folders are reported, not fatal; symlinked folders are
 * followed once (a loop is reported); the signal is checked per folder.
 */
export async function walkImages(root: string, signal?: AbortSignal, onFolder?: (count: number) => void): Promise<WalkResult> {
  const files: string[] = [];
  const problems: ImportProblem[] = [];
  const skipped: ImportProblem[] = [];
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
        else skipped.push({ file: full, reason: 'hidden folder (its name starts with a dot), not scanned' });
        continue;
      }
      const reason = skipReason(d.name);
      if (reason === null) files.push(full);
      else skipped.push({ file: full, reason });
    }
  }
  files.sort();
  skipped.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { files, problems, skipped };
}
