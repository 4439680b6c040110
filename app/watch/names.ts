/**
 * Which names in a watched folder are parts and which are not: dot-files and the temporary names writers use while
 * a file is incomplete (`*.tmp`, `*.part`, browser downloads, editor backups) are never read; everything else that
 * is a regular file is judged, and a file that is not an image becomes an 'error' verdict naming why (never
 * silently skipped: on a line, a part nobody judged must be seen). Writers should write under one of the ignored
 * names and rename into place (docs/line.md).
 */
const TEMP_SUFFIXES = ['.tmp', '.part', '.partial', '.crdownload', '.download', '.swp', '~'];
const SYSTEM_NAMES = new Set(['thumbs.db', 'desktop.ini']);

export function isIgnoredName(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith('.') || SYSTEM_NAMES.has(lower) || TEMP_SUFFIXES.some((s) => lower.endsWith(s));
}
