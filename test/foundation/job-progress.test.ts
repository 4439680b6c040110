/**
 * Job progress data is typed by job kind (app/core/job-types.ts): a real import job, run in its worker, reports
 * `import` records — images read of how many, and a rate — that the events schema accepts as they arrive.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppContext } from '../../app/context.js';
import { eventSchemas, type AppEvent } from '../../app/core/events.js';
import { averageRate } from '../../app/jobs/progress-rate.js';
import { png, put } from '../dataset/fixtures.js';
import { tempDir } from '../helpers.js';

const t = tempDir('flowspect-progress-');
const app = new AppContext(path.join(t.dir, 'user'), { logToFile: false });
app.createProject(path.join(t.dir, 'p'));
afterAll(async () => {
  await app.dispose();
  t.cleanup();
});

describe('job progress data', () => {
  it('an import job reports typed counts and images per second', async () => {
    const source = path.join(t.dir, 'parts');
    for (let i = 0; i < 24; i++) put(path.join(source, 'good', `${String(i).padStart(3, '0')}.png`), await png(i));
    const events: AppEvent<'job.progress'>[] = [];
    const stop = app.events.subscribe((e) => {
      if (e.event === 'job.progress') events.push(e as AppEvent<'job.progress'>);
    });
    const job = app.jobs.start(app.project(), 'import', { source, format: 'folder', threads: 1 });
    const done = await app.jobs.wait(app.project(), job.id);
    stop();
    expect(done.status).toBe('succeeded');

    const withData = events.filter((e) => e.payload.jobId === job.id && e.payload.data !== undefined);
    expect(withData.length).toBeGreaterThan(0);
    for (const e of withData) expect(eventSchemas['job.progress'].parse(e.payload)).toEqual(e.payload);
    const last = withData.at(-1)!.payload.data!;
    expect(last.kind).toBe('import');
    if (last.kind !== 'import') return;
    expect(last).toMatchObject({ done: 24, total: 24 }); // the last count is always sent
    expect(last.imagesPerSecond).toBeGreaterThan(0);
    expect(Number.isFinite(last.imagesPerSecond)).toBe(true);
  });

  it('a rate averages over the counts since the first one, so a slow start does not bend it', () => {
    let now = 5_000; // the first count arrives after 5 s of scanning
    const rate = averageRate(() => now);
    expect(rate(8)).toBeUndefined();
    now += 2_000;
    expect(rate(28)).toBeCloseTo(10, 9);
    now += 2_000;
    expect(rate(48)).toBeCloseTo(10, 9);
    expect(rate(48)).toBeCloseTo(40 / 4, 9);
  });
});
