/**
 * Checkpoint files: an 8-byte magic, a uint32 header length, a JSON header (trainer state + tensor table), then
 * each tensor as little-endian float32. Written to a unique temp file, fsynced, and renamed over the target, so a
 * crash (SIGKILL, power loss) leaves either the previous checkpoint or the new one, never a torn file.
 */
import { writeFileAtomic } from '../core/atomic-write.js';
import { AppError } from '../core/errors.js';
import fs from 'node:fs';
import path from 'node:path';

const MAGIC = Buffer.from('FSCKPT1\n', 'latin1');

export interface CheckpointTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface Checkpoint<S> {
  readonly state: S;
  readonly tensors: ReadonlyMap<string, CheckpointTensor>;
}

export function writeCheckpoint<S>(file: string, state: S, tensors: ReadonlyMap<string, CheckpointTensor>): void {
  const table: { name: string; shape: readonly number[]; length: number }[] = [];
  for (const [name, t] of tensors) table.push({ name, shape: t.shape, length: t.data.length });
  const header = Buffer.from(JSON.stringify({ state, tensors: table }), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  const data = [...tensors.values()].map((t) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  writeFileAtomic(file, [MAGIC, len, header, ...data]);
}

/**
 * Reads a checkpoint written by writeCheckpoint. A file that is missing, unreadable, not a checkpoint, truncated or
 * otherwise corrupt is an AppError invalid_file naming the file and the reason (delete it to train from the start).
 */
export function readCheckpoint<S>(file: string): Checkpoint<S> {
  const corrupt = (reason: string): AppError => new AppError('invalid_file', `checkpoint ${file}: ${reason}`, { file });
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (err) {
    throw corrupt(`cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (buf.length < 12 || !buf.subarray(0, 8).equals(MAGIC)) throw corrupt('not a Flowspect checkpoint');
  const hlen = buf.readUInt32LE(8);
  if (12 + hlen > buf.length) throw corrupt('truncated header');
  const header = parseHeader<S>(buf.subarray(12, 12 + hlen), corrupt);
  let offset = 12 + hlen;
  const tensors = new Map<string, CheckpointTensor>();
  for (const t of header.tensors) {
    const bytes = t.length * 4;
    if (offset + bytes > buf.length) throw corrupt(`truncated at tensor ${t.name}`);
    const data = new Float32Array(t.length);
    new Uint8Array(data.buffer).set(buf.subarray(offset, offset + bytes));
    tensors.set(t.name, { shape: t.shape, data });
    offset += bytes;
  }
  if (offset !== buf.length) throw corrupt(`${buf.length - offset} trailing bytes`);
  return { state: header.state, tensors };
}

type CheckpointHeader<S> = { state: S; tensors: { name: string; shape: number[]; length: number }[] };

/** The JSON header, with its tensor table checked enough that reading the tensors cannot go astray. */
function parseHeader<S>(bytes: Buffer, corrupt: (reason: string) => AppError): CheckpointHeader<S> {
  let header: CheckpointHeader<S>;
  try {
    header = JSON.parse(bytes.toString('utf8')) as CheckpointHeader<S>;
  } catch (err) {
    throw corrupt(`header is not valid JSON (${(err as Error).message})`);
  }
  const table: unknown = (header as { tensors?: unknown } | null)?.tensors;
  const valid =
    Array.isArray(table) &&
    table.every((t: { name?: unknown; shape?: unknown; length?: unknown } | null) => typeof t?.name === 'string' && Array.isArray(t.shape) && Number.isInteger(t.length) && (t.length as number) >= 0);
  if (!valid) throw corrupt('header has no valid tensor table');
  return header;
}

/** Removes temp files a killed writer left next to `file`. */
export function cleanCheckpointTemps(file: string): void {
  const dir = path.dirname(file);
  if (!fs.existsSync(dir)) return;
  const base = path.basename(file);
  for (const name of fs.readdirSync(dir)) if (name.startsWith(`${base}.tmp-`)) fs.rmSync(path.join(dir, name), { force: true });
}
