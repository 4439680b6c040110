import type Database from 'better-sqlite3';

/**
 * Runs `fn` in a write transaction that takes SQLite's write lock when it begins (BEGIN IMMEDIATE), so a transaction
 * that reads before it writes waits its turn (busy_timeout) behind the other connections of the project: the main
 * thread's and every job worker's. A deferred transaction (better-sqlite3's default) that has read and then writes
 * while another connection writes, or after it committed, fails at once with SQLITE_BUSY or SQLITE_BUSY_SNAPSHOT
 * ("database is locked"), whatever the timeout: the soak benchmark lost label edits, undos and whole import jobs that
 * way while jobs wrote results. Nested inside another transaction it is a savepoint, as with db.transaction.
 */
export function writeTransaction<T>(db: Database.Database, fn: () => T): T {
  return db.transaction(fn).immediate();
}
