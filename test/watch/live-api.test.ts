// The Live view's service through the contract, as both transports reach it (dispatch): live.start on a real
// project with a tiny trained model, files dropped into the folder → one live.verdict event each (with the stored
// image and map for the view) and results in Review; live.pause keeps files waiting without losing them,
// live.resume judges them; a second start is refused; closing the project abandons the watcher cleanly.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../app/api/dispatch.js';
import type { ResponseOf } from '../../app/api/contract.js';
import { AppContext } from '../../app/context.js';
import type { AppEvent } from '../../app/core/events.js';
import { LiveVerdictEventSchema } from '../../app/core/live.js';
import { dropFile, watchFixture, type WatchFixture } from './fixture.js';

let fx: WatchFixture;
let app: AppContext;
let inDir: string;
const events: AppEvent[] = [];

beforeAll(async () => {
  fx = await watchFixture();
  inDir = path.join(fx.root, 'camera');
  fs.mkdirSync(inDir);
  app = new AppContext(path.join(fx.root, 'user'), { logToFile: false, live: { settleMs: 50, pollMs: 25, scanMs: 200 } });
  app.events.subscribe((e) => events.push(e));
  app.openProject(fx.projectDir);
}, 60_000);
afterAll(async () => {
  await app?.dispose();
  fx?.cleanup();
});

async function call<M extends string>(method: M, params: unknown = {}): Promise<any> {
  const r = await dispatch(method, params, { app, transport: 'http' });
  if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
  return r.result;
}

const verdicts = () => events.filter((e) => e.event === 'live.verdict').map((e) => LiveVerdictEventSchema.parse(e.payload));

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('live.* methods and events', () => {
  it('starts, judges each arriving part into a live.verdict event and Review, pauses without losing files, stops', async () => {
    const started: ResponseOf<'live.start'> = await call('live.start', { modelId: fx.modelId, dir: inDir });
    expect(started).toMatchObject({ state: 'running', modelId: fx.modelId, dir: inDir, counts: { accept: 0, review: 0, reject: 0, error: 0 } });
    await expect(call('live.start', { modelId: fx.modelId, dir: inDir })).rejects.toMatchObject({ code: 'conflict' });

    dropFile(path.join(inDir, 'a.png'), fs.readFileSync(fx.images[0]!));
    dropFile(path.join(inDir, 'b.png'), fs.readFileSync(fx.images[1]!));
    await until('2 verdicts', () => verdicts().length === 2);
    const [first, second] = verdicts();
    for (const v of [first!, second!]) {
      expect(['accept', 'review', 'reject']).toContain(v.message.verdict);
      expect(fs.existsSync(path.join(fx.projectDir, v.imagePath!))).toBe(true);
      expect(fs.existsSync(path.join(fx.projectDir, v.mapPath!))).toBe(true);
    }
    expect(Object.values(second!.counts).reduce((a, b) => a + b, 0)).toBe(2);
    // The Live view draws the last part's map through results.map, by the result id the event carries.
    expect(await call('results.map', { resultId: first!.resultId })).toMatchObject({ width: 64, height: 64, scale: 'relative' });
    const review = await call('results.list', { modelId: fx.modelId, datasetId: started.datasetId ?? (await call('live.status')).datasetId });
    expect(review.items.map((r: { originalPath: string }) => r.originalPath).sort()).toEqual(['a.png', 'b.png']);

    expect((await call('live.pause')).state).toBe('paused');
    dropFile(path.join(inDir, 'c.png'), fs.readFileSync(fx.images[2]!));
    await until('c.png to be complete and waiting', () => app.live.status().queued === 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(verdicts()).toHaveLength(2); // paused: nothing judged, the file waits
    expect((await call('live.resume')).state).toBe('running');
    await until('the waiting file to be judged', () => verdicts().length === 3);
    expect(verdicts()[2]!.message.file).toBe(path.join(inDir, 'c.png'));

    const stopped = await call('live.stop');
    expect(stopped).toMatchObject({ state: 'idle', dir: null });
    const states = events.filter((e) => e.event === 'live.state').map((e) => (e.payload as { state: string }).state);
    expect(states).toEqual(['starting', 'running', 'paused', 'running', 'stopping', 'idle']);
    await expect(call('live.pause')).rejects.toMatchObject({ code: 'conflict' });
  }, 60_000);

  it('refuses a relative folder and an unready model, and lets go when the project closes', async () => {
    await expect(call('live.start', { modelId: fx.modelId, dir: 'relative/dir' })).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(call('live.start', { modelId: 999, dir: inDir })).rejects.toMatchObject({ code: 'not_found' });
    expect((await call('live.status')).state).toBe('idle');

    await call('live.start', { modelId: fx.modelId, dir: inDir });
    dropFile(path.join(inDir, 'd.png'), fs.readFileSync(fx.images[3]!));
    app.closeProject(); // the watcher is abandoned at once; d.png is judged by the next one
    expect(app.live.status().state).toBe('idle');
    app.openProject(fx.projectDir);
    const before = verdicts().length;
    await call('live.start', { modelId: fx.modelId, dir: inDir });
    await until('d.png judged by the new watcher', () => verdicts().some((v) => v.message.file.endsWith('d.png')));
    expect(verdicts().slice(before).map((v) => path.basename(v.message.file))).toEqual(['d.png']); // a–c never again
    await call('live.stop');
  }, 60_000);
  it('a project closed while live inspection is starting leaves no watcher behind, and the next start works', async () => {
    const starting = call('live.start', { modelId: fx.modelId, dir: inDir });
    app.closeProject(); // while the model loads
    await expect(starting).rejects.toMatchObject({ code: 'conflict' });
    expect(app.live.status()).toMatchObject({ state: 'idle', dir: null });
    app.openProject(fx.projectDir);
    expect((await call('live.start', { modelId: fx.modelId, dir: inDir })).state).toBe('running');
    await call('live.stop');
  }, 60_000);
});
