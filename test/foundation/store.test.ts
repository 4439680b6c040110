import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../app/core/errors.js';
import { latestSchemaVersion, migrate } from '../../app/store/migrate.js';
import type { Migration } from '../../app/store/migrations/types.js';
import { BLOB_DIRS, DB_FILE, createProject, openProject } from '../../app/store/project.js';
import { readProjectInfo } from '../../app/store/projects.js';
import { tempDir } from '../helpers.js';

let cleanup: () => void = () => {};
afterEach(() => cleanup());

describe('project store', () => {
  it('creates a project folder with a WAL database, foreign keys and blob folders', () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const dir = path.join(t.dir, 'line-3');
    const p = createProject(dir, 'Line 3');
    expect(p.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(p.db.pragma('foreign_keys', { simple: true })).toBe(1);
    for (const d of BLOB_DIRS) expect(fs.statSync(path.join(dir, d)).isDirectory()).toBe(true);
    const info = readProjectInfo(p.db, p.dir);
    expect(info).toMatchObject({ name: 'Line 3', schemaVersion: latestSchemaVersion(), counts: { datasets: 0, images: 0 } });
    p.close();
  });

  it('refuses to create a project over an existing one and to open a folder without one', () => {
    const t = tempDir();
    cleanup = t.cleanup;
    createProject(t.dir).close();
    expect(() => createProject(t.dir)).toThrow(/already holds a Flowspect project/);
    expect(() => openProject(path.join(t.dir, 'nothing'))).toThrow(/is not a Flowspect project/);
  });

  it('opens a project that was moved to another folder (paths inside are relative)', () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const p = createProject(path.join(t.dir, 'a'), 'moved');
    p.db.prepare("INSERT INTO datasets (name, source_format, created_at) VALUES ('bottle', 'folder', 'now')").run();
    p.close();
    fs.renameSync(path.join(t.dir, 'a'), path.join(t.dir, 'b'));
    const q = openProject(path.join(t.dir, 'b'));
    expect(readProjectInfo(q.db, q.dir)).toMatchObject({ name: 'moved', counts: { datasets: 1 } });
    expect(q.path('thumbnails', 'x.webp')).toBe(path.join(t.dir, 'b', 'thumbnails', 'x.webp'));
    expect(() => q.path('..', 'escape')).toThrow(/outside the project folder/);
    q.close();
  });

  it('refuses a database written by a newer Flowspect and leaves it untouched', () => {
    const t = tempDir();
    cleanup = t.cleanup;
    createProject(t.dir).close();
    const raw = new Database(path.join(t.dir, DB_FILE));
    raw.pragma(`user_version = ${latestSchemaVersion() + 5}`);
    raw.close();
    const before = fs.readFileSync(path.join(t.dir, DB_FILE));
    let error: unknown;
    try {
      openProject(t.dir);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('project_too_new');
    expect((error as AppError).message).toMatch(/newer Flowspect/);
    expect(fs.readFileSync(path.join(t.dir, DB_FILE)).equals(before)).toBe(true);
  });

  it('runs pending migrations in one transaction: a failing step leaves the old version and no partial tables', () => {
    const db = new Database(':memory:');
    const ok: Migration = { version: 1, name: 'a', up: (d) => d.exec('CREATE TABLE a (x)') };
    const bad: Migration = {
      version: 2,
      name: 'b',
      up: (d) => {
        d.exec('CREATE TABLE b (x)');
        throw new Error('boom');
      },
    };
    expect(() => migrate(db, [ok, bad])).toThrow('boom');
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([]);
    expect(migrate(db, [ok])).toBe(1);
    expect(() => migrate(db, [ok, { ...bad, version: 3 }])).toThrow(/expected 2/);
  });

  it('cascades deletes from datasets to images, tags and masks', () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const p = createProject(t.dir);
    const { db } = p;
    const ds = db.prepare("INSERT INTO datasets (name, source_format, created_at) VALUES ('d', 'folder', 'now')").run().lastInsertRowid;
    const img = db
      .prepare(
        `INSERT INTO images (dataset_id, path, storage, sha256, width, height, channels, bit_depth, format, label, split, created_at)
         VALUES (?, 'images/a.png', 'copy', 'abc', 8, 8, 3, 8, 'png', 'good', 'train', 'now')`,
      )
      .run(ds).lastInsertRowid;
    db.prepare("INSERT INTO image_tags (image_id, tag) VALUES (?, 'left')").run(img);
    db.prepare("INSERT INTO masks (image_id, kind, format, path, updated_at) VALUES (?, 'defect', 'png', 'masks/a.png', 'now')").run(img);
    db.prepare('DELETE FROM datasets WHERE id = ?').run(ds);
    for (const table of ['images', 'image_tags', 'masks']) {
      expect((db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n).toBe(0);
    }
    p.close();
  });
});
