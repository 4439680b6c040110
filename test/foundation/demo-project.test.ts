import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppContext } from '../../app/context.js';
import { dispatch } from '../../app/api/dispatch.js';
import { listJobs } from '../../app/store/jobs.js';
import { readRecent } from '../../app/store/recent.js';
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
    const fractions: number[] = [];
    const off = app.events.subscribe((e) => e.event === 'job.progress' && e.payload.jobId === job!.id && fractions.push(e.payload.fraction));
    // Asked again while it builds — for the full demo this time — the running build is returned, not a second one.
    const during = await dispatch('projects.openDemo', { quick: false, train: false }, { app, transport: 'http' });
    expect(during).toMatchObject({ ok: true, result: { project: { dir: project.dir }, job: { id: job!.id } } });
    const done = await app.jobs.wait(app.project(), job!.id);
    off();
    expect(listJobs(app.project().db, { kind: 'demo.create' }).map((j) => j.id)).toEqual([job!.id]);
    expect(fs.existsSync(path.join(t.dir, 'user', 'demo'))).toBe(false);
    // The bar moves forward only, and reaches the end.
    expect(fractions.length).toBeGreaterThan(1);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(done.status, done.error ?? '').toBe('succeeded');
    const again = await dispatch('projects.openDemo', { quick: true }, { app, transport: 'http' });
    const r = (again as { result: { project: { counts: { datasets: number; images: number } }; job: unknown } }).result;
    expect(r.job).toBeNull();
    expect(r.project.counts.datasets).toBe(3);
    expect(r.project.counts.images).toBeGreaterThan(100);
    // The full demo asked for later opens the one demo there is; the recent list holds it once.
    const full = await dispatch('projects.openDemo', { quick: false }, { app, transport: 'http' });
    expect(full).toMatchObject({ ok: true, result: { project: { dir: project.dir }, job: null } });
    expect(readRecent(app.userDataDir).filter((e) => e.name === 'Flowspect demo')).toHaveLength(1);
  }, 240_000);
});
