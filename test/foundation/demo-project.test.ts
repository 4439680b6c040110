import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppContext } from '../../app/context.js';
import { dispatch } from '../../app/api/dispatch.js';
import { tempDir } from '../helpers.js';

const t = tempDir();
const app = new AppContext(path.join(t.dir, 'user'), { logToFile: false });
afterAll(async () => {
  await app.dispose();
  t.cleanup();
});

describe('the demo project', () => {
  it('is created in the user-data folder by a job on first open, and simply reopened afterwards', async () => {
    const first = await dispatch('projects.openDemo', { quick: true, train: false }, { app, transport: 'http' });
    expect(first.ok).toBe(true);
    const { project, job } = (first as { result: { project: { dir: string; name: string }; job: { id: number } | null } }).result;
    expect(project.dir).toBe(path.join(t.dir, 'user', 'demo-quick', 'project'));
    expect(project.name).toBe('Flowspect demo');
    expect(job).not.toBeNull();
    const done = await app.jobs.wait(app.project(), job!.id);
    expect(done.status, done.error ?? '').toBe('succeeded');
    const again = await dispatch('projects.openDemo', { quick: true }, { app, transport: 'http' });
    const r = (again as { result: { project: { counts: { datasets: number; images: number } }; job: unknown } }).result;
    expect(r.job).toBeNull();
    expect(r.project.counts.datasets).toBe(3);
    expect(r.project.counts.images).toBeGreaterThan(100);
  }, 240_000);
});
