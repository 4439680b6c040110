import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AppError } from '../core/errors.js';
import { migrate } from './migrate.js';
import { APP_VERSION } from '../core/version.js';

export const DB_FILE = 'flowspect.db';
/** Blob folders inside a project. Everything the db points to lives below the project folder. */
export const BLOB_DIRS = [
  'images',
  'thumbnails',
  'masks',
  'maps',
  'models',
  'checkpoints',
  'features',
  'backbones',
  'reports',
] as const;
export type BlobDir = (typeof BLOB_DIRS)[number];

export interface Project {
  readonly dir: string;
  readonly db: Database.Database;
  /** Absolute path of a project-relative path; refuses anything that would leave the project folder. */
  path(...rel: string[]): string;
  /** Project-relative form (forward slashes) of an absolute path inside the project. */
  relative(abs: string): string;
  close(): void;
}

function openDatabase(file: string, readonly = false): Database.Database {
  const db = new Database(file, { readonly, fileMustExist: true });
  if (!readonly) db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  return db;
}

function wrap(dir: string, db: Database.Database): Project {
  const root = path.resolve(dir);
  return {
    dir: root,
    db,
    path(...rel: string[]) {
      const abs = path.resolve(root, ...rel);
      if (abs !== root && !abs.startsWith(root + path.sep)) {
        throw new AppError('forbidden', `path ${rel.join('/')} is outside the project folder`);
      }
      return abs;
    },
    relative(abs: string) {
      const rel = path.relative(root, path.resolve(abs));
      if (rel.startsWith('..') || path.isAbsolute(rel)) {
        throw new AppError('forbidden', `${abs} is outside the project folder`);
      }
      return rel.split(path.sep).join('/');
    },
    close() {
      if (db.open) db.close();
    },
  };
}

export function isProjectDir(dir: string): boolean {
  return fs.existsSync(path.join(dir, DB_FILE));
}

/** Creates a new project folder (the folder may exist but must not already hold a project). */
export function createProject(dir: string, name?: string): Project {
  const root = path.resolve(dir);
  if (isProjectDir(root)) throw new AppError('conflict', `${root} already holds a Flowspect project`);
  if (fs.existsSync(root) && !fs.statSync(root).isDirectory()) {
    throw new AppError('invalid_request', `${root} exists and is not a folder`);
  }
  fs.mkdirSync(root, { recursive: true });
  for (const d of BLOB_DIRS) fs.mkdirSync(path.join(root, d), { recursive: true });
  const db = new Database(path.join(root, DB_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  db.prepare('INSERT INTO project (id, name, created_at, app_version) VALUES (1, ?, ?, ?)').run(
    name?.trim() || path.basename(root),
    new Date().toISOString(),
    APP_VERSION,
  );
  db.close();
  return openProject(root);
}

/** Opens an existing project, migrating its schema forward; a project from a newer app is refused. */
export function openProject(dir: string, options: { readonly?: boolean } = {}): Project {
  const root = path.resolve(dir);
  if (!isProjectDir(root)) throw new AppError('not_found', `${root} is not a Flowspect project (no ${DB_FILE})`);
  let db: Database.Database;
  try {
    db = openDatabase(path.join(root, DB_FILE), options.readonly);
  } catch (err) {
    throw new AppError('invalid_file', `cannot open ${path.join(root, DB_FILE)}: ${(err as Error).message}`);
  }
  try {
    if (!options.readonly) migrate(db);
    for (const d of BLOB_DIRS) fs.mkdirSync(path.join(root, d), { recursive: true });
  } catch (err) {
    db.close();
    throw err;
  }
  return wrap(root, db);
}
