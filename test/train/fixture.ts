/** A small real fixture: demo fabric images (64², code-rendered defects with masks) imported into a new project. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importDataset } from '../../app/dataset/import.js';
import { generateDemoDataset } from '../../app/demo/generate.js';
import { createProject, type Project } from '../../app/store/project.js';

export interface Fixture {
  readonly root: string;
  readonly project: Project;
  /** Test images (good + defective) on disk. */
  readonly testDir: string;
}

export async function fabricFixture(trainGood = 20): Promise<Fixture> {
  return demoFixture('fabric', trainGood);
}

/** Demo images of one category at 64² (`pcb`: a fixtured part that moves a little in every image). */
export async function demoFixture(category: 'fabric' | 'pcb' | 'metal', trainGood = 20): Promise<Fixture> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flowspect-model-test-'));
  await generateDemoDataset({ outDir: path.join(root, 'demo'), size: { trainGood, testGood: 10, defective: 10 }, resolution: 64, categories: [category] });
  const project = createProject(path.join(root, 'project'), 'model-test');
  await importDataset(project, { source: path.join(root, 'demo'), format: 'mvtec', threads: 1 });
  return { root, project, testDir: path.join(root, 'demo', category, 'test') };
}

/** The tiny configuration the tests train with (a few seconds of steps on 2 cores). */
export const TINY = {
  imageSize: 64,
  batchSize: 8,
  epochs: 6,
  patience: 10,
  lr: 2e-3,
  flow: { steps: 2, hiddenRatio: 1 },
  synthWorkers: 0,
  sessionOptimization: 'disabled',
} as const;

export function listImages(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile() && e.name.endsWith('.png'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}
