import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../app/api/dispatch.js';
import { AppContext } from '../../app/context.js';
import { importDataset } from '../../app/dataset/import.js';
import { createProject } from '../../app/store/project.js';
import { tempDir } from '../helpers.js';
import { makeMvtec, maskPng } from './fixtures.js';

const t = tempDir('flowspect-ignore-mask-');
const app = new AppContext(path.join(t.dir, 'user'), { logToFile: false });
const ctx = { app, transport: 'ipc' as const };
const dir = path.join(t.dir, 'project');
let datasetId: number;

/** Calls a method through the real dispatcher; answers the error body instead of throwing. */
async function call(method: string, params: unknown): Promise<{ ok: boolean; result?: any; error?: { code: string; message: string } }> {
  return (await dispatch(method, params, ctx)) as any;
}

beforeAll(async () => {
  await makeMvtec(path.join(t.dir, 'mvtec'));
  const p = createProject(dir);
  await importDataset(p, { source: path.join(t.dir, 'mvtec'), format: 'mvtec', threads: 1 });
  p.close();
  app.openProject(dir);
  datasetId = (await call('datasets.list', {})).result[0].id;
}, 60_000);

afterAll(async () => {
  await app.dispose();
  t.cleanup();
});

const polygons = { polygons: [[[0, 0], [30, 0], [30, 3], [0, 3]]] };

describe('datasets.setIgnoreMask', () => {
  it('refuses a mask of another size than the images (65535² polygons) before rasterising it', async () => {
    const masksBefore = fs.readdirSync(path.join(dir, 'masks'), { recursive: true });
    const r = await call('datasets.setIgnoreMask', { datasetId, mask: polygons, width: 65_535, height: 65_535 });
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('invalid_request');
    expect(r.error?.message).toMatch(/the mask is 65535x65535 but the images of dataset \d+ are 32x32 \(image \d+\)/);
    // A PNG of the wrong size is refused the same way, from its header.
    const small = await maskPng(16, 8);
    const png = await call('datasets.setIgnoreMask', { datasetId, mask: { png: small.toString('base64') } });
    expect(png.error?.message).toMatch(/the mask is 16x8 but the images of dataset \d+ are 32x32/);
    expect(fs.readdirSync(path.join(dir, 'masks'), { recursive: true })).toEqual(masksBefore);
    const ok = await call('datasets.setIgnoreMask', { datasetId, mask: polygons, width: 32, height: 32 });
    expect(ok.ok, ok.error?.message).toBe(true);
  });

  it('answers read_only for changes to a project opened read-only, and changes nothing', async () => {
    app.openProject(dir, { readonly: true });
    expect((await call('projects.current', {})).result).toMatchObject({ dir, readonly: true });
    const before = (await call('datasets.list', {})).result;
    const mask = await call('datasets.setIgnoreMask', { datasetId, mask: polygons, width: 32, height: 32 });
    expect(mask.error?.code).toBe('read_only');
    const cleared = await call('datasets.setIgnoreMask', { datasetId, mask: null }); // a database write: SQLite refuses it
    expect(cleared.error).toMatchObject({ code: 'read_only', message: expect.stringMatching(/open read-only/) });
    const job = await call('datasets.import', { source: path.join(t.dir, 'mvtec') });
    expect(job.error?.code).toBe('read_only');
    expect((await call('datasets.list', {})).result).toEqual(before);
    app.openProject(dir);
    expect((await call('projects.current', {})).result.readonly).toBeUndefined();
  });
});
