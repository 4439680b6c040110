// The real command refuses bad model files: special files at once and in little memory (measured on the child
// process), a damaged exported model by its integrity hash — non-zero exit, the file named, nothing written.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportModel } from '../../app/infer/export.js';
import { listBackbones } from '../../app/store/backbones.js';
import { createProject, openProject } from '../../app/store/project.js';
import { tempDir } from '../helpers.js';
import { runCli, type CliRun } from './cli.js';
import { projectWithModel } from './model-fixture.js';
import { fifo, sparse } from './special-files.js';

const t = tempDir('flowspect-cli-faults-');
const images = path.join(t.dir, 'images');
const exported = path.join(t.dir, 'exported.onnx');
const damaged = path.join(t.dir, 'damaged.onnx');
const backboneProject = path.join(t.dir, 'backbone-project');
let special: Record<string, string>;

beforeAll(async () => {
  fs.mkdirSync(images);
  const px = Buffer.alloc(64 * 64 * 3, 120);
  await sharp(px, { raw: { width: 64, height: 64, channels: 3 } }).png().toFile(path.join(images, 'part.png'));
  const fx = projectWithModel(path.join(t.dir, 'project'));
  await exportModel(fx.project, fx.modelId, exported);
  fx.project.close();
  // 4 KiB of 0xFF in the middle of the exported model.
  const bytes = fs.readFileSync(exported);
  const mid = Math.floor(bytes.length / 2);
  bytes.fill(0xff, mid, mid + 4096);
  fs.writeFileSync(damaged, bytes);
  createProject(backboneProject, 'backbones').close();
  special = { '/dev/zero': '/dev/zero', FIFO: fifo(path.join(t.dir, 'pipe.onnx')), '10 GB sparse file': sparse(path.join(t.dir, 'sparse.onnx')) };
}, 120_000);
afterAll(() => t.cleanup());

const infer = (model: string, out: string): CliRun => runCli(['infer', '--model', model, '--images', images, '--out', out]);

/**
 * A refusal costs what refusing a missing file costs (same command, same start-up), in < 200 MiB: the memory bound
 * is the proof that nothing was read. Wall time on a shared CI machine swings by seconds with its load, so the time
 * check here only guards against a read or a hang (a FIFO that blocks, a 10 GB read); the < 1 s refusal itself is
 * measured in process, in test/faults/bounded-read.test.ts.
 */
function expectQuickRefusal(r: CliRun, baseline: CliRun, file: string, reason: RegExp): void {
  expect(r.status, r.stderr).not.toBe(0);
  expect(r.stderr).toContain(file);
  expect(r.stderr).toMatch(reason);
  expect(r.ms - baseline.ms, `${r.ms.toFixed(0)} ms vs ${baseline.ms.toFixed(0)} ms for a missing file`).toBeLessThan(10_000);
  expect(r.peakMiB, `peak ${r.peakMiB.toFixed(0)} MiB`).toBeLessThan(200);
}

const REASONS: Record<string, RegExp> = {
  '/dev/zero': /is a character device, not a regular file/,
  FIFO: /is a named pipe \(FIFO\), not a regular file/,
  '10 GB sparse file': /file is 10737418240 bytes, over the limit of 1073741824 for model files/,
};

describe('flowspect infer --model', () => {
  it('refuses /dev/zero, a FIFO and a 10 GB sparse file at once, in little memory, writing no CSV', () => {
    const baseline = infer(path.join(t.dir, 'missing.onnx'), path.join(t.dir, 'missing.csv'));
    expect(baseline.stderr).toMatch(/missing\.onnx: cannot open \(ENOENT\)/);
    for (const [label, file] of Object.entries(special)) {
      const out = path.join(t.dir, `${label.replace(/\W+/g, '-')}.csv`);
      expectQuickRefusal(infer(file, out), baseline, file, REASONS[label]!);
      expect(fs.existsSync(out), label).toBe(false);
    }
  }, 120_000);

  it('refuses an exported model with 4 KiB overwritten by 0xFF (integrity hash) and accepts the intact one', () => {
    const bad = infer(damaged, path.join(t.dir, 'damaged.csv'));
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain(damaged);
    expect(bad.stderr).toMatch(/content does not match its integrity hash|not a valid ONNX file/);
    expect(fs.existsSync(path.join(t.dir, 'damaged.csv'))).toBe(false);
    const good = infer(exported, path.join(t.dir, 'good.csv'));
    expect(good.status, good.stderr).toBe(0);
    expect(fs.readFileSync(path.join(t.dir, 'good.csv'), 'utf8').split('\n')[1]).toMatch(/^part\.png,/);
  }, 120_000);
});

describe('flowspect backbone import', () => {
  it('refuses /dev/zero, a FIFO and a 10 GB sparse file at once, in little memory, storing nothing', () => {
    const baseline = runCli(['backbone', 'import', backboneProject, path.join(t.dir, 'missing.onnx')]);
    expect(baseline.stderr).toMatch(/missing\.onnx: cannot open \(ENOENT\)/);
    const reasons: Record<string, RegExp> = { ...REASONS, '10 GB sparse file': /file is 10737418240 bytes, over the limit of 1073741824 for backbone files/ };
    for (const [label, file] of Object.entries(special)) {
      expectQuickRefusal(runCli(['backbone', 'import', backboneProject, file, '--name', 'imported']), baseline, file, reasons[label]!);
    }
    const project = openProject(backboneProject, { readonly: true });
    expect(listBackbones(project.db)).toEqual([]);
    project.close();
    expect(fs.readdirSync(path.join(backboneProject, 'backbones'))).toEqual([]);
  }, 120_000);
});
