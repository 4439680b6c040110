/**
 * The one atomic-write helper (maps, backbones, model cards, reports and checkpoints go through it): the target
 * holds the old bytes or the new ones, and no temporary file is left beside it, whether the write succeeds or fails.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copyFileAtomic, writeFileAtomic } from '../../app/core/atomic-write.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-atomic-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('atomic file writes', () => {
  it('writes parts in order into a new folder and replaces an existing file, leaving no temporary sibling', () => {
    const dir = tempDir();
    const file = path.join(dir, 'deep', 'map.f16');
    writeFileAtomic(file, [Uint8Array.of(1, 2), Uint8Array.of(3)]);
    expect([...fs.readFileSync(file)]).toEqual([1, 2, 3]);
    writeFileAtomic(file, 'new');
    expect(fs.readFileSync(file, 'utf8')).toBe('new');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['map.f16']);
  });

  it('copies a file over another and keeps the old copy when the source cannot be read', () => {
    const dir = tempDir();
    const from = path.join(dir, 'report.pdf');
    const to = path.join(dir, 'out', 'weekly.pdf');
    fs.writeFileSync(from, 'PDF v1');
    copyFileAtomic(from, to);
    expect(fs.readFileSync(to, 'utf8')).toBe('PDF v1');
    expect(() => copyFileAtomic(path.join(dir, 'missing.pdf'), to)).toThrow(/ENOENT/);
    expect(fs.readFileSync(to, 'utf8')).toBe('PDF v1');
    expect(fs.readdirSync(path.dirname(to))).toEqual(['weekly.pdf']);
  });

  it('a write that cannot replace the target throws and cleans up its temporary file', () => {
    const dir = tempDir();
    const target = path.join(dir, 'card.json');
    fs.mkdirSync(target); // a folder in the way: the rename fails
    expect(() => writeFileAtomic(target, '{}')).toThrow();
    expect(fs.readdirSync(dir)).toEqual(['card.json']);
  });
});
