/**
 * Before the load: a fresh project created through the API of the served process, the demo's fabric images (64²)
 * imported by an import job, and one tiny model trained once by a train job (the size the tests train: a few
 * steps at 64 px, seconds on 2 cores). Every later score job uses that model.
 */
import path from 'node:path';
import { generateDemoDataset } from '../../app/demo/generate.js';
import type { SoakClient } from './client.js';

/** A model that trains in seconds: the tests' tiny configuration (test/e2e/demo-project.ts), without synthesis workers. */
const TINY_TRAINING = { imageSize: 64, batchSize: 4, epochs: 1, maxSteps: 6, flow: { steps: 2 }, synthWorkers: 0, sessionOptimization: 'disabled' } as const;
const SETUP_JOB_TIMEOUT_MS = 300_000;
const POLL_MS = 100;

export interface JobRow {
  readonly id: number;
  readonly kind: string;
  readonly status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';
  readonly result: unknown;
  readonly error: string | null;
}

export const isFinished = (j: JobRow): boolean => j.status !== 'queued' && j.status !== 'running';

export interface SoakProject {
  readonly dir: string;
  readonly modelId: number;
  /** The demo's test images, which the clients' parts are made from. */
  readonly demoTestDir: string;
  /** The base dataset's image ids and thumbnails: what reads and edits start from. */
  readonly images: { id: number; thumbnailPath: string | null }[];
}

/** Polls a job until it finishes; throws unless it succeeded. */
export async function waitForJob(client: SoakClient, id: number, timeoutMs = SETUP_JOB_TIMEOUT_MS): Promise<JobRow> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const job = await client.call<JobRow>('jobs.get', { id });
    if (isFinished(job)) {
      if (job.status !== 'succeeded') throw new Error(`job ${id} (${job.kind}) ${job.status}: ${job.error ?? ''}`);
      return job;
    }
    if (performance.now() > deadline) throw new Error(`job ${id} (${job.kind}) did not finish in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

export async function prepareProject(client: SoakClient, root: string, log: (m: string) => void): Promise<SoakProject> {
  const dir = path.join(root, 'project');
  await client.call('projects.create', { dir, name: 'bench soak' });
  const demo = path.join(root, 'demo');
  await generateDemoDataset({ outDir: demo, size: { trainGood: 20, testGood: 10, defective: 10 }, resolution: 64, categories: ['fabric'] });
  const imported = await client.call<{ id: number }>('datasets.import', { source: demo, format: 'mvtec' });
  await waitForJob(client, imported.id);
  log('bench soak: demo fabric images imported; training the tiny model');
  const t0 = performance.now();
  const train = await client.call<{ id: number }>('models.train', { category: 'fabric', settings: TINY_TRAINING, name: 'soak' });
  const { modelId } = (await waitForJob(client, train.id)).result as { modelId: number };
  log(`bench soak: model ${modelId} trained in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const page = await client.call<{ items: { id: number; thumbnailPath: string | null }[] }>('datasets.images', { limit: 1000 });
  return { dir, modelId, demoTestDir: path.join(demo, 'fabric', 'test'), images: page.items.map((i) => ({ id: i.id, thumbnailPath: i.thumbnailPath })) };
}
