import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { RecentProject } from '../core/schemas.js';
import { writeFileAtomic } from '../core/atomic-write.js';

const RecentFile = z.array(z.object({ dir: z.string(), name: z.string(), openedAt: z.string() }));
const MAX_RECENT = 20;

/** The recent-projects list lives in the user-data folder (it spans projects, so it cannot live in one). */
export function readRecent(userDataDir: string): RecentProject[] {
  const file = path.join(userDataDir, 'recent-projects.json');
  let entries: z.infer<typeof RecentFile> = [];
  try {
    entries = RecentFile.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch {
    entries = []; // missing or corrupt: start a fresh list rather than failing the UI
  }
  return entries.map((e) => ({ ...e, exists: fs.existsSync(path.join(e.dir, 'flowspect.db')) }));
}

export function rememberRecent(userDataDir: string, dir: string, name: string): void {
  const list = readRecent(userDataDir)
    .filter((e) => e.dir !== dir)
    .map(({ dir: d, name: n, openedAt }) => ({ dir: d, name: n, openedAt }));
  list.unshift({ dir, name, openedAt: new Date().toISOString() });
  writeFileAtomic(path.join(userDataDir, 'recent-projects.json'), JSON.stringify(list.slice(0, MAX_RECENT), null, 2));
}
