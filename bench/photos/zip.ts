/**
 * Reads single members of a zip archive (game data packs such as ufoai's `.pk3` are plain zips) without unpacking
 * the rest: the central directory at the end of the file lists every member's offset, so one member costs one read.
 * Stored (0) and deflated (8) members, no zip64 (archives under 4 GiB), no encryption — what such packs use.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';

interface Member {
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export class ZipReader {
  private constructor(
    readonly file: string,
    private readonly fd: number,
    private readonly members: ReadonlyMap<string, Member>,
  ) {}

  static open(file: string): ZipReader {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      // The end-of-central-directory record sits in the last 22 bytes plus an optional comment (≤ 65535 bytes).
      const tailLength = Math.min(size, 22 + 65535);
      const tail = Buffer.alloc(tailLength);
      fs.readSync(fd, tail, 0, tailLength, size - tailLength);
      let eocd = -1;
      for (let i = tailLength - 22; i >= 0; i--) {
        if (tail.readUInt32LE(i) === EOCD) {
          eocd = i;
          break;
        }
      }
      if (eocd < 0) throw new Error(`${file}: not a zip archive (no end-of-central-directory record)`);
      const count = tail.readUInt16LE(eocd + 10);
      const dirSize = tail.readUInt32LE(eocd + 12);
      const dirOffset = tail.readUInt32LE(eocd + 16);
      if (dirOffset === 0xffffffff || count === 0xffff) throw new Error(`${file}: zip64 archives are not supported`);
      const dir = Buffer.alloc(dirSize);
      fs.readSync(fd, dir, 0, dirSize, dirOffset);
      const members = new Map<string, Member>();
      let at = 0;
      for (let k = 0; k < count; k++) {
        if (dir.readUInt32LE(at) !== CENTRAL) throw new Error(`${file}: corrupt central directory at entry ${k}`);
        const method = dir.readUInt16LE(at + 10);
        const compressedSize = dir.readUInt32LE(at + 20);
        const memberSize = dir.readUInt32LE(at + 24);
        const nameLength = dir.readUInt16LE(at + 28);
        const extraLength = dir.readUInt16LE(at + 30);
        const commentLength = dir.readUInt16LE(at + 32);
        const localHeaderOffset = dir.readUInt32LE(at + 42);
        const name = dir.toString('utf8', at + 46, at + 46 + nameLength);
        members.set(name, { method, compressedSize, size: memberSize, localHeaderOffset });
        at += 46 + nameLength + extraLength + commentLength;
      }
      return new ZipReader(file, fd, members);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  has(name: string): boolean {
    return this.members.has(name);
  }

  /** The member's bytes (inflated). Throws naming the archive when the member is missing. */
  read(name: string): Buffer {
    const m = this.members.get(name);
    if (!m) throw new Error(`${this.file} has no member ${name}`);
    const header = Buffer.alloc(30);
    fs.readSync(this.fd, header, 0, 30, m.localHeaderOffset);
    if (header.readUInt32LE(0) !== LOCAL) throw new Error(`${this.file}: corrupt local header for ${name}`);
    const dataStart = m.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
    const raw = Buffer.alloc(m.compressedSize);
    fs.readSync(this.fd, raw, 0, m.compressedSize, dataStart);
    if (m.method === 0) return raw;
    if (m.method === 8) {
      const out = zlib.inflateRawSync(raw);
      if (out.length !== m.size) throw new Error(`${this.file}: ${name} inflated to ${out.length} bytes, expected ${m.size}`);
      return out;
    }
    throw new Error(`${this.file}: ${name} uses compression method ${m.method} (only stored and deflate are supported)`);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
