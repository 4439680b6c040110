/**
 * Disk cache of backbone features for clean images.
 *
 * Key: sha256 over (image sha256, backbone hash, preprocessing key — which includes the size). One file per entry,
 * `<dir>/<key[0..2]>/<key>.f16`: an 8-byte magic, a uint32 header length, a JSON header (taps with their
 * (C, H, W) shapes, the key fields), then each tap as float16, in header order.
 * - Crash-safe: written to a unique temp file, fsynced, then renamed over the final name (atomic on one volume); a
 *   torn or foreign file fails validation on read and is deleted as a miss.
 * - Bounded: when the total exceeds `maxBytes`, least recently used entries (file mtime, touched on every hit)
 *   are deleted until it is under 90 % of the bound.
 */
import { writeFileAtomic } from '../../core/atomic-write.js';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { decodeFloat16, encodeFloat16 } from './float16.js';

export interface FeatureKey {
  /** sha256 (hex) of the image file bytes. */
  readonly imageSha256: string;
  /** sha256 (hex) of the backbone's ONNX file. */
  readonly backboneHash: string;
  /** From `preprocessKey()`: policy, size, version. */
  readonly preprocess: string;
}

/** One tap's features for one image, (C, H, W) float32. */
export interface TapFeatures {
  readonly name: string;
  readonly shape: readonly [number, number, number];
  readonly data: Float32Array;
}

export interface FeatureCacheOptions {
  /** Upper bound on the bytes of all entries; default 2 GiB. */
  readonly maxBytes?: number;
}

const MAGIC = Buffer.from('FSFEAT1\n', 'latin1');
const SUFFIX = '.f16';

interface Entry {
  size: number;
  lastUse: number;
}

export function featureKeyHash(key: FeatureKey): string {
  for (const [name, v] of Object.entries(key)) {
    if (typeof v !== 'string' || v.length === 0) throw new Error(`feature cache: key field ${name} must be a non-empty string`);
  }
  return createHash('sha256').update(`${key.imageSha256}\n${key.backboneHash}\n${key.preprocess}`).digest('hex');
}

export class FeatureCache {
  readonly dir: string;
  readonly maxBytes: number;
  private entries = new Map<string, Entry>();
  private totalBytes = 0;

  constructor(dir: string, options: FeatureCacheOptions = {}) {
    this.dir = dir;
    this.maxBytes = options.maxBytes ?? 2 * 1024 ** 3;
    if (!(this.maxBytes > 0)) throw new Error(`feature cache: maxBytes must be positive, got ${this.maxBytes}`);
    fs.mkdirSync(dir, { recursive: true });
    this.scan();
  }

  /** Rebuilds the in-memory index from disk and removes temp files left by an interrupted write. */
  private scan(): void {
    this.entries.clear();
    this.totalBytes = 0;
    for (const sub of fs.readdirSync(this.dir, { withFileTypes: true })) {
      if (!sub.isDirectory()) continue;
      const subDir = path.join(this.dir, sub.name);
      for (const name of fs.readdirSync(subDir)) {
        const file = path.join(subDir, name);
        if (name.includes('.tmp-')) {
          fs.rmSync(file, { force: true });
          continue;
        }
        if (!name.endsWith(SUFFIX)) continue;
        const st = fs.statSync(file);
        this.entries.set(name.slice(0, -SUFFIX.length), { size: st.size, lastUse: st.mtimeMs });
        this.totalBytes += st.size;
      }
    }
  }

  private fileOf(hash: string): string {
    return path.join(this.dir, hash.slice(0, 2), hash + SUFFIX);
  }

  get stats(): { entries: number; bytes: number; maxBytes: number } {
    return { entries: this.entries.size, bytes: this.totalBytes, maxBytes: this.maxBytes };
  }

  has(key: FeatureKey): boolean {
    return this.entries.has(featureKeyHash(key));
  }

  /** Returns the cached taps, or null on a miss (including an unreadable entry, which is deleted). */
  get(key: FeatureKey): TapFeatures[] | null {
    const hash = featureKeyHash(key);
    const file = this.fileOf(hash);
    let buf: Buffer;
    try {
      buf = fs.readFileSync(file);
    } catch {
      this.forget(hash);
      return null;
    }
    const taps = decodeEntry(buf, hash);
    if (!taps) {
      fs.rmSync(file, { force: true });
      this.forget(hash);
      return null;
    }
    const now = Date.now();
    try {
      fs.utimesSync(file, now / 1000, now / 1000);
    } catch {
      // evicted by another process in between: the data we read is still valid
    }
    const entry = this.entries.get(hash);
    if (entry) entry.lastUse = now;
    else {
      this.entries.set(hash, { size: buf.length, lastUse: now });
      this.totalBytes += buf.length;
    }
    return taps;
  }

  put(key: FeatureKey, taps: readonly TapFeatures[]): void {
    const hash = featureKeyHash(key);
    const buf = encodeEntry(hash, taps);
    const file = this.fileOf(hash);
    try {
      writeFileAtomic(file, buf);
    } catch (err) {
      throw new Error(`feature cache: cannot write ${file}: ${(err as Error).message}`);
    }
    this.forget(hash);
    this.entries.set(hash, { size: buf.length, lastUse: Date.now() });
    this.totalBytes += buf.length;
    if (this.totalBytes > this.maxBytes) this.evict(hash);
  }

  /** Deletes least recently used entries (never `keep`) until the total is under 90 % of the bound. */
  private evict(keep: string): void {
    const target = this.maxBytes * 0.9;
    const order = [...this.entries].filter(([h]) => h !== keep).sort((a, b) => a[1].lastUse - b[1].lastUse);
    for (const [hash] of order) {
      if (this.totalBytes <= target) break;
      fs.rmSync(this.fileOf(hash), { force: true });
      this.forget(hash);
    }
  }

  private forget(hash: string): void {
    const entry = this.entries.get(hash);
    if (!entry) return;
    this.totalBytes -= entry.size;
    this.entries.delete(hash);
  }

  clear(): void {
    for (const hash of [...this.entries.keys()]) {
      fs.rmSync(this.fileOf(hash), { force: true });
      this.forget(hash);
    }
  }
}

function encodeEntry(hash: string, taps: readonly TapFeatures[]): Buffer {
  const header = Buffer.from(JSON.stringify({ key: hash, taps: taps.map((t) => ({ name: t.name, shape: t.shape })) }), 'utf8');
  let values = 0;
  for (const t of taps) {
    const n = t.shape[0] * t.shape[1] * t.shape[2];
    if (t.shape.length !== 3 || !t.shape.every((d) => Number.isInteger(d) && d > 0) || t.data.length !== n) {
      throw new Error(`feature cache: tap ${t.name} has shape ${JSON.stringify(t.shape)} but ${t.data.length} values`);
    }
    values += n;
  }
  const headerEnd = MAGIC.length + 4 + header.length;
  const dataStart = headerEnd + (headerEnd % 2); // float16 data 2-byte aligned
  const buf = Buffer.alloc(dataStart + 2 * values);
  MAGIC.copy(buf, 0);
  buf.writeUInt32LE(header.length, MAGIC.length);
  header.copy(buf, MAGIC.length + 4);
  const halves = new Uint16Array(values);
  let at = 0;
  for (const t of taps) {
    encodeFloat16(t.data, halves.subarray(at, at + t.data.length));
    at += t.data.length;
  }
  Buffer.from(halves.buffer).copy(buf, dataStart);
  return buf;
}

function decodeEntry(buf: Buffer, hash: string): TapFeatures[] | null {
  if (buf.length < MAGIC.length + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  const headerLength = buf.readUInt32LE(MAGIC.length);
  const headerEnd = MAGIC.length + 4 + headerLength;
  if (headerEnd > buf.length) return null;
  let header: { key?: unknown; taps?: { name: string; shape: [number, number, number] }[] };
  try {
    header = JSON.parse(buf.toString('utf8', MAGIC.length + 4, headerEnd));
  } catch {
    return null;
  }
  if (header.key !== hash || !Array.isArray(header.taps)) return null;
  const dataStart = headerEnd + (headerEnd % 2);
  const values = header.taps.reduce((a, t) => a + t.shape[0] * t.shape[1] * t.shape[2], 0);
  if (buf.length !== dataStart + 2 * values) return null;
  // Copy to an aligned buffer: Buffer pooling does not guarantee 2-byte alignment of byteOffset.
  const halves = new Uint16Array(values);
  new Uint8Array(halves.buffer).set(buf.subarray(dataStart));
  let at = 0;
  return header.taps.map((t) => {
    const n = t.shape[0] * t.shape[1] * t.shape[2];
    const data = decodeFloat16(halves.subarray(at, at + n));
    at += n;
    return { name: t.name, shape: t.shape, data };
  });
}
