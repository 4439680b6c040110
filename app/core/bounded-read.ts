/**
 * The one way to read a file that came from outside (a model, a backbone, an image, a mask, a CSV, a map): it must
 * be a regular file under a size limit, and it is read asynchronously through a file handle, never with a
 * synchronous call on the main thread. The handle is opened with O_NONBLOCK, so a FIFO without a writer cannot hang
 * the open, and the check runs on the opened handle (fstat), so a symlink is judged by what it points to and the
 * file cannot be swapped between check and read. Character devices (/dev/zero), FIFOs, sockets, directories and
 * over-limit files (a 10 GB sparse file) are refused before a single byte is read.
 *
 * Limits per kind (MiB) are in FILE_LIMITS_MIB; FLOWSPECT_MAX_FILE_MB sets one limit for every kind and
 * FLOWSPECT_MAX_FILE_MB_<KIND> (e.g. FLOWSPECT_MAX_FILE_MB_IMAGE) one kind's, both in MiB (docs/security.md).
 */
import fs from 'node:fs';
import { AppError } from './errors.js';

export type FileKind = 'model' | 'backbone' | 'image' | 'mask' | 'csv' | 'map' | 'checkpoint';

/** Default largest file per kind, in MiB. */
export const FILE_LIMITS_MIB: Readonly<Record<FileKind, number>> = {
  model: 1024,
  backbone: 1024,
  checkpoint: 1024,
  image: 256,
  mask: 256,
  map: 256,
  csv: 64,
};

const MIB = 1024 * 1024;

/** A file refused before or while reading; `reason` is the part after the file name (import reports list them). */
export class FileReadError extends AppError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super('invalid_file', `${file}: ${reason}`, { file, reason });
    this.name = 'FileReadError';
  }
}

function envMib(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) throw new AppError('invalid_request', `${name} must be a positive number of MiB, got "${raw}"`);
  return v;
}

/** Largest file of this kind in bytes: FLOWSPECT_MAX_FILE_MB_<KIND>, else FLOWSPECT_MAX_FILE_MB, else the default. */
export function maxFileBytes(kind: FileKind): number {
  const mib = envMib(`FLOWSPECT_MAX_FILE_MB_${kind.toUpperCase()}`) ?? envMib('FLOWSPECT_MAX_FILE_MB') ?? FILE_LIMITS_MIB[kind];
  return Math.floor(mib * MIB);
}

/** What a non-regular file is, in words. */
function specialKind(st: fs.Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

const sizeText = (bytes: number): string => (bytes >= MIB ? `${(bytes / MIB).toFixed(bytes >= 100 * MIB ? 0 : 1)} MiB` : `${bytes} bytes`);

/** " (a link to X)" when `file` is a symlink, so a refusal names what was really opened. */
async function linkNote(file: string): Promise<string> {
  try {
    if (!(await fs.promises.lstat(file)).isSymbolicLink()) return '';
    return ` (a link to ${await fs.promises.realpath(file)})`;
  } catch {
    return '';
  }
}

const codeOf = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

export interface BoundedReadOptions {
  /** Overrides the kind's limit (bytes). */
  readonly maxBytes?: number;
  /** Accept a 0-byte file (default: refused as empty). */
  readonly allowEmpty?: boolean;
}

/** Longest line a text file from outside may have (a CSV row naming a few files is far shorter). */
export const MAX_TEXT_LINE_CHARS = 64 * 1024;

/** Opens `file` for reading without blocking on FIFOs and checks the handle: regular, non-empty, under the limit. */
async function openChecked(file: string, kind: FileKind, o: BoundedReadOptions): Promise<{ handle: fs.promises.FileHandle; size: number }> {
  const flags = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, flags);
  } catch (err) {
    const code = codeOf(err);
    if (code === 'EISDIR') throw new FileReadError(file, 'is a folder, not a file');
    if (code === 'ENXIO') throw new FileReadError(file, `is a socket or device that cannot be read as a file${await linkNote(file)}`);
    throw new FileReadError(file, `cannot open (${code})`);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new FileReadError(file, `is ${specialKind(st)}${await linkNote(file)}, not a regular file`);
    const limit = o.maxBytes ?? maxFileBytes(kind);
    if (st.size > limit) {
      const env = `FLOWSPECT_MAX_FILE_MB_${kind.toUpperCase()}`;
      throw new FileReadError(file, `file is ${st.size} bytes, over the limit of ${limit} for ${kind} files (${sizeText(limit)}; ${env} raises it)`);
    }
    if (st.size === 0 && !o.allowEmpty) throw new FileReadError(file, 'empty file (0 bytes)');
    return { handle, size: st.size };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/**
 * Reads a whole file from outside, bounded: refused with a FileReadError naming the file unless it is a regular
 * file (symlinks followed) of at most the kind's limit. Never blocks the event loop, never reads past the size the
 * file had when opened (a file growing while read is refused).
 */
export async function readBoundedFile(file: string, kind: FileKind, o: BoundedReadOptions = {}): Promise<Buffer> {
  const { handle, size } = await openChecked(file, kind, o);
  try {
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await handle.read(out, at, size - at, at);
      if (bytesRead === 0) throw new FileReadError(file, `shrank while being read (${at} of ${size} bytes)`);
      at += bytesRead;
    }
    const probe = Buffer.alloc(1);
    if ((await handle.read(probe, 0, 1, size)).bytesRead !== 0) throw new FileReadError(file, 'grew while being read');
    return out;
  } catch (err) {
    if (err instanceof FileReadError) throw err;
    throw new FileReadError(file, `cannot read (${codeOf(err)})`);
  } finally {
    await handle.close();
  }
}

/**
 * {@link readBoundedFile} as UTF-8 text. Refused: a file with NUL bytes (binary, never a CSV) and one with a line
 * longer than `maxLineChars` (default MAX_TEXT_LINE_CHARS), which no hand- or tool-written table has.
 */
export async function readBoundedText(file: string, kind: FileKind, o: BoundedReadOptions & { maxLineChars?: number } = {}): Promise<string> {
  const bytes = await readBoundedFile(file, kind, o);
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new FileReadError(file, `is binary (a NUL byte at offset ${nul}), not a text file`);
  const text = bytes.toString('utf8');
  const maxLine = o.maxLineChars ?? MAX_TEXT_LINE_CHARS;
  for (let start = 0, line = 1; start < text.length; line++) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    if (end - start > maxLine) throw new FileReadError(file, `line ${line} is ${end - start} characters long, over the limit of ${maxLine}; not a text table`);
    start = end + 1;
  }
  return text;
}

/**
 * The same checks for the app's own stored files that synchronous code reads (a project's backbone file spliced
 * into a graph, a derived backbone in the cache): a stored file replaced by a link to /dev/zero or a FIFO is
 * refused at once instead of being read forever. Files given from outside go through {@link readBoundedFile}.
 */
export function readBoundedFileSync(file: string, kind: FileKind, o: BoundedReadOptions = {}): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw new FileReadError(file, `cannot open (${codeOf(err)})`);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new FileReadError(file, `is ${specialKind(st)}, not a regular file`);
    const limit = o.maxBytes ?? maxFileBytes(kind);
    if (st.size > limit) throw new FileReadError(file, `file is ${st.size} bytes, over the limit of ${limit} for ${kind} files (${sizeText(limit)})`);
    if (st.size === 0 && !o.allowEmpty) throw new FileReadError(file, 'empty file (0 bytes)');
    const out = Buffer.allocUnsafe(st.size);
    let at = 0;
    while (at < st.size) {
      const n = fs.readSync(fd, out, at, st.size - at, at);
      if (n === 0) throw new FileReadError(file, `shrank while being read (${at} of ${st.size} bytes)`);
      at += n;
    }
    return out;
  } finally {
    fs.closeSync(fd);
  }
}
