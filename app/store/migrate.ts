import type Database from 'better-sqlite3';
import { migrations as allMigrations } from './migrations/index.js';
import type { Migration } from './migrations/types.js';
import { AppError } from '../core/errors.js';
import { writeTransaction } from './write-transaction.js';

export function latestSchemaVersion(migrations: readonly Migration[] = allMigrations): number {
  return migrations.length ? migrations[migrations.length - 1]!.version : 0;
}

/**
 * Brings a database to the latest schema. All pending migrations run in one transaction, so a crash leaves the
 * database at its old version. A database written by a newer Flowspect is refused rather than guessed at.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[] = allMigrations): number {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name} has version ${m.version}, expected ${i + 1}`);
  });
  const current = refuseNewerSchema(db, migrations);
  const latest = latestSchemaVersion(migrations);
  if (current === latest) return current;
  writeTransaction(db, () => {
    for (const m of migrations) {
      if (m.version <= current) continue;
      m.up(db);
    }
    db.pragma(`user_version = ${latest}`);
  });
  return latest;
}

/** The database's schema version; a database written by a newer Flowspect is refused (also when only reading it). */
export function refuseNewerSchema(db: Database.Database, migrations: readonly Migration[] = allMigrations): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = latestSchemaVersion(migrations);
  if (current > latest) {
    throw new AppError(
      'project_too_new',
      `this project was written by a newer Flowspect (schema ${current}; this version understands up to ${latest}); update Flowspect to open it`,
      { schemaVersion: current, supported: latest },
    );
  }
  return current;
}
