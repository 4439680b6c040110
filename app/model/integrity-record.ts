/**
 * The integrity record of a Flowspect ONNX file, at the byte level. The record is one `metadata_props` entry
 * (ModelProto field 14, key `flowspect.integrity`); the content hash is sha256 over every byte of the file except
 * that one entry's bytes (its tag, length and payload). The top-level fields of the ModelProto are walked without
 * decoding them, so the hash covers the graph, the weights, every other metadata entry (thresholds included) and
 * any unknown field exactly as stored — re-encoding could hide damage, byte ranges cannot. Sealing appends the
 * record at the end (protobuf lets repeated fields come in any order), so the hashed bytes stay where they were.
 */
import { createHash } from 'node:crypto';
import onnxProto from 'onnx-proto';

export const INTEGRITY_KEY = 'flowspect.integrity';

const METADATA_PROPS_FIELD = 14;
const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

/** The file's top-level protobuf structure is broken (truncated, overwritten); `offset` is where it broke. */
export class BrokenProtobufError extends Error {
  constructor(
    readonly offset: number,
    reason: string,
  ) {
    super(`protobuf structure broken at byte ${offset}: ${reason}`);
    this.name = 'BrokenProtobufError';
  }
}

function readVarint(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (at + i >= bytes.length) throw new BrokenProtobufError(at, 'the file ends inside a number');
    const b = bytes[at + i]!;
    value += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) return { value, next: at + i + 1 };
  }
  throw new BrokenProtobufError(at, 'a number longer than 10 bytes');
}

/** One top-level field: [start, end) spans its tag and value; [payloadStart, end) its length-delimited payload. */
interface TopField {
  readonly field: number;
  readonly start: number;
  readonly payloadStart: number;
  readonly end: number;
}

function* topLevelFields(bytes: Uint8Array): Generator<TopField> {
  let at = 0;
  while (at < bytes.length) {
    const start = at;
    const tag = readVarint(bytes, at);
    const field = Math.floor(tag.value / 8);
    const wire = tag.value % 8;
    if (field === 0) throw new BrokenProtobufError(start, 'field number 0');
    at = tag.next;
    let payloadStart = at;
    if (wire === WIRE_VARINT) at = readVarint(bytes, at).next;
    else if (wire === WIRE_I64) at += 8;
    else if (wire === WIRE_I32) at += 4;
    else if (wire === WIRE_LEN) {
      const len = readVarint(bytes, at);
      payloadStart = len.next;
      at = len.next + len.value;
    } else throw new BrokenProtobufError(start, `wire type ${wire} is not valid here`);
    if (at > bytes.length) throw new BrokenProtobufError(start, `field ${field} runs past the end of the file`);
    yield { field, start, payloadStart, end: at };
  }
}

export interface SplitModel {
  /** The file's byte ranges other than the integrity entry, in order. */
  readonly ranges: readonly (readonly [number, number])[];
  /** The integrity entry's JSON text, if the file has one. */
  readonly record: string | null;
}

/** Finds the integrity entry among the top-level fields (at most one is allowed). */
export function splitIntegrity(bytes: Uint8Array): SplitModel {
  const ranges: [number, number][] = [];
  let record: string | null = null;
  let from = 0;
  for (const f of topLevelFields(bytes)) {
    if (f.field !== METADATA_PROPS_FIELD) continue;
    const entry = onnxProto.onnx.StringStringEntryProto.decode(bytes.subarray(f.payloadStart, f.end));
    if (entry.key !== INTEGRITY_KEY) continue;
    if (record !== null) throw new BrokenProtobufError(f.start, `a second "${INTEGRITY_KEY}" entry`);
    record = entry.value ?? '';
    if (f.start > from) ranges.push([from, f.start]);
    from = f.end;
  }
  if (bytes.length > from) ranges.push([from, bytes.length]);
  return { ranges, record };
}

/** sha256 (hex) over the ranges, without copying them. */
export function rangesSha256(bytes: Uint8Array, ranges: SplitModel['ranges']): string {
  const h = createHash('sha256');
  for (const [a, b] of ranges) h.update(bytes.subarray(a, b));
  return h.digest('hex');
}

/** The file without its integrity entry (what the content hash is over). */
export function withoutIntegrity(bytes: Uint8Array, split: SplitModel = splitIntegrity(bytes)): Uint8Array {
  if (split.record === null) return bytes;
  return Buffer.concat(split.ranges.map(([a, b]) => bytes.subarray(a, b)));
}

/** `content` (a file without an integrity entry) with the entry appended. */
export function appendIntegrity(content: Uint8Array, recordJson: string): Uint8Array {
  // A ModelProto holding only that entry encodes to exactly the field: tag (14, LEN), length, entry bytes.
  const field = onnxProto.onnx.ModelProto.encode({ metadataProps: [{ key: INTEGRITY_KEY, value: recordJson }] }).finish();
  return Buffer.concat([content, field]);
}
