// Bounded reads (app/core/bounded-read.ts): every file from outside must be a regular file under its kind's limit,
// checked on the opened handle before a byte is read. Special files are refused at once, in little memory.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileReadError, maxFileBytes, readBoundedFile, readBoundedText } from '../../app/core/bounded-read.js';
import { AbsPath } from '../../app/core/schemas.js';
import { tempDir } from '../helpers.js';
import { specialFiles, unixSocket } from './special-files.js';

const t = tempDir('flowspect-bounded-');
afterAll(() => t.cleanup());

const EXPECTED: Record<string, RegExp> = {
  '/dev/zero': /^\/dev\/zero: is a character device, not a regular file$/,
  'symlink to /dev/zero': /zero-link\.onnx: is a character device \(a link to \/dev\/zero\), not a regular file/,
  FIFO: /pipe\.onnx: is a named pipe \(FIFO\), not a regular file/,
  '10 GB sparse file': /sparse\.onnx: file is 10737418240 bytes, over the limit of 1073741824 for model files/,
  'folder with a file name': /folder\.onnx: is a folder/,
};

describe('readBoundedFile', () => {
  it('refuses /dev/zero, a link to it, a FIFO, a 10 GB sparse file and a folder at once, in little memory', async () => {
    const files = specialFiles(path.join(t.dir, 'special'), '.onnx');
    for (const [label, file] of Object.entries(files)) {
      const rss = process.memoryUsage().rss;
      const started = performance.now();
      const err = await readBoundedFile(file, 'model').then(
        () => null,
        (e: unknown) => e,
      );
      const ms = performance.now() - started;
      expect(err, label).toBeInstanceOf(FileReadError);
      expect((err as FileReadError).code).toBe('invalid_file');
      expect((err as Error).message, label).toMatch(EXPECTED[label]!);
      expect(ms, `${label} took ${ms.toFixed(0)} ms`).toBeLessThan(1000);
      expect(process.memoryUsage().rss - rss, label).toBeLessThan(200 * 1024 * 1024);
    }
  });

  it('refuses a Unix socket', async () => {
    const file = path.join(t.dir, 'model.sock');
    const server = await unixSocket(file);
    try {
      await expect(readBoundedFile(file, 'image')).rejects.toThrow(/model\.sock: (is a socket|cannot open)/);
    } finally {
      server.close();
    }
  });

  it('reads a regular file (also through a link), and refuses empty or missing ones naming them', async () => {
    const file = path.join(t.dir, 'ok.bin');
    fs.writeFileSync(file, Buffer.from([1, 2, 3]));
    fs.symlinkSync(file, path.join(t.dir, 'ok-link.bin'));
    expect([...(await readBoundedFile(file, 'csv'))]).toEqual([1, 2, 3]);
    expect([...(await readBoundedFile(path.join(t.dir, 'ok-link.bin'), 'csv'))]).toEqual([1, 2, 3]);
    fs.writeFileSync(path.join(t.dir, 'empty.png'), '');
    await expect(readBoundedFile(path.join(t.dir, 'empty.png'), 'image')).rejects.toThrow(/empty\.png: empty file \(0 bytes\)/);
    await expect(readBoundedFile(path.join(t.dir, 'missing.png'), 'image')).rejects.toThrow(/missing\.png: cannot open \(ENOENT\)/);
  });

  it('takes its limits from FLOWSPECT_MAX_FILE_MB and FLOWSPECT_MAX_FILE_MB_<KIND>, and refuses a bad setting', async () => {
    const file = path.join(t.dir, 'two-mib.png');
    fs.writeFileSync(file, Buffer.alloc(2 * 1024 * 1024, 1));
    const saved = { all: process.env.FLOWSPECT_MAX_FILE_MB, image: process.env.FLOWSPECT_MAX_FILE_MB_IMAGE };
    try {
      expect(maxFileBytes('image')).toBe(256 * 1024 * 1024);
      expect(maxFileBytes('model')).toBe(1024 * 1024 * 1024);
      expect(maxFileBytes('csv')).toBe(64 * 1024 * 1024);
      process.env.FLOWSPECT_MAX_FILE_MB = '1';
      await expect(readBoundedFile(file, 'image')).rejects.toThrow(/two-mib\.png: file is 2097152 bytes, over the limit of 1048576 for image files/);
      process.env.FLOWSPECT_MAX_FILE_MB_IMAGE = '3';
      expect((await readBoundedFile(file, 'image')).length).toBe(2 * 1024 * 1024);
      expect(maxFileBytes('mask')).toBe(1024 * 1024);
      process.env.FLOWSPECT_MAX_FILE_MB_IMAGE = 'lots';
      expect(() => maxFileBytes('image')).toThrow(/FLOWSPECT_MAX_FILE_MB_IMAGE must be a positive number of MiB, got "lots"/);
    } finally {
      for (const [k, v] of [['FLOWSPECT_MAX_FILE_MB', saved.all], ['FLOWSPECT_MAX_FILE_MB_IMAGE', saved.image]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

describe('readBoundedText', () => {
  it('refuses a binary file and a file with an overlong line, naming the file, the offset or the line', async () => {
    const bin = path.join(t.dir, 'split.csv');
    fs.writeFileSync(bin, Buffer.from('object,split\x00label\n'));
    await expect(readBoundedText(bin, 'csv')).rejects.toThrow(/split\.csv: is binary \(a NUL byte at offset 12\)/);
    const long = path.join(t.dir, 'long.csv');
    fs.writeFileSync(long, `object,split,label,image\n${'x'.repeat(70_000)}\n`);
    await expect(readBoundedText(long, 'csv')).rejects.toThrow(/long\.csv: line 2 is 70000 characters long, over the limit of 65536/);
    fs.writeFileSync(long, 'a,b\r\n1,2\r\n');
    expect(await readBoundedText(long, 'csv')).toBe('a,b\r\n1,2\r\n');
  });
});

describe('AbsPath', () => {
  it('refuses a relative path, naming it and saying it must be absolute', () => {
    for (const p of ['models/model.onnx', './x.onnx', '../up', 'C:relative']) {
      const r = AbsPath.safeParse(p);
      expect(r.success, p).toBe(false);
      expect(r.error!.issues[0]!.message).toBe(`path "${p}" is relative; it must be an absolute path`);
    }
    expect(AbsPath.safeParse('/data/model.onnx').success).toBe(true);
    expect(AbsPath.safeParse('/a\0b').error!.issues.map((i) => i.message)).toEqual(['a path may not contain NUL characters']);
  });
});
