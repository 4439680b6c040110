import path from 'node:path';
import { dispatch } from '../../app/api/dispatch.js';
import { isMethodName } from '../../app/api/contract.js';
import type { AppContext } from '../../app/context.js';
import { generateDemoDataset } from '../../app/demo/generate.js';

/** Calls a contract method in-process (as the transports do) and throws the error body's message on failure. */
export async function callApi<T = unknown>(app: AppContext, method: string, params: unknown): Promise<T> {
  const r = await dispatch(method, params, { app, transport: 'http' });
  if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`);
  return r.result as T;
}

/** Resolves when a job finishes; rejects if it did not succeed. */
export function waitForJob(app: AppContext, jobId: number, timeoutMs = 240_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error(`job ${jobId} did not finish in ${timeoutMs} ms`))), timeoutMs);
    const off = app.events.subscribe((e) => {
      if (e.event !== 'job.finished' || e.payload.jobId !== jobId) return;
      clearTimeout(timer);
      off();
      if (e.payload.status === 'succeeded') resolve(e.payload.result);
      else reject(new Error(`job ${jobId} ${e.payload.status}: ${e.payload.error ?? ''}`));
    });
  });
}

/**
 * Prepares the quick demo project where `projects.openDemo({ quick: true })` looks for it (the user-data folder),
 * built from one category only so the browser journey stays short: generated images imported through the
 * datasets API. openDemo then finds a populated project and opens it without starting the (longer) demo job.
 */
export async function prepareQuickDemoFolder(app: AppContext, categories: string[] = ['fabric']): Promise<{ dir: string }> {
  const workdir = path.join(app.userDataDir, 'demo-quick');
  const dir = path.join(workdir, 'project');
  await generateDemoDataset({ outDir: path.join(workdir, 'data'), size: 'quick', categories });
  await callApi(app, 'projects.create', { dir, name: 'Flowspect demo' });
  const job = await callApi<{ id: number }>(app, 'datasets.import', { source: path.join(workdir, 'data'), format: 'mvtec' });
  await waitForJob(app, job.id);
  await callApi(app, 'projects.close', {});
  return { dir };
}

/**
 * The quick demo project (small: 30 train-good, 10 test-good, 10 defective per category) opened in `app`.
 * Uses `projects.openDemo` when the contract has it; otherwise generates the demo images and imports them through
 * the datasets API, exactly as a user would.
 */
export async function openQuickDemo(app: AppContext, workDir: string, categories: string[] = ['fabric']): Promise<{ dir: string }> {
  if (isMethodName('projects.openDemo')) {
    try {
      const r = await callApi<{ project: { dir: string }; job: { id: number } | null }>(app, 'projects.openDemo', { quick: true });
      if (r.job) await waitForJob(app, r.job.id);
      return { dir: r.project.dir };
    } catch (err) {
      console.warn(`projects.openDemo failed (${(err as Error).message}); building the demo project through the datasets API`);
    }
  }
  const src = path.join(workDir, 'demo-src');
  await generateDemoDataset({ outDir: src, size: 'quick', categories });
  const dir = path.join(workDir, 'demo-project');
  await callApi(app, 'projects.create', { dir, name: 'Flowspect demo' });
  const job = await callApi<{ id: number }>(app, 'datasets.import', { source: src, format: 'mvtec' });
  await waitForJob(app, job.id);
  return { dir };
}

/** Settings of a model that trains in seconds on the quick demo (a few steps at 64 px): enough for the views. */
export const TINY_TRAIN_SETTINGS = { imageSize: 64, batchSize: 4, epochs: 1, maxSteps: 6, flow: { steps: 2 }, sessionOptimization: 'disabled' } as const;

/** Trains a tiny model on the open project's `category` and scores its test split with maps of the given form. */
export async function trainAndScore(app: AppContext, category: string, maps: 'png' | 'f16' = 'f16'): Promise<{ modelId: number }> {
  const train = await callApi<{ id: number }>(app, 'models.train', { category, settings: TINY_TRAIN_SETTINGS, name: 'tiny' });
  const result = (await waitForJob(app, train.id)) as { modelId: number };
  const infer = await callApi<{ id: number }>(app, 'models.infer', { id: result.modelId, split: 'test', maps });
  await waitForJob(app, infer.id);
  return { modelId: result.modelId };
}
