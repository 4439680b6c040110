import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../app/core/events.js';
import { AppContext } from '../../app/context.js';
import { jobKinds } from '../../app/jobs/kinds.js';
import { getJob, markOrphanedJobsInterrupted, insertJob, markJobRunning } from '../../app/store/jobs.js';
import { tempDir } from '../helpers.js';

const t = tempDir();
const kinds = {
  ...jobKinds,
  count: { module: new URL('../fixtures/slow-job.ts', import.meta.url).href, resumable: true, summary: 'test counter' },
};
const app = new AppContext(path.join(t.dir, 'user'), { kinds, logToFile: false });
app.createProject(path.join(t.dir, 'p'));
afterAll(async () => {
  await app.dispose();
  t.cleanup();
});

function collect(): { events: AppEvent[]; stop: () => void } {
  const events: AppEvent[] = [];
  return { events, stop: app.events.subscribe((e) => events.push(e)) };
}

describe('job runner', () => {
  it('runs a job in a worker thread with progress, ETA and a stored result', async () => {
    const c = collect();
    const job = app.jobs.start(app.project(), 'count', { steps: 5 });
    expect(['queued', 'running']).toContain(job.status);
    const done = await app.jobs.wait(app.project(), job.id);
    c.stop();
    expect(done).toMatchObject({ status: 'succeeded', progress: 1, result: { counted: 5, resumed: false } });
    const progress = c.events.filter((e) => e.event === 'job.progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)!.payload).toMatchObject({ jobId: job.id, fraction: 1 });
    expect(c.events.at(-1)).toMatchObject({ event: 'job.finished', payload: { jobId: job.id, status: 'succeeded' } });
  });

  it('cancels a running job', async () => {
    const job = app.jobs.start(app.project(), 'count', { steps: 500 });
    await new Promise((r) => setTimeout(r, 300));
    app.jobs.cancel(app.project(), job.id);
    const done = await app.jobs.wait(app.project(), job.id);
    expect(done.status).toBe('cancelled');
    expect(done.progress).toBeLessThan(1);
  });

  it('records a failing job with its error', async () => {
    const job = app.jobs.start(app.project(), 'count', { steps: 5, failAt: 3 });
    const done = await app.jobs.wait(app.project(), job.id);
    expect(done).toMatchObject({ status: 'failed', error: 'failed at step 3' });
  });

  it('shows jobs of a dead process as interrupted and resumes them', async () => {
    const db = app.project().db;
    const id = insertJob(db, 'count', { steps: 2 });
    markJobRunning(db, id);
    expect(markOrphanedJobsInterrupted(db)).toEqual([id]);
    const job = app.jobs.resume(app.project(), id);
    expect(['queued', 'running']).toContain(job.status);
    const done = await app.jobs.wait(app.project(), id);
    expect(done).toMatchObject({ status: 'succeeded', result: { counted: 2, resumed: true } });
    expect(() => app.jobs.resume(app.project(), id)).toThrow(/cannot be resumed/);
  });

  it('reopening the project it holds leaves its running jobs alone', async () => {
    const job = app.jobs.start(app.project(), 'count', { steps: 20 });
    await new Promise((r) => setTimeout(r, 150));
    expect(getJob(app.project().db, job.id)?.status).toBe('running');
    app.openProject(app.project().dir); // e.g. picked again from the recent list while the job runs
    expect(getJob(app.project().db, job.id)?.status).toBe('running');
    expect(await app.jobs.wait(app.project(), job.id)).toMatchObject({ status: 'succeeded', result: { counted: 20, resumed: false } });
  });

  it('refuses unknown kinds', () => {
    expect(() => app.jobs.start(app.project(), 'nope', {})).toThrow(/unknown job kind/);
  });

  it('verifies a project (integrity and stored files)', async () => {
    const job = app.jobs.start(app.project(), 'project.verify', {});
    const done = await app.jobs.wait(app.project(), job.id);
    expect(done).toMatchObject({ status: 'succeeded', result: { integrity: 'ok', checkedFiles: 0, missingFiles: [] } });
  });
});
