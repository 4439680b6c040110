/**
 * The floors of app/, bottom first. A file may import files of its own folder and of any lower floor, never of a
 * higher one (the shared vocabulary lives in app/core at the bottom; the glue — transports, CLI, Electron — on top).
 * Folders on one floor do not import each other unless the later one is listed on a floor above.
 */
export const FLOORS: readonly (readonly string[])[] = [
  ['core', 'user-data'],
  ['graph', 'demo', 'synthesis'],
  ['runtime'],
  ['store'],
  ['dataset', 'model'],
  ['eval'],
  ['train'],
  ['infer'],
  ['report'],
  ['workflows', 'watch'],
  ['jobs'],
  ['context'],
  ['api'],
  ['transport'],
  ['cli', 'electron'],
  ['main', 'preload'],
];

/** Imports that are allowed to run up, each with the reason; the budget is at most five. */
export const ALLOWED_UPWARD: readonly { from: string; to: string; why: string }[] = [];

/** The floor of a path under app/ (`app/store/images.ts` → 'store', `app/main.ts` → 'main'). */
export function folderOf(file: string): string {
  const rest = file.replace(/^app\//, '');
  const first = rest.split('/')[0]!;
  return first.replace(/\.(ts|mts|mjs)$/, '');
}

export function floorOf(folder: string): number {
  const i = FLOORS.findIndex((f) => f.includes(folder));
  return i;
}
