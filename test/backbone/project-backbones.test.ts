import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../app/cli.js';
import { createProject, openProject } from '../../app/store/project.js';
import { listBackbones } from '../../app/store/backbones.js';
import { resolveBackbone } from '../../app/model/backbone/project-backbones.js';
import { BackboneExtractor } from '../../app/model/backbone/extractor.js';
import { resnetLike } from './resnet-like.js';
import sharp from 'sharp';
import { createHash } from 'node:crypto';
import { ensureDataset } from '../../app/store/datasets.js';
import { insertImages } from '../../app/store/images.js';
import { run as runExtractJob } from '../../app/jobs/kinds/features-extract.js';
import type { JobContext } from '../../app/core/job-types.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-bbproj-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('backbones in a project (CLI)', () => {
  const dir = path.join(tmp, 'proj');
  createProject(dir, 'p').close();
  const file = path.join(tmp, 'resnet18-like.onnx');
  fs.writeFileSync(file, resnetLike().bytes);
  const storedFiles = () => fs.readdirSync(path.join(dir, 'backbones'));

  it('imports an ONNX file with detected taps, stores it by hash, lists it next to the built-in one', async () => {
    const r = await cli('backbone', 'import', dir, file, '--size', '128', '--json');
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out[r.out.length - 1]);
    expect(result.backbone.name).toBe('resnet18-like');
    expect(result.backbone.taps.map((t: { name: string }) => t.name)).toEqual(['layer1', 'layer2', 'layer3']);
    expect(storedFiles()).toEqual([`${result.backbone.sha256}.onnx`]);

    const list = await cli('backbone', 'list', dir, '--json');
    const { backbones } = JSON.parse(list.out[list.out.length - 1]);
    expect(backbones.map((b: { name: string; kind: string }) => [b.name, b.kind])).toEqual([
      ['mobilenetv2-imagenet', 'builtin'],
      ['inceptionv3-imagenet', 'builtin'],
      ['resnet18-like', 'imported'],
    ]);

    // The stored backbone is usable as-is: an extractor opens it and runs a batch.
    const project = openProject(dir, { readonly: true });
    const info = resolveBackbone(project, 'resnet18-like');
    project.close();
    const ex = await BackboneExtractor.create(info, { provider: 'cpu', intraOpThreads: 1 });
    const feats = await ex.run(new Float32Array(2 * 3 * 32 * 48).fill(100), 2, 32, 48);
    await ex.release();
    expect(feats[1].map((t) => t.shape)).toEqual([[8, 8, 12], [16, 4, 6], [32, 2, 3]]);
  });

  it('refuses duplicates and bad files without storing anything', async () => {
    const again = await cli('backbone', 'import', dir, file, '--size', '128', '--name', 'copy', '--json');
    expect(again.code).toBe(1);
    expect(again.err.join('\n')).toMatch(/already stored as "resnet18-like"/);

    const bad = path.join(tmp, 'broken.onnx');
    fs.writeFileSync(bad, Buffer.from(resnetLike().bytes).subarray(0, 500));
    const broken = await cli('backbone', 'import', dir, bad, '--json');
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.err[broken.err.length - 1]).error.code).toBe('invalid_file');

    const missingTap = await cli('backbone', 'import', dir, file, '--taps', 'layer1,nope', '--size', '128', '--name', 'other');
    expect(missingTap.code).toBe(1);
    expect(missingTap.err.join('\n')).toMatch(/tap nope/);

    expect((await cli('backbone', 'import', dir, file, '--normalization', 'weird')).code).toBe(2);
    const project = openProject(dir, { readonly: true });
    expect(listBackbones(project.db).map((b) => b.name)).toEqual(['resnet18-like']);
    project.close();
    expect(storedFiles()).toHaveLength(1);
  });
});

describe('features.extract job', () => {
  it('fills the project feature cache for the clean training images, then serves them from it', async () => {
    const dir = path.join(tmp, 'proj-features');
    const project = createProject(dir, 'f');
    const ds = ensureDataset(project.db, { name: 'parts', category: null, sourceFormat: 'folder', sourcePath: null });
    const images = [];
    for (let i = 0; i < 3; i++) {
      const png = await sharp(Buffer.alloc(40 * 30 * 3, 40 + 60 * i), { raw: { width: 40, height: 30, channels: 3 } }).png().toBuffer();
      const rel = `images/img${i}.png`;
      fs.writeFileSync(project.path(rel), png);
      images.push({
        datasetId: ds.id, path: rel, originalPath: `img${i}.png`, storage: 'copy' as const, sha256: createHash('sha256').update(png).digest('hex'), width: 40, height: 30, channels: 3,
        bitDepth: 8, format: 'png', label: i < 2 ? ('good' as const) : ('defect' as const), split: i < 2 ? ('train' as const) : ('test' as const),
        defectType: null, category: null, phash: null, thumbnailPath: null, maskPath: null,
      });
    }
    insertImages(project.db, images);
    project.close();
    const progress: number[] = [];
    const ctx = (): JobContext<unknown> => ({
      jobId: 1, kind: 'features.extract', projectDir: dir, resumed: false, signal: new AbortController().signal,
      payload: { backbone: 'mobilenetv2-imagenet', datasetId: ds.id, width: 64, height: 64, threads: 1 },
      progress: (f) => progress.push(f), log: () => {},
    });
    const first = await runExtractJob(ctx() as JobContext<never>);
    expect(first).toMatchObject({ images: 2, computed: 2, cached: 0 });
    const second = await runExtractJob(ctx() as JobContext<never>);
    expect(second).toMatchObject({ images: 2, computed: 0, cached: 2 });
    expect(progress[progress.length - 1]).toBe(1);
    const bad = { ...ctx(), payload: { backbone: 'mobilenetv2-imagenet', datasetId: ds.id, width: 'big' } };
    await expect(runExtractJob(bad as JobContext<never>)).rejects.toThrow(/width/);
  });
});
