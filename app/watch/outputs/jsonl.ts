/**
 * The results file of `flowspect watch --out`: one JSON line per verdict, appended. A batch's lines go out in ONE
 * write call on a file opened for appending and are fsync'd before the watcher counts them as sent, so a killed
 * process never leaves half a line (and a power cut at most one torn last line: on open, a file that does not end
 * in a newline gets one, so that torn line stays a single unparsable line and every later line parses).
 */
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../core/errors.js';

export class JsonlFile {
  private constructor(
    readonly file: string,
    private fd: number | null,
  ) {}

  /** Opens (or creates) `file` for appending; its folder is created. */
  static open(file: string): JsonlFile {
    const abs = path.resolve(file);
    let fd: number;
    try {
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      fd = fs.openSync(abs, 'a+');
    } catch (err) {
      throw new AppError('invalid_request', `--out ${abs}: cannot open for appending (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    const st = fs.fstatSync(fd);
    if (!st.isFile()) {
      fs.closeSync(fd);
      throw new AppError('invalid_request', `--out ${abs}: not a regular file`);
    }
    if (st.size > 0) {
      const last = Buffer.alloc(1);
      fs.readSync(fd, last, 0, 1, st.size - 1);
      if (last[0] !== 0x0a) fs.writeSync(fd, '\n');
    }
    return new JsonlFile(abs, fd);
  }

  /** Appends the lines (JSON texts without newlines) in one write and fsyncs. */
  append(lines: readonly string[]): void {
    if (lines.length === 0) return;
    if (this.fd === null) throw new AppError('conflict', `${this.file} is closed`);
    const buf = Buffer.from(lines.map((l) => `${l}\n`).join(''));
    const written = fs.writeSync(this.fd, buf);
    if (written !== buf.length) {
      // Only a full disk does this; end the torn line so the lines after it still parse, and say so.
      fs.writeSync(this.fd, '\n');
      throw new AppError('internal', `${this.file}: only ${written} of ${buf.length} bytes were written (disk full?)`);
    }
    fs.fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd === null) return;
    fs.closeSync(this.fd);
    this.fd = null;
  }
}
