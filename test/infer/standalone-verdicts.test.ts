import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../app/cli.js';
import { parseCsv } from '../../app/core/csv.js';
import { inferFolder } from '../../app/infer/standalone.js';
import { tempDir } from '../helpers.js';
import { greyImage, greyScore, writeNanModel } from './nan-model.js';

const t = tempDir('flowspect-infer-verdicts-');
const BIN = fileURLToPath(new URL('../../bin/flowspect.js', import.meta.url));
const model = path.join(t.dir, 'model.onnx');
const images = path.join(t.dir, 'parts');
/** A name that tries to forge a CSV row and a line of the CLI's text. */
const FORGED = 'forged\nok.png,3,accept,\r\x1b[2Kblack.png';

beforeAll(async () => {
  await writeNanModel(model, { review: 11, reject: 12 });
  fs.mkdirSync(path.join(images, 'sub'), { recursive: true });
  await greyImage(path.join(images, 'ok.png'), 128); // √103 ≈ 10.1 → accept
  await greyImage(path.join(images, 'a.png'), 200); // ≈ 13.2 → reject
  await greyImage(path.join(images, 'a.jpg'), 160); // ≈ 11.6 → review
  await greyImage(path.join(images, 'sub', 'b.png'), 128);
  await greyImage(path.join(images, 'sub__b.png'), 200);
  await greyImage(path.join(images, 'black.png'), 0); // NaN
  await greyImage(path.join(images, `${FORGED}.png`), 0); // NaN, and a hostile name
}, 60_000);
afterAll(() => t.cleanup());

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

const rowsOf = (csv: string) => {
  const [header, ...rows] = parseCsv(fs.readFileSync(csv, 'utf8'));
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!]))) as Record<'path' | 'score' | 'verdict' | 'map_file' | 'reason', string>[];
};

describe('flowspect infer: verdicts you can trust', () => {
  it('gives an error row (never accept) for a score that is not finite, exits 1 and names the parts on stderr', () => {
    const out = path.join(t.dir, 'results.csv');
    const maps = path.join(t.dir, 'maps');
    const r = spawnSync(process.execPath, [BIN, 'infer', '--model', model, '--images', images, '--out', out, '--maps', maps], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^5 of 7 images judged on cpu, fp32 .*: 2 accept, 1 review, 2 reject, 2 error$/m);
    expect(r.stderr).toMatch(/^flowspect infer: 2 of 7 images could not be judged \(verdict error, not passed\)$/m);
    expect(r.stderr).toMatch(/^ {2}error .*black\.png: the model gave a score that is not a finite number \(NaN\)$/m);
    // The hostile name is one escaped line: no forged line, no raw control character reaches the terminal.
    expect(r.stderr).toContain('forged\\nok.png,3,accept,\\r\\x1b[2Kblack.png.png');
    expect(r.stdout + r.stderr).not.toMatch(/[\r\x1b]/);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('ok.png'))).toEqual([]);

    const rows = rowsOf(out);
    expect(rows.map((x) => x.path)).toEqual(['a.jpg', 'a.png', 'black.png', `${FORGED}.png`, 'ok.png', 'sub/b.png', 'sub__b.png']);
    const by = Object.fromEntries(rows.map((x) => [x.path, x]));
    expect(by['black.png']).toMatchObject({ score: 'NaN', verdict: 'error', reason: 'the model gave a score that is not a finite number (NaN)' });
    expect(by[`${FORGED}.png`]).toMatchObject({ verdict: 'error' });
    expect(Number(by['ok.png']!.score)).toBeCloseTo(greyScore(128), 4);
    expect([by['ok.png']!.verdict, by['a.jpg']!.verdict, by['a.png']!.verdict]).toEqual(['accept', 'review', 'reject']);
    expect(rows.filter((x) => x.reason !== '').map((x) => x.path)).toEqual(['black.png', `${FORGED}.png`]);

    // One map per image, none overwritten: colliding names get a hash of the image's path.
    const mapFiles = rows.map((x) => x.map_file);
    expect(new Set(mapFiles).size).toBe(7);
    for (const f of mapFiles) expect(fs.existsSync(f)).toBe(true);
    expect(fs.readdirSync(maps)).toHaveLength(7);
    expect(path.basename(by['ok.png']!.map_file)).toBe('ok_map.png');
    expect(path.basename(by['a.png']!.map_file)).toMatch(/^a\.[0-9a-f]{10}_map\.png$/);
    expect(path.basename(by['sub/b.png']!.map_file)).toMatch(/^sub__b\.[0-9a-f]{10}_map\.png$/);
    expect(path.basename(by['sub/b.png']!.map_file)).not.toBe(path.basename(by['sub__b.png']!.map_file));
  }, 60_000);

  it('gives the same map names on every run, and --json carries every unjudged part', async () => {
    const first = await inferFolder({ model, images, out: path.join(t.dir, 'one.csv'), maps: path.join(t.dir, 'maps-1') });
    const second = await cli(['infer', '--model', model, '--images', images, '--out', path.join(t.dir, 'two.csv'), '--maps', path.join(t.dir, 'maps-2'), '--json']);
    expect(second.code).toBe(1);
    const json = JSON.parse(second.out.at(-1)!);
    expect(json).toMatchObject({ images: 7, judged: 5, verdicts: { accept: 2, review: 1, reject: 2, error: 2 } });
    expect(json.unjudged.map((u: { file: string }) => path.basename(u.file))).toEqual(['black.png', `${FORGED}.png`]);
    expect(first.unjudged).toEqual(json.unjudged);
    const names = (csv: string) => rowsOf(csv).map((x) => path.basename(x.map_file));
    expect(names(path.join(t.dir, 'two.csv'))).toEqual(names(path.join(t.dir, 'one.csv')));
  }, 60_000);

  it('exits 1 with the reason when no image could be judged', async () => {
    const broken = path.join(t.dir, 'broken');
    fs.mkdirSync(broken);
    fs.writeFileSync(path.join(broken, 'x.png'), 'not an image');
    fs.writeFileSync(path.join(broken, 'y.png'), Buffer.alloc(64, 0xff));
    const r = await cli(['infer', '--model', model, '--images', broken, '--out', path.join(t.dir, 'broken.csv')]);
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(/^flowspect infer: no image could be judged \(2 of 2 are errors\); first reason: \S/);
    expect(rowsOf(path.join(t.dir, 'broken.csv')).map((x) => x.verdict)).toEqual(['error', 'error']);
  }, 60_000);

  it('refuses an --out that is one of the images, and maps that would overwrite an image, before writing anything', async () => {
    const victim = path.join(images, 'ok.png');
    const before = fs.readFileSync(victim);
    const r = await cli(['infer', '--model', model, '--images', images, '--out', victim]);
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toMatch(/--out .*ok\.png is one of the images being scored/);
    // Through another spelling of the same path, too.
    await expect(inferFolder({ model, images, out: path.join(images, 'sub', '..', 'ok.png') })).rejects.toThrow(/is one of the images being scored/);
    expect(fs.readFileSync(victim)).toEqual(before);

    const folder = path.join(t.dir, 'same-folder');
    fs.mkdirSync(folder);
    await greyImage(path.join(folder, 'p.png'), 128);
    await greyImage(path.join(folder, 'p_map.png'), 128); // what p.png's map would be called
    const kept = fs.readFileSync(path.join(folder, 'p_map.png'));
    await expect(inferFolder({ model, images: folder, out: path.join(t.dir, 'same.csv'), maps: folder })).rejects.toThrow(/would overwrite the image/);
    expect(fs.readFileSync(path.join(folder, 'p_map.png'))).toEqual(kept);
    expect(fs.existsSync(path.join(t.dir, 'same.csv'))).toBe(false);
  }, 60_000);
});
