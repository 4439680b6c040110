/**
 * The parts the soak's clients import: real PNGs written with sharp from the demo's test images (good ones and
 * defects), each made unique by its serial number in its first pixels (import skips a file it already holds), in the
 * generic folder layout (`good/`, `<defect type>/`). The sha256 of every file is returned: what the database must hold.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

interface Raw {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
}

export interface WrittenFolder {
  readonly dir: string;
  /** The folder's name, which the import makes the dataset's name and category. */
  readonly category: string;
  readonly sha256: string[];
}

export class PartImages {
  private serial = 0;

  private constructor(
    private readonly good: readonly Raw[],
    private readonly defects: readonly { type: string; raw: Raw }[],
  ) {}

  /** Reads the demo category's test images (MVTec layout: test/good, test/<type>). */
  static async fromDemo(testDir: string): Promise<PartImages> {
    const good: Raw[] = [];
    const defects: { type: string; raw: Raw }[] = [];
    for (const type of fs.readdirSync(testDir).sort()) {
      for (const name of fs.readdirSync(path.join(testDir, type)).sort()) {
        const { data, info } = await sharp(path.join(testDir, type, name)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
        const raw: Raw = { data, width: info.width, height: info.height, channels: info.channels };
        if (type === 'good') good.push(raw);
        else defects.push({ type, raw });
      }
    }
    if (good.length === 0 || defects.length === 0) throw new Error(`bench soak: ${testDir} needs good and defective test images`);
    return new PartImages(good, defects);
  }

  /** Writes `good` good and `defective` defective unique parts under `parent/<category>/`. */
  async writeFolder(parent: string, category: string, good: number, defective: number): Promise<WrittenFolder> {
    const dir = path.join(parent, category);
    const sha256: string[] = [];
    for (let i = 0; i < good + defective; i++) {
      const n = this.serial++;
      const { type, raw } = i < good ? { type: 'good', raw: this.good[n % this.good.length]! } : this.defects[n % this.defects.length]!;
      const px = Buffer.from(raw.data);
      px[0] = n & 255;
      px[1] = (n >> 8) & 255;
      px[2] = (n >> 16) & 255;
      const png = await sharp(px, { raw: { width: raw.width, height: raw.height, channels: raw.channels } }).png().toBuffer();
      fs.mkdirSync(path.join(dir, type), { recursive: true });
      fs.writeFileSync(path.join(dir, type, `part-${String(n).padStart(6, '0')}.png`), png);
      sha256.push(createHash('sha256').update(png).digest('hex'));
    }
    return { dir, category, sha256 };
  }
}
