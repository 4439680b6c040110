// Parts keep their names: a copy is stored under its sha256, but every image row carries its path relative to the
// imported folder (images.original_path, migration 4), and lists, search and sort read that name.
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDataset } from '../../app/dataset/import.js';
import { getImage, queryImages } from '../../app/store/images.js';
import { migrate } from '../../app/store/migrate.js';
import { migrations } from '../../app/store/migrations/index.js';
import { createProject, type Project } from '../../app/store/project.js';
import { makeMvtec } from '../dataset/fixtures.js';
import { tempDir } from '../helpers.js';

const t = tempDir('flowspect-names-');
let project: Project;

beforeAll(async () => {
  await makeMvtec(path.join(t.dir, 'src'));
  project = createProject(path.join(t.dir, 'project'));
  await importDataset(project, { source: path.join(t.dir, 'src'), format: 'mvtec', threads: 1 });
  await importDataset(project, { source: path.join(t.dir, 'src', 'widget'), format: 'mvtec', storage: 'reference', namePrefix: 'ref-', threads: 1 });
}, 60_000);
afterAll(() => {
  project?.close();
  t.cleanup();
});

const names = (datasetId: number) => queryImages(project.db, { datasetId, sort: 'path' }).items.map((i) => i.originalPath);

describe('original paths of imported parts', () => {
  it('a copied part is stored under its hash and named by its path in the imported folder', () => {
    const [first] = queryImages(project.db, { datasetId: 1, limit: 1 }).items;
    expect(first!.path).toMatch(/^images\/1\/[0-9a-f]{64}\.png$/);
    expect(names(1)).toEqual([
      'widget/test/crack/000.png',
      'widget/test/crack/001.png',
      'widget/test/good/000.png',
      'widget/train/good/000.png',
      'widget/train/good/001.png',
      'widget/train/good/002.png',
    ]);
  });

  it('a referenced part is named relative to the folder imported, not by its absolute path', () => {
    expect(names(2)).toContain('test/crack/001.png');
    const ref = queryImages(project.db, { datasetId: 2, search: 'crack/001' }).items;
    expect(ref).toHaveLength(1);
    expect(ref[0]!.path).toBe(path.join(t.dir, 'src', 'widget', 'test', 'crack', '001.png'));
  });

  it('search finds a part by its name and still by its stored hash', () => {
    const hit = queryImages(project.db, { datasetId: 1, search: 'test/crack/00' }).items;
    expect(hit.map((i) => i.originalPath)).toEqual(['widget/test/crack/000.png', 'widget/test/crack/001.png']);
    expect(queryImages(project.db, { datasetId: 1, search: hit[0]!.sha256.slice(0, 12) }).items.map((i) => i.id)).toEqual([hit[0]!.id]);
    expect(queryImages(project.db, { datasetId: 1, search: 'good/000' }).total).toBe(2); // train and test both have a 000.png
  });
});

describe('migration 4 names the parts of an older project', () => {
  it('fills original_path from the reference path under the source folder, else from the stored path', () => {
    const db = new Database(path.join(t.dir, 'old.sqlite'));
    migrate(db, migrations.slice(0, 3)); // a project written before the column
    const ds = db.prepare("INSERT INTO datasets (name, source_format, source_path, created_at) VALUES ('metal', 'mvtec', ?, 'now')").run(path.join(t.dir, 'lines')).lastInsertRowid;
    const insert = db.prepare(
      `INSERT INTO images (dataset_id, path, storage, sha256, width, height, channels, bit_depth, format, label, split, created_at)
       VALUES (?, ?, ?, ?, 8, 8, 3, 8, 'png', 'good', 'test', 'now')`,
    );
    const ids = [
      insert.run(ds, path.join(t.dir, 'lines', 'metal', 'test', 'scratch', '003.png'), 'reference', 'a').lastInsertRowid,
      insert.run(ds, path.join(t.dir, 'elsewhere', '004.png'), 'reference', 'b').lastInsertRowid,
      insert.run(ds, `images/1/${'c'.repeat(64)}.png`, 'copy', 'c').lastInsertRowid,
    ].map(Number);
    migrate(db);
    const original = ids.map((id) => db.prepare('SELECT original_path FROM images WHERE id = ?').pluck().get(id));
    expect(original).toEqual(['metal/test/scratch/003.png', path.join(t.dir, 'elsewhere', '004.png'), `images/1/${'c'.repeat(64)}.png`]);
    db.close();
  });

  it('a row written without the column (by hand, outside the importer) is named by its stored path', () => {
    const id = Number(
      project.db
        .prepare(
          `INSERT INTO images (dataset_id, path, storage, sha256, width, height, channels, bit_depth, format, label, split, created_at)
           VALUES (1, 'images/1/by-hand.png', 'copy', 'by-hand', 8, 8, 3, 8, 'png', 'good', 'test', 'now')`,
        )
        .run().lastInsertRowid,
    );
    expect(getImage(project.db, id)!.originalPath).toBe('images/1/by-hand.png');
  });
});
