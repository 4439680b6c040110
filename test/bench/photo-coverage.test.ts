/**
 * The photo suite's coverage diagnostic on a real (tiny) trained model: the held-out goods it scores are exactly the
 * ones the trainer held out, each number is an AUROC over the right images, and the means over categories.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCategory } from '../../bench/photos/build.js';
import { coverageDiagnostic } from '../../bench/photos/coverage.js';
import { DEFECT_TYPES } from '../../bench/photos/defects.js';
import { type CategoryRow, meanOf } from '../../bench/photos/run.js';
import { importDataset } from '../../app/dataset/import.js';
import { runInference } from '../../app/infer/run.js';
import { createProject } from '../../app/store/project.js';
import { trainModel } from '../../app/train/trainer.js';
import { tempDir } from '../helpers.js';
import { TINY } from '../train/fixture.js';
import { syntheticPhoto } from './photo-fixtures.js';

const t = tempDir('flowspect-photo-coverage-');
afterAll(() => t.cleanup());

describe('photo suite coverage diagnostic', () => {
  it('scores the model’s own held-out goods against the test split', async () => {
    const data = path.join(t.dir, 'photos');
    const photo = await syntheticPhoto(256, 256, 3);
    const donor = await syntheticPhoto(160, 160, 4, [0.3, 1, 0.4]);
    await buildCategory(data, { name: 'weave', kind: 'regular', photos: [photo], cropPx: 96, transforms: 'flips', backing: [0, 0, 0], donors: [donor] }, { size: 64, counts: { trainGood: 20, testGood: 6, defective: 12 }, seed: 5 });
    const project = createProject(path.join(t.dir, 'project'), 'coverage');
    try {
      await importDataset(project, { source: data, format: 'mvtec' });
      const r = await trainModel(project, { category: 'weave', objective: 'fastflow', settings: { ...TINY, epochs: 1 } });
      await runInference(project, { modelId: r.modelId, category: 'weave', split: 'test', maps: 'none' });
      const c = await coverageDiagnostic(project, r.modelId, 'weave');
      expect(c.heldOutGood).toBe(r.metrics.valImages);
      for (const v of [c.shift, c.inBandImageAuroc, ...Object.values(c.inBandByDefect)]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
      expect(Object.keys(c.inBandByDefect)).toEqual([...DEFECT_TYPES].sort());
      // The overall in-band AUROC pools the types, so it lies within their range.
      const per = Object.values(c.inBandByDefect);
      expect(c.inBandImageAuroc).toBeGreaterThanOrEqual(Math.min(...per) - 1e-9);
      expect(c.inBandImageAuroc).toBeLessThanOrEqual(Math.max(...per) + 1e-9);
    } finally {
      project.close();
    }
  }, 120_000);

  it('averages the diagnostic over the categories that have one', () => {
    const row = (name: string, shift: number, stain: number): CategoryRow => ({
      name, kind: 'regular', objective: 'clflow', imageAuroc: 0.8, pixelAuroc: 0.9, pro: 0.7, byDefect: { stain }, seconds: 1,
      coverage: { heldOutGood: 5, shift, inBandImageAuroc: stain, inBandByDefect: { stain } },
    });
    const m = meanOf([row('a', 0.5, 0.9), row('b', 0.9, 0.7)]);
    expect(m.coverage?.shift).toBeCloseTo(0.7);
    expect(m.coverage?.inBandImageAuroc).toBeCloseTo(0.8);
    expect(m.coverage?.inBandByDefect.stain).toBeCloseTo(0.8);
    expect(meanOf([{ ...row('c', 0.5, 0.5), coverage: undefined }]).coverage).toBeUndefined();
  });
});
