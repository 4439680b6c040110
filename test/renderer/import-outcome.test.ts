import { describe, expect, it } from 'vitest';
import { importOutcome } from '../../renderer/src/lib/import-outcome';

const base = { source: '/data/line-5', found: 0, imported: 0, duplicates: 0, masks: 0, failed: [], skipped: [], seconds: 0.1 };
const problem = (file: string) => ({ file, reason: 'why' });

/** An import that found or imported nothing is never reported as a plain success. */
describe('what an import report means', () => {
  it('is an error when no image was found, saying what was left out', () => {
    expect(importOutcome(base)).toEqual({ level: 'error', headline: 'No images found in /data/line-5: nothing was imported — the folder holds no files.' });
    expect(importOutcome({ ...base, skipped: [problem('README.md'), problem('a.csv')] }).headline).toContain('2 files skipped (listed below)');
    expect(importOutcome({ ...base, failed: [problem('x.png')], skipped: [problem('a.csv')] }).headline).toContain('1 file not imported, 1 file skipped (listed below)');
  });

  it('is an error when every image failed, a warning when nothing was new or some failed, ok otherwise', () => {
    expect(importOutcome({ ...base, found: 2, failed: [problem('a.png'), problem('b.png')] })).toMatchObject({ level: 'error', headline: 'Nothing was imported: 2 images could not be read (listed below).' });
    expect(importOutcome({ ...base, found: 4, duplicates: 4 })).toMatchObject({ level: 'warning', headline: 'Nothing new was imported: all 4 images are already in the project.' });
    expect(importOutcome({ ...base, found: 3, imported: 2, failed: [problem('c.png')] }).level).toBe('warning');
    expect(importOutcome({ ...base, found: 1, imported: 1 })).toEqual({ level: 'ok', headline: 'Imported 1 image.' });
  });
});
