// The watcher in process on a real project with a tiny trained model: verdicts a crash left stored but unsent are
// sent on the next start; a file that is not an image, and any part while the model has no usable thresholds, are
// errors naming the reason (never a pass); --move-to across file systems (copy + fsync + unlink) and name clashes.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertLiveFile, unemittedLiveFiles } from '../../app/store/live-files.js';
import { getModel, updateModel } from '../../app/store/models.js';
import { openProject, type Project } from '../../app/store/project.js';
import { LineMessageSchema } from '../../app/watch/message.js';
import { moveOut } from '../../app/watch/move.js';
import { Watcher } from '../../app/watch/watcher.js';
import { dropFile, watchFixture, type WatchFixture } from './fixture.js';

let fx: WatchFixture;
let project: Project;
const warnings: string[] = [];
const log = { info: () => undefined, warn: (m: string) => warnings.push(m) };
const fast = { settleMs: 50, pollMs: 20, scanMs: 200 };

beforeAll(async () => {
  fx = await watchFixture();
  project = openProject(fx.projectDir);
}, 60_000);
afterAll(() => {
  project?.close();
  fx?.cleanup();
});

function folder(name: string): string {
  const dir = path.join(fx.root, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => LineMessageSchema.parse(JSON.parse(l))) : []);

describe('watcher', () => {
  it('sends, before anything new, the verdicts a crash left stored but unsent', async () => {
    const dir = folder('crash/in');
    const out = path.join(fx.root, 'crash', 'results.jsonl');
    // What a process killed between its transaction and its results file leaves: a ledger row not marked sent.
    const message = JSON.stringify({ file: path.join(dir, 'lost.png'), score: 0.5, verdict: 'accept', model: fx.modelId, time: new Date().toISOString() });
    insertLiveFile(project.db, { sourcePath: path.join(dir, 'lost.png'), size: 10, mtimeMs: 1, sha256: null, modelId: fx.modelId, datasetId: null, imageId: null, verdict: 'accept', reason: null, message });
    const w = await Watcher.start(project, { ...fast, modelId: fx.modelId, dir, outputs: { out }, log });
    expect(lines(out).map((l) => path.basename(l.file))).toEqual(['lost.png']);
    expect(unemittedLiveFiles(project.db)).toEqual([]);
    await w.stop();
  });

  it('judges a non-image file and every part of a model without thresholds as errors with the reason', async () => {
    const dir = folder('errors/in');
    const out = path.join(fx.root, 'errors', 'results.jsonl');
    const w = await Watcher.start(project, { ...fast, modelId: fx.modelId, dir, outputs: { out }, log });
    dropFile(path.join(dir, 'notes.txt'), Buffer.from('not a picture'));
    await until('the text file', () => lines(out).length === 1);
    expect(lines(out)[0]).toMatchObject({ verdict: 'error', score: null, reason: 'not an image (unrecognised content)' });

    const saved = getModel(project.db, fx.modelId)!.thresholds;
    updateModel(project.db, fx.modelId, { thresholds: null }); // read per batch: applies to the next part
    try {
      dropFile(path.join(dir, 'good.png'), fs.readFileSync(fx.images[0]!));
      await until('the part', () => lines(out).length === 2);
      expect(lines(out)[1]).toMatchObject({ verdict: 'error', score: null, reason: `model ${fx.modelId} cannot judge: no thresholds are set` });
    } finally {
      updateModel(project.db, fx.modelId, { thresholds: saved });
    }
    const summary = await w.stop();
    expect(summary.counts).toEqual({ accept: 0, review: 0, reject: 0, error: 2 });
  });
});

describe('--move-to', () => {
  it('moves across file systems by copy + fsync + unlink, and never overwrites', async () => {
    const shm = '/dev/shm';
    const crossDevice = fs.existsSync(shm) && fs.statSync(shm).dev !== fs.statSync(fx.root).dev;
    const dest = crossDevice ? fs.mkdtempSync(path.join(shm, 'flowspect-move-')) : folder('moved');
    try {
      const src = folder('move-src');
      fs.writeFileSync(path.join(src, 'p.png'), 'first');
      fs.writeFileSync(path.join(dest, 'p.png'), 'already there');
      const to = await moveOut(path.join(src, 'p.png'), dest);
      expect(to).toBe(path.join(dest, 'p (2).png'));
      expect(fs.readFileSync(to, 'utf8')).toBe('first');
      expect(fs.readFileSync(path.join(dest, 'p.png'), 'utf8')).toBe('already there');
      expect(fs.existsSync(path.join(src, 'p.png'))).toBe(false);
      expect(fs.readdirSync(dest).sort()).toEqual(['p (2).png', 'p.png']); // no temporary copy left
    } finally {
      if (crossDevice) fs.rmSync(dest, { recursive: true, force: true });
    }
  });
});
