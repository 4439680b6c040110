/**
 * The `backbone` training setting picks a backbone by name (a built-in one or one imported into the project): the
 * run is planned on it, and an unknown name is refused with the name before anything is stored.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listModels } from '../../app/store/models.js';
import { prepareRun } from '../../app/train/plan.js';
import { type Fixture, fabricFixture, TINY } from './fixture.js';

let fx: Fixture;
beforeAll(async () => {
  fx = await fabricFixture(8);
});
afterAll(() => {
  fx?.project.close();
  if (fx) fs.rmSync(fx.root, { recursive: true, force: true });
});

describe('training setting: backbone', () => {
  it('plans the run on the named built-in backbone, the fast one by default', () => {
    expect(prepareRun(fx.project, { objective: 'fastflow', settings: TINY }).backbone.name).toMatch(/^mobilenetv2-imagenet/);
    const plan = prepareRun(fx.project, { objective: 'fastflow', settings: { ...TINY, backbone: 'inceptionv3-imagenet' } });
    expect(plan.backbone.name).toMatch(/^inceptionv3-imagenet/);
    expect(plan.backbone.taps.map((t) => t.name)).toContain('mixed5');
  });

  it('refuses an unknown backbone by name and stores no model', () => {
    const before = listModels(fx.project.db).length;
    expect(() => prepareRun(fx.project, { objective: 'fastflow', settings: { ...TINY, backbone: 'resnet9000' } })).toThrow(/no backbone named "resnet9000"/);
    expect(listModels(fx.project.db).length).toBe(before);
  });
});
