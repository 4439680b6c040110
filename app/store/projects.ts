import type Database from 'better-sqlite3';
import { AppError } from '../core/errors.js';
import type { ProjectInfo } from '../core/schemas.js';

interface ProjectRow {
  name: string;
  created_at: string;
  app_version: string;
}

export function readProjectInfo(db: Database.Database, dir: string): ProjectInfo {
  const row = db.prepare('SELECT name, created_at, app_version FROM project WHERE id = 1').get() as ProjectRow | undefined;
  if (!row) throw new AppError('invalid_file', `${dir}: the project database has no project record (damaged, or not made by Flowspect)`, { file: dir });
  const count = (table: string): number => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  return {
    dir,
    name: row.name,
    createdAt: row.created_at,
    appVersion: row.app_version,
    schemaVersion: db.pragma('user_version', { simple: true }) as number,
    counts: { datasets: count('datasets'), images: count('images'), models: count('models'), jobs: count('jobs') },
  };
}

export function readProjectSettings(db: Database.Database): Record<string, unknown> {
  const row = db.prepare('SELECT settings_json FROM project WHERE id = 1').get() as { settings_json: string } | undefined;
  return row ? (JSON.parse(row.settings_json) as Record<string, unknown>) : {};
}

export function writeProjectSettings(db: Database.Database, settings: Record<string, unknown>): void {
  db.prepare('UPDATE project SET settings_json = ? WHERE id = 1').run(JSON.stringify(settings));
}
