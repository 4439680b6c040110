/**
 * The files `flowspect infer` reads and writes: the image list, one map file name per image (unique and the same
 * for the same folder, so no map ever overwrites another), and the check that neither the CSV nor a map lands on an
 * image being scored.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../core/errors.js';

export const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp']);

/** Image files under `dir` (recursive), sorted. */
export function listImages(dir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true, recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new AppError(code === 'ENOENT' ? 'not_found' : 'invalid_request', `--images ${dir}: cannot read the folder (${code ?? (err as Error).message})`);
  }
  return entries
    .filter((e) => e.isFile() && IMAGE_EXT.has(path.extname(e.name).toLowerCase()))
    .map((e) => path.join(e.parentPath ?? dir, e.name))
    .sort();
}

/** The image's path under the input folder with `/` separators: how the CSV names it, and what its map name hashes. */
export function relativeName(imagesDir: string, file: string): string {
  return path.relative(imagesDir, file).split(path.sep).join('/');
}

/** A readable file name from a relative path: folders joined with `__`, the extension dropped, odd characters `_`. */
function readableStem(rel: string): string {
  return rel
    .replace(/\.[^./]+$/, '')
    .replace(/\//g, '__')
    .replace(/[\u0000-\u001f\u007f<>:"\\|?*]/g, '_');
}

const hashOf = (rel: string, chars: number): string => createHash('sha256').update(rel).digest('hex').slice(0, chars);

/**
 * Map file name (no folder) per image, keyed by the image's path: `<stem>_map.png` where that is unique (compared
 * case-insensitively, as macOS and Windows compare names), else `<stem>.<hash of the relative path>_map.png` for
 * every image sharing the stem (`a.png` and `a.jpg`; `sub/b.png` and `sub__b.png`). Same folder, same names.
 */
export function mapFileNames(imagesDir: string, files: readonly string[]): Map<string, string> {
  const stems = files.map((f) => readableStem(relativeName(imagesDir, f)));
  const count = new Map<string, number>();
  for (const s of stems) count.set(s.toLowerCase(), (count.get(s.toLowerCase()) ?? 0) + 1);
  const names = files.map((f, i) => (count.get(stems[i]!.toLowerCase())! > 1 ? `${stems[i]}.${hashOf(relativeName(imagesDir, f), 10)}` : stems[i]!));
  // A 10-hex-digit clash is all but impossible; if it happens, the full hash settles it (still deterministic).
  const seen = new Map<string, number>();
  for (const n of names) seen.set(n.toLowerCase(), (seen.get(n.toLowerCase()) ?? 0) + 1);
  return new Map(
    files.map((f, i) => {
      const name = seen.get(names[i]!.toLowerCase())! > 1 ? `${stems[i]}.${hashOf(relativeName(imagesDir, f), 64)}` : names[i]!;
      return [f, `${name}_map.png`];
    }),
  );
}

/** The real path of a file that may not exist yet (its folder resolved), for comparing with the inputs. */
function realTarget(file: string): string {
  const abs = path.resolve(file);
  try {
    return fs.realpathSync(abs);
  } catch {
    try {
      return path.join(fs.realpathSync(path.dirname(abs)), path.basename(abs));
    } catch {
      return abs;
    }
  }
}

/**
 * Refuses (before anything is written) a CSV or map file that would overwrite one of the images being scored:
 * `--out` must not be an input image, and `--maps` must not be the input folder when a map name is an input's name.
 */
export function refuseOverwritingInputs(files: readonly string[], out: string, maps?: { dir: string; names: ReadonlyMap<string, string> }): void {
  const inputs = new Set(files.map(realTarget));
  if (inputs.has(realTarget(out))) throw new AppError('invalid_request', `--out ${out} is one of the images being scored; choose another file for the CSV`);
  if (!maps) return;
  for (const [file, name] of maps.names) {
    const target = realTarget(path.join(maps.dir, name));
    if (inputs.has(target)) throw new AppError('invalid_request', `--maps ${maps.dir}: the map of ${file} would overwrite the image ${target}; choose a folder outside the images`);
  }
}
