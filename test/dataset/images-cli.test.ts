import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imagesCommand } from '../../app/cli/images.js';
import { CliUsageError } from '../../app/cli/types.js';
import { AppContext } from '../../app/context.js';
import { undoLastImageChange } from '../../app/store/image-edits.js';
import { selectTrainingDefects } from '../../app/store/models.js';
import { openProject } from '../../app/store/project.js';
import { tempDir } from '../helpers.js';
import { makeMvtec } from './fixtures.js';

/**
 * `flowspect images` (issue 23, "use for training" from the CLI) on a real imported MVTec-style project: the masked
 * crack becomes a training defect, the unmasked one is named as refused by training, and bad flags change nothing.
 */
const t = tempDir('flowspect-images-cli-');
const dir = path.join(t.dir, 'project');
const ids: Record<'masked' | 'unmasked' | 'good', number> = { masked: 0, unmasked: 0, good: 0 };

beforeAll(async () => {
  const src = path.join(t.dir, 'mvtec');
  await makeMvtec(src);
  const app = new AppContext(path.join(t.dir, 'user'), { logToFile: false });
  app.createProject(dir);
  const job = app.jobs.start(app.project(), 'import', { source: src });
  expect((await app.jobs.wait(app.project(), job.id)).status).toBe('succeeded');
  const rows = app.project().db.prepare("SELECT i.id, i.original_path AS name, EXISTS (SELECT 1 FROM masks m WHERE m.image_id = i.id) AS mask FROM images i").all() as { id: number; name: string; mask: number }[];
  ids.masked = rows.find((r) => r.name.includes('crack') && r.mask)!.id;
  ids.unmasked = rows.find((r) => r.name.includes('crack') && !r.mask)!.id;
  ids.good = rows.find((r) => r.name.endsWith('test/good/000.png'))!.id;
  await app.dispose();
}, 120_000);
afterAll(() => t.cleanup());

async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await imagesCommand.run(argv.filter((a) => a !== '--json'), { out: (l) => out.push(l), err: (l) => err.push(l) }, { json: argv.includes('--json'), verbose: false });
  return { code, out, err };
}
const withProject = <T>(f: (p: ReturnType<typeof openProject>) => T): T => {
  const p = openProject(dir);
  try {
    return f(p);
  } finally {
    p.close();
  }
};

describe('flowspect images', () => {
  it('lists images by id without changing them (read-only)', async () => {
    const r = await run(dir, '--ids', `${ids.masked},${ids.good}`);
    expect(r.code).toBe(0);
    expect(r.out).toEqual([expect.stringMatching(new RegExp(`^  ${ids.masked} widget/test/crack/\\d+\\.png: defect, test, defect mask$`)), `  ${ids.good} widget/test/good/000.png: good, test`]);
  });

  it('moves defects to train in one undoable change, naming the training defect and the unmasked one training refuses', async () => {
    const r = await run(dir, '--ids', `${ids.masked},${ids.unmasked}`, '--split', 'train', '--json');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out.at(-1)!);
    expect(result).toEqual({
      updated: 2,
      images: [
        expect.objectContaining({ id: ids.masked, label: 'defect', split: 'train', hasMask: true, trainingDefect: true }),
        expect.objectContaining({ id: ids.unmasked, label: 'defect', split: 'train', hasMask: false, trainingDefect: false }),
      ],
    });
    expect(r.err).toEqual([expect.stringContaining(`image ${ids.unmasked} is a train defect without a defect mask: training refuses it`)]);
    expect(withProject((p) => selectTrainingDefects(p.db, {}).map((d) => [d.id, d.maskPath !== null]))).toEqual([[ids.masked, true], [ids.unmasked, false]].sort((a, b) => Number(a[0]) - Number(b[0])));
    // One change: one undo puts both back on the test split.
    expect(withProject((p) => undoLastImageChange(p.db))).toMatchObject({ restored: 2, description: expect.stringContaining('split train (CLI)') });
    expect(withProject((p) => selectTrainingDefects(p.db, {}))).toEqual([]);
  });

  it('sets a label, and prints readable lines without --json', async () => {
    const r = await run(dir, '--ids', String(ids.good), '--label', 'defect', '--split', 'val');
    expect(r.out).toEqual([`updated 1 image (label defect; split val); undo from the Dataset view`, `  ${ids.good} widget/test/good/000.png: defect, val`]);
    withProject((p) => undoLastImageChange(p.db));
  });

  it('refuses bad flags and unknown ids, changing nothing', async () => {
    await expect(run(dir, '--ids', String(ids.good), '--split', 'holdout')).rejects.toThrow(new CliUsageError('--split must be one of train, val, test (got "holdout")'));
    await expect(run(dir, '--ids', String(ids.good), '--label', 'bad')).rejects.toThrow(/--label must be one of good, defect, ignore/);
    await expect(run(dir, '--ids', '1,x')).rejects.toThrow(/--ids must be image ids separated by commas \(got "x"\)/);
    await expect(run(dir)).rejects.toThrow(/--ids 1,2,3 is required/);
    await expect(run('--ids', '1')).rejects.toThrow(/exactly one PROJECT/);
    await expect(run(dir, '--ids', `${ids.good},9999`, '--split', 'train')).rejects.toMatchObject({ code: 'not_found', message: 'image 9999 does not exist' });
    expect(withProject((p) => p.db.prepare('SELECT split FROM images WHERE id = ?').pluck().get(ids.good))).toBe('test');
  });
});
