/**
 * One soak client's loop until its deadline, closed loop with no think time: mostly reads, some edits, and one job at
 * a time running in the background as the workstation's user would have it — import a small folder of new parts,
 * then score that dataset with the model, then import again. The job is polled between the other requests; when it
 * finishes its answer is checked against what the client did and entered in the ledger. After the deadline the
 * client only waits for its running job. The server-sent event stream stays open throughout.
 */
import path from 'node:path';
import { RecordedFailure } from './client.js';
import type { PartImages } from './parts.js';
import { readOnce, editOnce } from './reads.js';
import { isFinished, type JobRow } from './setup.js';
import type { ClientContext } from './state.js';

const POLL_MS = 250;
/** A client starts its next job this long (± half) after the last one finished. */
const JOB_GAP_MS = 1000;
const JOB_TIMEOUT_MS = 240_000;
const EDIT_SHARE = 0.15;
const PARTS_PER_IMPORT = { good: 4, defective: 2 };

interface RunningJob {
  readonly id: number;
  readonly kind: 'import' | 'infer';
  readonly startedAt: number;
  /** What the job's answer is checked against when it finishes. */
  readonly expect: { category: string; sha256: readonly string[] } | { datasetId: number; imageIds: readonly number[] };
  polledAt: number;
}

export async function runClient(ctx: ClientContext, parts: PartImages): Promise<void> {
  const events = new AbortController();
  const stream = ctx.client.events(events.signal, (name) => (ctx.shared.events[name] = (ctx.shared.events[name] ?? 0) + 1));
  const gap = (): number => performance.now() + JOB_GAP_MS * (0.5 + ctx.random());
  let job: RunningJob | null = null;
  let nextJobAt = gap();
  let imports = 0;
  while (performance.now() < ctx.deadline) {
    if (job) {
      job = await unlessFailed(poll(ctx, job), null);
      if (!job) nextJobAt = gap();
    } else if (performance.now() >= nextJobAt) {
      const next = ctx.datasets.some((d) => !d.scored) ? startScore(ctx) : startImport(ctx, parts, imports++);
      job = await unlessFailed(next, null);
      if (!job) nextJobAt = gap();
    }
    await unlessFailed(ctx.random() < EDIT_SHARE ? editOnce(ctx) : readOnce(ctx), undefined);
  }
  while (job) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    job = await unlessFailed(poll(ctx, job), null);
  }
  events.abort();
  await stream;
}

/** The operation's result, or `fallback` when it failed (the Recorder has the failure; the client goes on). */
async function unlessFailed<T>(operation: Promise<T>, fallback: T): Promise<T> {
  try {
    return await operation;
  } catch (err) {
    if (err instanceof RecordedFailure) return fallback;
    throw err;
  }
}

async function startImport(ctx: ClientContext, parts: PartImages, n: number): Promise<RunningJob> {
  const category = `client${ctx.index}-import${n}`;
  const folder = await parts.writeFolder(path.join(ctx.workDir, String(n)), category, PARTS_PER_IMPORT.good, PARTS_PER_IMPORT.defective);
  const job = await ctx.client.call<{ id: number }>('datasets.import', { source: folder.dir, format: 'folder' });
  return { id: job.id, kind: 'import', startedAt: performance.now(), expect: { category, sha256: folder.sha256 }, polledAt: 0 };
}

async function startScore(ctx: ClientContext): Promise<RunningJob> {
  const dataset = ctx.datasets.find((d) => !d.scored)!;
  dataset.scored = true;
  const job = await ctx.client.call<{ id: number }>('models.infer', { id: ctx.shared.modelId, datasetId: dataset.id, maps: 'png' });
  return { id: job.id, kind: 'infer', startedAt: performance.now(), expect: { datasetId: dataset.id, imageIds: [...dataset.imageIds] }, polledAt: 0 };
}

/** Polls at most every POLL_MS; null once the job finished and its answer was checked. */
async function poll(ctx: ClientContext, job: RunningJob): Promise<RunningJob | null> {
  const now = performance.now();
  if (now - job.polledAt < POLL_MS) return job;
  job.polledAt = now;
  const row = await ctx.client.call<JobRow>('jobs.get', { id: job.id });
  if (!isFinished(row)) {
    if (now - job.startedAt > JOB_TIMEOUT_MS) ctx.client.wrong(`job ${job.kind}`, `job ${job.id} still ${row.status} after ${JOB_TIMEOUT_MS} ms`);
    return job;
  }
  (ctx.shared.jobSeconds[job.kind] ??= []).push((performance.now() - job.startedAt) / 1000);
  if (row.status !== 'succeeded') ctx.client.wrong(`job ${job.kind}`, `job ${job.id} ${row.status}: ${row.error ?? ''}`);
  if ('sha256' in job.expect) await importFinished(ctx, job.id, row.result as ImportResult, job.expect);
  else scoreFinished(ctx, job.id, row.result as InferResult, job.expect);
  return null;
}

interface ImportResult {
  readonly datasets: { id: number; name: string; imported: number; duplicates: number; failed: number }[];
  readonly failed: { file: string; reason: string }[];
}
interface InferResult {
  readonly images: number;
  readonly verdicts: Record<string, number>;
}

async function importFinished(ctx: ClientContext, jobId: number, r: ImportResult, expect: { category: string; sha256: readonly string[] }): Promise<void> {
  const { shared } = ctx;
  const ds = r.datasets.find((d) => d.name === expect.category);
  if (!ds || r.datasets.length !== 1) ctx.client.wrong('job import', `job ${jobId}: datasets ${JSON.stringify(r.datasets)}, expected one named ${expect.category}`);
  shared.imports.push({ client: ctx.index, jobId, datasetId: ds.id, category: expect.category, sha256: expect.sha256 });
  if (ds.imported !== expect.sha256.length || r.failed.length > 0) {
    ctx.client.wrong('job import', `job ${jobId}: ${ds.imported} of ${expect.sha256.length} imported, ${ds.duplicates} duplicates, failed: ${JSON.stringify(r.failed.slice(0, 3))}`);
  }
  const page = await ctx.client.call<{ items: { id: number; sha256: string; thumbnailPath: string | null }[] }>('datasets.images', { datasetId: ds.id, limit: 1000 });
  const listed = new Set(page.items.map((i) => i.sha256));
  const missing = expect.sha256.filter((s) => !listed.has(s));
  if (missing.length > 0 || page.items.length !== expect.sha256.length) ctx.client.wrong('datasets.images', `dataset ${ds.id} lists ${page.items.length} images, ${missing.length} written files missing`);
  for (const i of page.items) shared.images.push({ id: i.id, datasetId: ds.id, thumbnailPath: i.thumbnailPath });
  ctx.datasets.push({ id: ds.id, imageIds: page.items.map((i) => i.id), scored: false });
}

function scoreFinished(ctx: ClientContext, jobId: number, r: InferResult, expect: { datasetId: number; imageIds: readonly number[] }): void {
  ctx.shared.scores.push({ client: ctx.index, jobId, modelId: ctx.shared.modelId, datasetId: expect.datasetId, scored: r.images, imageIds: expect.imageIds });
  if (r.images !== expect.imageIds.length) ctx.client.wrong('job infer', `job ${jobId} scored ${r.images} images of dataset ${expect.datasetId}, which holds ${expect.imageIds.length}`);
  if ((r.verdicts.error ?? 0) > 0) ctx.client.wrong('job infer', `job ${jobId}: ${r.verdicts.error} images could not be judged (verdict error)`);
}
