/**
 * Writes a file so that readers (and a process that crashes mid-write) see the old content or the new one, never
 * a torn one: write a temporary sibling, fsync, rename over the target. The one home of that rule: every file the
 * app replaces in place (maps, backbones, model cards, report files, checkpoints, caches) goes through here.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Fills a unique temporary sibling of `file` with `fill`, fsyncs it and renames it over `file`; the temp never stays. */
function replaceAtomically(file: string, fill: (tmp: string) => void): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    fill(tmp);
    const fd = fs.openSync(tmp, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Writes `data` to `file` atomically. Several parts are written in order, so large tensors need no concatenated copy. */
export function writeFileAtomic(file: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  const parts = typeof data === 'string' ? [Buffer.from(data)] : data instanceof Uint8Array ? [data] : data;
  replaceAtomically(file, (tmp) => {
    const fd = fs.openSync(tmp, 'w');
    try {
      for (const part of parts) fs.writeSync(fd, part);
    } finally {
      fs.closeSync(fd);
    }
  });
}

/** Copies `from` over `to` atomically (a reader of `to` never sees half a copy). */
export function copyFileAtomic(from: string, to: string): void {
  replaceAtomically(to, (tmp) => fs.copyFileSync(from, tmp));
}
