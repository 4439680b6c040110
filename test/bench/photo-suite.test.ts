/**
 * The photo suite's builder writes the MVTec AD layout that importDataset takes, from a synthetic "photo" (no
 * Debian package needed); plus its pieces: band split, zip members, DEP-5 licences, the PatchCore helpers, the
 * `--suite` argument, and the rule that app/ never imports bench/photos.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { suiteOf } from '../../bench/accuracy.js';
import { buildCategory, splitBands } from '../../bench/photos/build.js';
import { DEFECT_TYPES } from '../../bench/photos/defects.js';
import { avgPool3, NearestNeighbours, resizeChw } from '../../bench/photos/patchcore.js';
import { benchSettingsFromEnv, labelledCounts, meanOf, moveDefectsToTraining, objectivesFromEnv, type CategoryRow } from '../../bench/photos/run.js';
import { donorsFor, packagesFor, parseDep5, PHOTO_CATEGORIES, QUICK_CATEGORIES, requireSources } from '../../bench/photos/sources.js';
import { ZipReader } from '../../bench/photos/zip.js';
import { scanMvtec } from '../../app/dataset/mvtec.js';
import { importDataset } from '../../app/dataset/import.js';
import { createProject } from '../../app/store/project.js';
import { tempDir } from '../helpers.js';
import { syntheticPhoto } from './photo-fixtures.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});
function temp(): string {
  const t = tempDir('flowspect-photos-test-');
  cleanups.push(t.cleanup);
  return t.dir;
}

const counts = { trainGood: 8, testGood: 3, defective: 6 };

describe('photo suite builder', () => {
  it('writes the MVTec AD layout from a synthetic photo, and importDataset takes it', async () => {
    const out = temp();
    const photo = await syntheticPhoto(256, 256, 3);
    const donor = await syntheticPhoto(160, 160, 4, [0.3, 1, 0.4]);
    const built = await buildCategory(out, { name: 'weave', kind: 'regular', photos: [photo], cropPx: 96, transforms: 'flips', backing: [0, 0, 0], donors: [donor] }, { size: 64, counts, seed: 5 });
    const cat = path.join(out, 'weave');
    expect(fs.readdirSync(path.join(cat, 'train', 'good'))).toHaveLength(8);
    expect(fs.readdirSync(path.join(cat, 'test', 'good'))).toHaveLength(3);
    for (const t of DEFECT_TYPES) {
      expect(fs.readdirSync(path.join(cat, 'test', t))).toEqual(['000.png']);
      expect(fs.readdirSync(path.join(cat, 'ground_truth', t))).toEqual(['000_mask.png']);
      const file = path.join(cat, 'ground_truth', t, '000_mask.png');
      expect((await sharp(file).metadata()).channels).toBe(1); // 8-bit greyscale, as in MVTec AD
      const mask = await sharp(file).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
      expect(mask.info.width).toBe(64);
      expect(mask.data.some((v) => v === 255)).toBe(true);
      expect(mask.data.every((v) => v === 0 || v === 255)).toBe(true);
    }
    expect(built.defects).toEqual(Object.fromEntries(DEFECT_TYPES.map((t) => [t, 1])));
    const img = await sharp(path.join(cat, 'train', 'good', '000.png')).metadata();
    expect([img.width, img.height]).toEqual([64, 64]);

    const scan = await scanMvtec(out);
    expect(scan.problems).toEqual([]);
    expect(scan.warnings).toEqual([]);
    expect(scan.entries.filter((e) => e.split === 'train')).toHaveLength(8);
    expect(scan.entries.filter((e) => e.label === 'defect' && e.maskFile)).toHaveLength(6);

    const project = createProject(path.join(temp(), 'project'), 'photos-test');
    try {
      const report = await importDataset(project, { source: out, format: 'mvtec' });
      expect(report.failed).toEqual([]);
      expect(report.imported).toBe(8 + 3 + 6);
      expect(report.duplicates).toBe(0);
      expect(report.masks).toBe(6);
    } finally {
      project.close();
    }
  });

  it('--labelled K moves K defects of each type from test to train, seeded, and refuses what it cannot do', async () => {
    const out = temp();
    const photo = await syntheticPhoto(256, 256, 3);
    await buildCategory(out, { name: 'weave', kind: 'regular', photos: [photo], cropPx: 96, transforms: 'flips', backing: [0, 0, 0], donors: [await syntheticPhoto(160, 160, 4)] }, { size: 64, counts: { ...counts, defective: 12 }, seed: 5 });
    const project = createProject(path.join(temp(), 'project'), 'labelled-test');
    try {
      await importDataset(project, { source: out, format: 'mvtec' });
      const ranked = moveDefectsToTraining(project, 'weave', 1, 3);
      expect(ranked.map((ids) => ids.length)).toEqual(DEFECT_TYPES.map(() => 1));
      const moved = project.db.prepare(`SELECT defect_type FROM images WHERE split = 'train' AND label = 'defect' ORDER BY defect_type`).pluck().all();
      expect(moved).toEqual([...DEFECT_TYPES].sort());
      expect(project.db.prepare(`SELECT COUNT(*) FROM images WHERE split = 'test' AND label = 'defect'`).pluck().get()).toBe(DEFECT_TYPES.length);
      expect(() => moveDefectsToTraining(project, 'weave', 1, 3)).toThrow(/only 1 \w+ defects; --labelled 1 needs more/);
    } finally {
      project.close();
    }
    expect(labelledCounts(['--suite', 'photos'])).toEqual([]);
    expect(labelledCounts(['--labelled', '3'])).toEqual([3]);
    expect(labelledCounts(['--labelled', '10,1,3,3'])).toEqual([1, 3, 10]);
    expect(() => labelledCounts(['--labelled', 'x'])).toThrow(/--labelled must be followed by an integer/);
    expect(() => labelledCounts(['--labelled', '1,0'])).toThrow(/--labelled must be followed by an integer/);
    expect(objectivesFromEnv(undefined)).toEqual(['clflow', 'fastflow', 'patchcore']);
    expect(objectivesFromEnv('patchcore, clflow')).toEqual(['clflow', 'patchcore']);
    expect(() => objectivesFromEnv('clflow,flow')).toThrow(/FLOWSPECT_BENCH_OBJECTIVES must be a comma list of clflow, fastflow, patchcore, got "clflow,flow"/);
    expect(benchSettingsFromEnv(undefined)).toEqual({});
    expect(benchSettingsFromEnv('{"featureNoise":0.5,"strides":[4,8,16]}')).toEqual({ featureNoise: 0.5, strides: [4, 8, 16] });
    expect(() => benchSettingsFromEnv('{"featureNoize":0.5}')).toThrow(/FLOWSPECT_BENCH_SETTINGS: invalid training settings: .*featureNoize/);
    expect(() => benchSettingsFromEnv('{"featureNoise":9}')).toThrow(/FLOWSPECT_BENCH_SETTINGS: invalid training settings: featureNoise/);
    expect(() => benchSettingsFromEnv('{"epochs":3}')).toThrow(/epochs is set by the suite/);
    expect(() => benchSettingsFromEnv('[1]')).toThrow(/FLOWSPECT_BENCH_SETTINGS must be a JSON object/);
  });

  it('is deterministic from its seed', async () => {
    const photo = await syntheticPhoto(256, 256, 3);
    const spec = { name: 'sand', kind: 'stochastic' as const, photos: [photo], cropPx: 96, transforms: 'dihedral' as const, backing: [0, 0, 0] as const, donors: [await syntheticPhoto(128, 128, 9)] };
    const a = temp();
    const b = temp();
    await buildCategory(a, spec, { size: 48, counts, seed: 21 });
    await buildCategory(b, spec, { size: 48, counts, seed: 21 });
    for (const rel of ['train/good/007.png', 'test/good/002.png', 'test/crack/000.png', 'ground_truth/smear/000_mask.png']) {
      expect(fs.readFileSync(path.join(a, 'sand', rel)).equals(fs.readFileSync(path.join(b, 'sand', rel)))).toBe(true);
    }
  });

  it('re-captures an object with small shifts, gain changes and noise', async () => {
    const out = temp();
    const photo = await syntheticPhoto(160, 160, 8);
    await buildCategory(out, { name: 'part', kind: 'object', photos: [photo], cropPx: 0, transforms: 'flips', backing: [0, 0, 0], donors: [await syntheticPhoto(96, 96, 2)] }, { size: 64, counts, seed: 3 });
    const read = async (rel: string) => (await sharp(path.join(out, 'part', rel)).raw().toBuffer()) as Buffer;
    const a = await read('train/good/000.png');
    const b = await read('train/good/001.png');
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff += Math.abs(a[i] - b[i]);
    diff /= a.length;
    expect(diff).toBeGreaterThan(0.5); // not copies
    expect(diff).toBeLessThan(25); // the same part
  });

  it('splits each photo into disjoint training and test bands', () => {
    expect(splitBands(512, 512, 256)).toEqual({ train: { left: 0, top: 0, width: 512, height: 256 }, test: { left: 0, top: 256, width: 512, height: 256 } });
    const wide = splitBands(2560, 1600, 384);
    expect(wide.train).toEqual({ left: 0, top: 0, width: 1536, height: 1600 });
    expect(wide.test).toEqual({ left: 1536, top: 0, width: 1024, height: 1600 });
    expect(() => splitBands(400, 400, 256)).toThrow(/cannot hold two disjoint/);
  });
});

describe('photo suite sources', () => {
  it('has at least 6 categories of the required kinds, quick a subset', () => {
    const kinds = PHOTO_CATEGORIES.map((c) => c.kind);
    expect(PHOTO_CATEGORIES.length).toBeGreaterThanOrEqual(6);
    expect(kinds.filter((k) => k === 'stochastic').length).toBeGreaterThanOrEqual(2);
    expect(kinds.filter((k) => k === 'regular').length).toBeGreaterThanOrEqual(2);
    expect(kinds).toContain('object');
    expect(PHOTO_CATEGORIES.some((c) => c.colour)).toBe(true);
    for (const q of QUICK_CATEGORIES) expect(PHOTO_CATEGORIES.map((c) => c.name)).toContain(q);
  });

  it('takes foreign objects only from other packages', () => {
    for (const c of PHOTO_CATEGORIES) {
      const own = new Set(c.photos.map((p) => p.package));
      const donors = donorsFor(c);
      expect(donors.length).toBeGreaterThan(0);
      for (const d of donors) expect(own.has(d.package)).toBe(false);
    }
    expect(packagesFor(PHOTO_CATEGORIES)).toEqual(['mypaint-data-extras', 'plasma-workspace-wallpapers', 'ufoai-textures']);
  });

  it('names the packages to install when a source is missing (no silent skip)', () => {
    const fake = { ...PHOTO_CATEGORIES[0], name: 'fake', photos: [{ package: 'flowspect-no-such-package', file: '/nonexistent/flowspect/photo.png' }] };
    expect(() => requireSources([fake])).toThrow(/apt-get install .*flowspect-no-such-package/);
  });

  it('install-sources.sh and docs/photo-suite.md install exactly the packages the suite reads', () => {
    const want = packagesFor(PHOTO_CATEGORIES);
    const script = fs.readFileSync(path.join(ROOT, 'bench', 'photos', 'install-sources.sh'), 'utf8');
    const line = /apt-get install -y --no-install-recommends (.+)$/m.exec(script);
    expect(line?.[1].trim().split(/\s+/).sort()).toEqual(want);
    const docs = fs.readFileSync(path.join(ROOT, 'docs', 'photo-suite.md'), 'utf8');
    expect(docs).toContain(`apt-get install ${line?.[1].trim()}`);
  });

  it('reads DEP-5 stanzas (the last matching one gives the licence)', () => {
    const st = parseDep5('Format: x\n\nFiles: *\nCopyright: Team\nLicense: GPL-2+\n\nFiles:\n base/textures/a.png\n base/textures/b*.jpg\nCopyright:\n Someone\nLicense: CC0-1.0\n');
    expect(st).toHaveLength(2);
    expect(st[1].files).toEqual(['base/textures/a.png', 'base/textures/b*.jpg']);
    expect(st[1].fields.License).toBe('CC0-1.0');
  });

  it('reads stored and deflated zip members', () => {
    const file = path.join(temp(), 'pack.pk3');
    fs.writeFileSync(file, makeZip([{ name: 'textures/a.txt', data: Buffer.from('stored bytes'), deflate: false }, { name: 'textures/b.txt', data: Buffer.from('deflated '.repeat(50)), deflate: true }]));
    const z = ZipReader.open(file);
    try {
      expect(z.has('textures/a.txt')).toBe(true);
      expect(z.has('textures/c.txt')).toBe(false);
      expect(z.read('textures/a.txt').toString()).toBe('stored bytes');
      expect(z.read('textures/b.txt').toString()).toBe('deflated '.repeat(50));
      expect(() => z.read('textures/c.txt')).toThrow(/no member/);
    } finally {
      z.close();
    }
  });
});

describe('photo suite baseline and summary', () => {
  it('pools, resizes and finds nearest neighbours like brute force', async () => {
    const pooled = avgPool3(Float32Array.from([1, 2, 3, 4]), 1, 2, 2);
    expect([...pooled]).toEqual([2.5, 2.5, 2.5, 2.5]);
    expect([...resizeChw(Float32Array.from([0, 4]), 1, 1, 2, 1, 4)]).toEqual([0, 1, 3, 4]);
    const dims = 5;
    const bank = Float32Array.from({ length: 300 * dims }, (_, i) => Math.sin(i * 1.7) * 3);
    const queries = Float32Array.from({ length: 700 * dims }, (_, i) => Math.cos(i * 0.9) * 3);
    const nn = await NearestNeighbours.create(bank, dims);
    try {
      const got = await nn.query(queries);
      for (const q of [0, 1, 299, 511, 512, 699]) {
        let best = Infinity;
        for (let j = 0; j < 300; j++) {
          let s = 0;
          for (let k = 0; k < dims; k++) s += (queries[q * dims + k] - bank[j * dims + k]) ** 2;
          best = Math.min(best, s);
        }
        expect(got[q]).toBeCloseTo(best, 3);
      }
    } finally {
      await nn.release();
    }
  });

  it('summarises the weakest defect type over categories', () => {
    const row = (name: string, stain: number, crack: number): CategoryRow => ({ name, kind: 'regular', objective: 'clflow', imageAuroc: 0.8, pixelAuroc: 0.9, pro: 0.7, byDefect: { stain, crack }, seconds: 1 });
    const m = meanOf([row('a', 0.6, 0.9), row('b', 0.8, 0.7)]);
    expect(m.minByDefectType).toBe('stain');
    expect(m.minByDefect).toBeCloseTo(0.7);
    expect(m.imageAuroc).toBeCloseTo(0.8);
  });

  it('selects the suite from the benchmark arguments', () => {
    expect(suiteOf([])).toBe('demo');
    expect(suiteOf(['--quick'])).toBe('demo');
    expect(suiteOf(['--suite', 'photos', '--quick'])).toBe('photos');
    expect(suiteOf(['--suite=photos'])).toBe('photos');
    expect(() => suiteOf(['--suite', 'nope'])).toThrow(/unknown suite "nope"/);
  });
});

describe('evaluation code stays out of the product', () => {
  it('app/ never imports bench/photos (nor bench/ at all, but the bench command)', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.(ts|mts|mjs|js|svelte)$/.test(e.name)) {
          const text = fs.readFileSync(p, 'utf8');
          const rel = path.relative(ROOT, p);
          if (/bench\/photos|photos\/(defects|build|sources|run|patchcore|raster|zip)/.test(text)) offenders.push(rel);
          if (/from\s+['"][./]*\/?bench\//.test(text) && rel !== path.join('app', 'cli', 'bench.ts')) offenders.push(rel);
        }
      }
    };
    walk(path.join(ROOT, 'app'));
    expect(offenders).toEqual([]);
  });

  it('the defect generator does not borrow from app/synthesis', () => {
    for (const f of fs.readdirSync(path.join(ROOT, 'bench', 'photos')).filter((n) => n.endsWith('.ts'))) {
      expect(fs.readFileSync(path.join(ROOT, 'bench', 'photos', f), 'utf8'), f).not.toMatch(/from\s+['"][^'"]*app\/(synthesis|demo)\//);
    }
  });
});

/** A minimal zip writer for the reader test (local headers, central directory, end record; no zip64). */
function makeZip(members: { name: string; data: Buffer; deflate: boolean }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const body = m.deflate ? zlib.deflateRawSync(m.data) : m.data;
    const name = Buffer.from(m.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(m.deflate ? 8 : 0, 8);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(m.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(m.deflate ? 8 : 0, 10);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(m.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}
