// One strict decode for import, training and synthesis (app/core/image-decode.ts): a file training could not read is
// refused at import, named, with the reason. Duplicates are recognised by hash before any decode, and every file
// an import leaves out is listed with the reason.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { importDataset } from '../../app/dataset/import.js';
import { loadRgb8 } from '../../app/model/features/preprocess.js';
import { createProject } from '../../app/store/project.js';
import { decodeImage } from '../../app/synthesis/io.js';
import { tempDir } from '../helpers.js';
import { corruptJpeg, png } from './images.js';

const t = tempDir('flowspect-decode-');
afterAll(() => t.cleanup());

const put = (file: string, data: Buffer | string): string => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
  return file;
};

describe('the strict decode', () => {
  it('refuses a JPEG with corrupt entropy-coded data at import, in training and in synthesis, with the same reason', async () => {
    const bytes = await corruptJpeg(11);
    // The file is subtly broken: the lenient setting import used before ("error") decodes it without complaint.
    await expect(sharp(bytes, { failOn: 'error' }).raw().toBuffer()).resolves.toBeInstanceOf(Buffer);
    const src = path.join(t.dir, 'corrupt', 'parts');
    const file = put(path.join(src, 'good', 'corrupt.jpg'), bytes);
    put(path.join(src, 'good', 'fine.png'), await png(1));
    const project = createProject(path.join(t.dir, 'corrupt-project'), 'decode');
    const report = await importDataset(project, { source: src, threads: 1 });
    expect(report.imported).toBe(1);
    expect(report.failed).toEqual([{ file, reason: 'truncated or corrupt image data: VipsJpeg: Corrupt JPEG data: premature end of data segment' }]);
    expect(project.db.prepare('SELECT COUNT(*) AS n FROM images').get()).toEqual({ n: 1 });
    project.close();
    await expect(loadRgb8(file, { width: 64, height: 64, fit: 'stretch' })).rejects.toThrow(/corrupt\.jpg: .*Corrupt JPEG data: premature end of data segment/);
    await expect(decodeImage(file)).rejects.toThrow(/corrupt\.jpg: cannot be read as an image \(truncated or corrupt image data: VipsJpeg: Corrupt JPEG data/);
  });
});

describe('re-importing', () => {
  it('recognises known files by their sha256 without decoding them again', async () => {
    const src = path.join(t.dir, 'again', 'parts');
    for (let i = 0; i < 3; i++) put(path.join(src, 'good', `${i}.png`), await png(20 + i));
    const project = createProject(path.join(t.dir, 'again-project'), 'again');
    expect(await importDataset(project, { source: src, threads: 1 })).toMatchObject({ imported: 3, failed: [] });
    // With a pixel limit of 1 every decode fails: the known files still count as duplicates, so none was decoded;
    // a new file shows that the limit was in force.
    const fresh = put(path.join(src, 'good', 'new.png'), await png(30));
    const again = await importDataset(project, { source: src, threads: 1, limits: { maxPixels: 1 } });
    expect(again).toMatchObject({ imported: 0, duplicates: 3 });
    expect(again.failed).toEqual([{ file: fresh, reason: expect.stringMatching(/larger than the limit of 1 pixels/) }]);
    project.close();
  });
});

describe('files an import leaves out', () => {
  it('lists every skipped file and folder with the reason: unsupported format, hidden file, hidden folder', async () => {
    const src = path.join(t.dir, 'skipped', 'parts');
    put(path.join(src, 'good', 'a.png'), await png(40));
    const gif = put(path.join(src, 'good', 'anim.gif'), await sharp(await png(41)).gif().toBuffer());
    const hidden = put(path.join(src, 'good', '.hidden.png'), await png(42));
    const ds = put(path.join(src, '.DS_Store'), 'x');
    const readme = put(path.join(src, 'README'), 'notes');
    put(path.join(src, '.git', 'config'), '[core]');
    const project = createProject(path.join(t.dir, 'skipped-project'), 'skipped');
    const r = await importDataset(project, { source: src, threads: 1 });
    project.close();
    expect(r).toMatchObject({ imported: 1, failed: [] });
    expect(r.skipped).toEqual([
      { file: ds, reason: 'hidden file (its name starts with a dot), skipped' },
      { file: path.join(src, '.git'), reason: 'hidden folder (its name starts with a dot), not scanned' },
      { file: readme, reason: 'unsupported format (no extension), skipped; images must be .png .jpg .jpeg .bmp .tif .tiff .webp' },
      { file: hidden, reason: 'hidden file (its name starts with a dot), skipped' },
      { file: gif, reason: 'unsupported format (.gif), skipped; images must be .png .jpg .jpeg .bmp .tif .tiff .webp' },
    ]);
  });
});
