/**
 * Ways a model file goes wrong, applied to real sealed bytes: overwritten ranges, same-length edits of the text
 * inside (a threshold changed in place), and integrity records rewritten (a wrong hash, another reference output,
 * metadata naming outputs the graph lacks, sealed consistently so only the later checks can catch it).
 */
import onnxProto from 'onnx-proto';
import { INTEGRITY_KEY, appendIntegrity, rangesSha256, splitIntegrity, withoutIntegrity } from '../../app/model/integrity-record.js';
import type { IntegrityRecord } from '../../app/model/integrity.js';
import { type ModelMetadata, readMetadata, withMetadata } from '../../app/model/metadata.js';

/** `bytes` with `length` bytes set to `value`, starting at `fraction` of the file (default: the middle). */
export function overwriteMiddle(bytes: Uint8Array, length = 4096, value = 0xff, fraction = 0.5): Buffer {
  const out = Buffer.from(bytes);
  const at = Math.floor(out.length * fraction);
  out.fill(value, at, at + length);
  return out;
}

/** Replaces the first occurrence of `from` by `to` (same length) in the raw bytes. */
export function editInPlace(bytes: Uint8Array, from: string, to: string): Buffer {
  if (from.length !== to.length) throw new Error('editInPlace: same length only');
  const out = Buffer.from(bytes);
  const at = out.indexOf(from);
  if (at < 0) throw new Error(`editInPlace: "${from}" not found`);
  out.write(to, at);
  return out;
}

export function integrityRecord(bytes: Uint8Array): IntegrityRecord {
  return JSON.parse(splitIntegrity(bytes).record!) as IntegrityRecord;
}

/** The content with a rewritten record (the content hash is NOT recomputed unless `rehash`). */
export function withRecord(bytes: Uint8Array, change: (r: IntegrityRecord) => IntegrityRecord, rehash = false): Uint8Array {
  const content = withoutIntegrity(bytes);
  const record = change(integrityRecord(bytes));
  const contentSha256 = rehash ? rangesSha256(content, [[0, content.length]]) : record.contentSha256;
  return appendIntegrity(content, JSON.stringify({ ...record, contentSha256 }));
}

/** Metadata changed and the file re-hashed, keeping the old reference output: a consistent but wrong file. */
export function withChangedMetadata(bytes: Uint8Array, change: (m: ModelMetadata) => ModelMetadata): Uint8Array {
  const old = integrityRecord(bytes);
  const metadata = change(readMetadata(onnxProto.onnx.ModelProto.decode(bytes), 'model'));
  const content = withMetadata(bytes, metadata);
  return appendIntegrity(content, JSON.stringify({ ...old, contentSha256: rangesSha256(content, [[0, content.length]]) }));
}

export { INTEGRITY_KEY };
