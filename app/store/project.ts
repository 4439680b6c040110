/**
 * A project folder: the SQLite database, the blob folders beside it, and the writer lock (store/lock.ts). Opening
 * for writing takes the lock, migrates the schema and recovers what a crashed writer left; opening read-only writes
 * nothing at all (no lock, no migration, no folders), so it works while another process holds the project.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AppError } from '../core/errors.js';
import { makeFolders, missingFolders } from '../core/make-folders.js';
import { acquireProjectLock, type ProjectLock } from './lock.js';
import { migrate, refuseNewerSchema } from './migrate.js';
import { NOTHING_RECOVERED, recoverAbandonedWork, type Recovered } from './recover.js';
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
  /** Opened read-only: the connection cannot write and no lock is held. */
  readonly readonly: boolean;
  /** Jobs and models this open found abandoned by a dead writer and marked interrupted (say so in the log). */
  readonly recovered: Recovered;
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

/** Runs `fn` holding the database's write lock (BEGIN IMMEDIATE): the critical section for taking over a stale project lock. */
function underWriteLock<T>(db: Database.Database, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    return fn();
  } finally {
    db.exec('ROLLBACK');
  }
}

function wrap(dir: string, db: Database.Database, lock: ProjectLock | null, recovered: Recovered): Project {
  const root = path.resolve(dir);
  return {
    dir: root,
    db,
    readonly: lock === null,
    recovered,
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
      lock?.release();
    },
  };
}

export function isProjectDir(dir: string): boolean {
  return fs.existsSync(path.join(dir, DB_FILE));
}

/** Files an operating system leaves in a folder it shows: a folder holding only these counts as empty. */
const OS_LITTER = new Set(['.DS_Store', 'Thumbs.db', 'desktop.ini']);

/**
 * Checks, before anything is written, that `dir` can become a new project: an absolute path to a folder that does
 * not exist yet (below an existing folder) or is empty. Anything else — a relative path, a file in the way, a folder
 * of other files (say, the source images), a folder that already holds a project — is an AppError naming the path
 * and the reason. Returns the resolved folder and the missing folders (outermost first) that creating it makes.
 */
export function checkNewProjectFolder(dir: string): { root: string; missing: string[] } {
  if (!path.isAbsolute(dir)) {
    throw new AppError('invalid_request', `project folder "${dir}" is a relative path: give the absolute path of a new or empty folder`);
  }
  const root = path.resolve(dir);
  if (isProjectDir(root)) throw new AppError('conflict', `${root} already holds a Flowspect project: open it instead`);
  const missing = missingFolders(root, 'the project folder');
  if (missing.length === 0) {
    const entries = fs.readdirSync(root).filter((e) => !OS_LITTER.has(e));
    if (entries.length) {
      const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? `, … (${entries.length} entries)` : '');
      throw new AppError('invalid_request', `${root} is not empty (${shown}): a new project needs a new or empty folder — to import these files, create the project elsewhere and import the folder`);
    }
  }
  return { root, missing };
}

/** Creates a new project in a new or empty folder (checkNewProjectFolder says what is refused, before anything is written). */
export function createProject(dir: string, name?: string): Project {
  const { root, missing } = checkNewProjectFolder(dir);
  makeFolders(root, missing, 'the project folder');
  for (const d of BLOB_DIRS) fs.mkdirSync(path.join(root, d));
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

/**
 * Opens an existing project. For writing (the default) it takes the writer lock (`project_locked` when another
 * process holds it), migrates the schema forward and, when the lock was free, marks the jobs and models a dead
 * writer left running as interrupted. Read-only opens a read-only connection and writes nothing. A project from a
 * newer app is refused either way.
 */
export function openProject(dir: string, options: { readonly?: boolean } = {}): Project {
  const root = path.resolve(dir);
  if (!isProjectDir(root)) throw new AppError('not_found', `${root} is not a Flowspect project (no ${DB_FILE})`);
  let db: Database.Database;
  try {
    db = openDatabase(path.join(root, DB_FILE), options.readonly);
  } catch (err) {
    throw new AppError('invalid_file', `cannot open ${path.join(root, DB_FILE)}: ${(err as Error).message}`);
  }
  let lock: ProjectLock | null = null;
  try {
    if (options.readonly) {
      // An older schema is read as it is (migrations only add); a newer one may mean anything.
      refuseNewerSchema(db);
      return wrap(root, db, null, NOTHING_RECOVERED);
    }
    lock = acquireProjectLock(root, (fn) => underWriteLock(db, fn));
    migrate(db);
    for (const d of BLOB_DIRS) fs.mkdirSync(path.join(root, d), { recursive: true });
    return wrap(root, db, lock, lock.fresh ? recoverAbandonedWork(db) : NOTHING_RECOVERED);
  } catch (err) {
    db.close();
    lock?.release();
    throw err;
  }
}
