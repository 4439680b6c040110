// When a file in the watched folder counts as complete, on a real folder: a file still being appended to is not
// handed out until it stops changing, a file renamed into place is, temporary and dot names never are, files the
// ledger knows are skipped, and no more than `capacity` files are held at once — the rest wait on disk and come later.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ArrivalDetector, type ArrivedFile } from '../../app/watch/arrivals.js';
import { tempDir } from '../helpers.js';

const t = tempDir('flowspect-arrivals-');
afterAll(() => t.cleanup());
let detector: ArrivalDetector | null = null;
afterEach(() => detector?.stop());

let n = 0;
function folder(): string {
  const dir = path.join(t.dir, `in-${n++}`);
  fs.mkdirSync(dir);
  return dir;
}

function start(dir: string, o: { capacity?: number; known?: (p: string) => boolean } = {}) {
  const known: ArrivedFile[] = [];
  detector = new ArrivalDetector({
    dir,
    settleMs: 150,
    pollMs: 25,
    scanMs: 200,
    capacity: o.capacity,
    isKnown: (k) => o.known?.(k.sourcePath) ?? false,
    onKnown: (f) => known.push(f),
    onReady: () => undefined,
    warn: (m) => {
      throw new Error(`unexpected warning: ${m}`);
    },
  });
  detector.start();
  return { detector, known };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the detector hands out within `ms`, or as soon as `want` files came. */
async function takeWithin(d: ArrivalDetector, ms: number, want = Infinity): Promise<ArrivedFile[]> {
  const end = Date.now() + ms;
  const got: ArrivedFile[] = [];
  while (Date.now() < end && got.length < want) {
    got.push(...d.take(100));
    await sleep(20);
  }
  return got;
}

describe('arrival detector', () => {
  it('waits until a file being written stops changing, and hands it out once with its final size', async () => {
    const dir = folder();
    const { detector: d } = start(dir);
    const file = path.join(dir, 'slow.png');
    const fd = fs.openSync(file, 'w');
    for (let i = 0; i < 8; i++) {
      fs.writeSync(fd, Buffer.alloc(1000, i));
      await sleep(60); // a slow writer: each chunk well inside the settle time
      expect(d.take(10)).toEqual([]);
    }
    fs.closeSync(fd);
    const got = await takeWithin(d, 1000, 1);
    expect(await takeWithin(d, 250)).toEqual([]); // once
    expect(got.map((f) => [f.name, f.size])).toEqual([['slow.png', 8000]]);
  });

  it('takes a renamed-in file after the settle time, never temporary or dot names, and skips what the ledger knows', async () => {
    const dir = folder();
    fs.writeFileSync(path.join(dir, 'old.png'), 'judged before');
    const { detector: d, known } = start(dir, { known: (p) => p.endsWith('old.png') });
    fs.writeFileSync(path.join(dir, 'a.png.part'), 'x');
    fs.writeFileSync(path.join(dir, '.hidden.png'), 'x');
    fs.writeFileSync(path.join(dir, 'b.tmp'), 'x');
    fs.mkdirSync(path.join(dir, 'sub'));
    const dropped = performance.now();
    fs.renameSync(path.join(dir, 'a.png.part'), path.join(dir, 'a.png'));
    const got = await takeWithin(d, 700);
    expect(got.map((f) => f.name)).toEqual(['a.png']);
    expect(got[0]!.completeAt - dropped).toBeGreaterThanOrEqual(140);
    expect(known.map((f) => f.name)).toEqual(['old.png']);
  });

  it('holds at most `capacity` files; the rest wait on disk and are handed out as room frees up', async () => {
    const dir = folder();
    for (let i = 0; i < 10; i++) fs.writeFileSync(path.join(dir, `p${i}.png`), `part ${i}`);
    const { detector: d } = start(dir, { capacity: 3 });
    const first = await takeWithin(d, 600);
    expect(first.map((f) => f.name)).toEqual(['p0.png', 'p1.png', 'p2.png']); // taken but not done: no room for more
    const seen = [...first];
    for (let round = 0; round < 10 && seen.length < 10; round++) {
      for (const f of seen.slice(-3)) d.done(f, true);
      const next = await takeWithin(d, 1000, Math.min(3, 10 - seen.length));
      expect(next.length).toBeLessThanOrEqual(3);
      seen.push(...next);
    }
    expect(seen.map((f) => f.name)).toEqual([...Array(10).keys()].map((i) => `p${i}.png`));
  });
});
