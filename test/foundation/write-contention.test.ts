/**
 * Store writes while another connection writes the same project, as in serve mode: the main thread edits labels
 * while job workers insert images and results. A transaction that reads and then writes must wait for the write lock
 * instead of failing at once with SQLITE_BUSY_SNAPSHOT or SQLITE_BUSY ("database is locked"), which the soak benchmark hit on
 * datasets.update, datasets.undo and the import job's ensureDataset.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDataset } from '../../app/store/datasets.js';
import { undoLastImageChange, updateImages } from '../../app/store/image-edits.js';
import { insertImages } from '../../app/store/images.js';
import { createProject, DB_FILE, type Project } from '../../app/store/project.js';
import { tempDir } from '../helpers.js';

const APP = fileURLToPath(new URL('../../app', import.meta.url));

/** A second connection in a worker thread committing small write transactions until told to stop. */
const WRITER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
db.exec('CREATE TABLE IF NOT EXISTS contention (n INTEGER)');
const insert = db.prepare('INSERT INTO contention (n) VALUES (?)');
const pause = new Int32Array(new SharedArrayBuffer(4));
let stop = false, n = 0;
parentPort.on('message', () => (stop = true));
(function loop() {
  for (let i = 0; i < 200 && !stop; i++) {
    insert.run(n++);
    Atomics.wait(pause, 0, 0, 0.05);
  }
  if (stop) { db.close(); parentPort.postMessage(n); } else setImmediate(loop);
})();
`;

const t = tempDir();
let project: Project;
let imageIds: number[];
let writer: Worker;

beforeAll(() => {
  project = createProject(path.join(t.dir, 'project'), 'contention');
  const ds = ensureDataset(project.db, { name: 'parts', category: 'parts', sourceFormat: 'folder', sourcePath: null });
  const row = (i: number) => ({ datasetId: ds.id, path: `images/${i}.png`, originalPath: `${i}.png`, storage: 'copy' as const, sha256: `sha-${i}`, width: 8, height: 8, channels: 3, bitDepth: 8, format: 'png', label: 'good' as const, split: 'train' as const, defectType: null, category: 'parts', phash: null, thumbnailPath: null, maskPath: null });
  imageIds = insertImages(project.db, Array.from({ length: 20 }, (_, i) => row(i))) as number[];
  writer = new Worker(WRITER, { eval: true, workerData: { file: path.join(project.dir, DB_FILE), sqlite: createRequire(import.meta.url).resolve('better-sqlite3') } });
});
afterAll(async () => {
  const stopped = new Promise((r) => writer.once('message', r));
  writer.postMessage('stop');
  await stopped;
  project.close();
  t.cleanup();
});

/** Runs `step` `times` times; the errors it threw, by message. */
function failures(times: number, step: (i: number) => void): string[] {
  const errors: string[] = [];
  for (let i = 0; i < times; i++) {
    try {
      step(i);
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  return errors;
}

describe('writes while another connection writes', () => {
  it('the other connection does make a deferred read-then-write transaction fail (the race is real here)', () => {
    const db = project.db;
    const read = db.prepare('SELECT label FROM images WHERE id = ?');
    const write = db.prepare('UPDATE images SET note = ? WHERE id = ?');
    let busy = 0;
    for (let i = 0; i < 50_000 && busy === 0; i++) {
      try {
        db.transaction(() => {
          read.get(imageIds[0]);
          for (let k = 0; k < 200; k++) read.get(imageIds[k % imageIds.length]); // widen the window between read and write
          write.run(`n${i}`, imageIds[0]);
        })();
      } catch (err) {
        // SQLITE_BUSY_SNAPSHOT when the other committed since this read, SQLITE_BUSY while it still writes.
        if (!(err as { code?: string }).code?.startsWith('SQLITE_BUSY')) throw err;
        busy++;
      }
    }
    expect(busy).toBeGreaterThan(0);
  });

  it('label edits and undos never fail with "database is locked"', () => {
    const errors = failures(400, (i) => {
      updateImages(project.db, [imageIds[i % imageIds.length]!, imageIds[(i * 7) % imageIds.length]!], { label: i % 2 ? 'defect' : 'good' }, `edit ${i}`);
      if (i % 2) undoLastImageChange(project.db);
    });
    expect(errors).toEqual([]);
  });

  it('finding or creating a dataset (the import job does, first thing) never fails with "database is locked"', () => {
    const errors = failures(2000, (i) => {
      const ds = ensureDataset(project.db, { name: `import-${i}`, category: 'parts', sourceFormat: 'folder', sourcePath: null });
      expect(ds.name).toBe(`import-${i}`);
    });
    expect(errors).toEqual([]);
  });
});

describe('one home for the rule', () => {
  it('app/ begins every transaction through writeTransaction (BEGIN IMMEDIATE), never a deferred db.transaction', () => {
    const offenders = (fs.readdirSync(APP, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts') && f !== path.join('store', 'write-transaction.ts'))
      .filter((f) => /\.transaction\(/.test(fs.readFileSync(path.join(APP, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
