/**
 * One tiny trained model for the watch tests (demo fabric at 64², FastFlow, one epoch: a few seconds), in a project
 * that is closed again so child processes can take its lock, plus the demo's good test images to drop into a folder
 * and a helper that writes a truncated PNG.
 */
import fs from 'node:fs';
import path from 'node:path';
import { trainModel } from '../../app/train/trainer.js';
import { demoFixture, listImages, TINY } from '../train/fixture.js';

export interface WatchFixture {
  readonly root: string;
  readonly projectDir: string;
  readonly modelId: number;
  /** Good demo test images (64² PNGs). */
  readonly images: readonly string[];
  cleanup(): void;
}

export async function watchFixture(): Promise<WatchFixture> {
  const fx = await demoFixture('fabric', 12);
  const { modelId } = await trainModel(fx.project, { objective: 'fastflow', settings: { ...TINY, epochs: 1 } });
  const projectDir = fx.project.dir;
  fx.project.close();
  return {
    root: fx.root,
    projectDir,
    modelId,
    images: listImages(path.join(fx.testDir, 'good')),
    cleanup: () => fs.rmSync(fx.root, { recursive: true, force: true }),
  };
}

/** Writes the first `keep` of a PNG's bytes (a transfer cut short) under `to`, via a temporary name and a rename. */
export function writeTruncated(png: string, to: string, keep = 0.6): void {
  const bytes = fs.readFileSync(png);
  dropFile(to, bytes.subarray(0, Math.floor(bytes.length * keep)));
}

/** Writes a file the way a camera should: under a .part name, then renamed into place. */
export function dropFile(to: string, bytes: Uint8Array): void {
  fs.writeFileSync(`${to}.part`, bytes);
  fs.renameSync(`${to}.part`, to);
}
