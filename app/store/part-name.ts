import path from 'node:path';

/**
 * A part's name from where it was imported: `file` relative to the imported folder `source`, with `/` separators
 * on every system (`metal/test/scratch/003.png`); a file outside `source` keeps its own path. Imports name new
 * rows with it and migration 4 named the rows that came before (a module of its own so the migration needs nothing
 * else of the store).
 */
export function originalPathOf(source: string | null, file: string): string {
  if (!source) return file;
  const rel = path.relative(source, file);
  const outside = rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel);
  return rel && !outside ? rel.split(path.sep).join('/') : file;
}
