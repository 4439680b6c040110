import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../app/core/schemas.js';
import { main } from '../../app/cli.js';
import { AppContext } from '../../app/context.js';
import { chromiumPath, openChromiumPdfPrinter, setMainPdfPrinter } from '../../app/report/pdf.js';
import { parseResultsCsv } from '../../app/report/results-table.js';
import { startServer, type RunningServer } from '../../app/transport/http.js';
import { tempDir } from '../helpers.js';
import { createFixtureProject, type Fixture } from './fixture.js';

const t = tempDir('flowspect-report-api-');
const projectDir = path.join(t.dir, 'project');
let fx: Fixture;
let app: AppContext;
let server: RunningServer;
const after: Array<() => Promise<void>> = [];

async function call<T>(method: string, params: unknown): Promise<{ status: number; result?: T; error?: { code: string; message: string } }> {
  const res = await fetch(`${server.origin}/api/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
  const body = (await res.json()) as { result?: T; error?: { code: string; message: string } };
  return { status: res.status, ...body };
}

beforeAll(async () => {
  fx = await createFixtureProject(projectDir, { goods: 8, defects: 6 });
  app = new AppContext(path.join(t.dir, 'user'), { logToFile: false });
  app.openProject(projectDir);
  server = await startServer({ app, port: 0 });
}, 60_000);
afterAll(async () => {
  setMainPdfPrinter(null);
  for (const f of after) await f();
  await server?.close();
  await app?.dispose();
  fx?.project.close();
  t.cleanup();
});

describe('reports API (serve mode)', () => {
  it('creates a report as a job with progress, lists it and previews its HTML', async () => {
    const started = await call<Job>('reports.create', { modelId: fx.modelId, galleryLimit: 4, pdf: false, title: 'Weekly line 3' });
    expect(started.status).toBe(200);
    const progress: number[] = [];
    const stop = app.events.subscribe((e) => {
      if (e.event !== 'job.progress') return;
      const p = e.payload as { jobId: number; fraction: number };
      if (p.jobId === started.result!.id) progress.push(p.fraction);
    });
    const done = await app.jobs.wait(app.project(), started.result!.id);
    stop();
    expect(done.status).toBe('succeeded');
    expect(progress.length).toBeGreaterThan(1);
    const result = done.result as { reportId: number; files: Record<string, string> };
    expect(Object.keys(result.files).sort()).toEqual(['csv', 'html', 'json']);

    const list = await call<Array<{ id: number; title: string; files: Record<string, string> }>>('reports.list', { modelId: fx.modelId });
    expect(list.result![0]).toMatchObject({ id: result.reportId, title: 'Weekly line 3', files: result.files });

    const stored = await call<{ html: string }>('reports.preview', { reportId: result.reportId });
    expect(stored.result!.html).toContain('Weekly line 3');
    const live = await call<{ html: string; bands: { review: number; reject: number }; bandsMethod: string }>('reports.preview', {
      modelId: fx.modelId,
      bands: { review: -0.8, reject: -0.5 },
      galleryLimit: 2,
    });
    expect(live.result!.bands).toEqual({ review: -0.8, reject: -0.5 });
    expect(live.result!.html).toContain('set for this report');
    expect(list.result!.length).toBe((await call<unknown[]>('reports.list', {})).result!.length); // preview wrote nothing
  }, 60_000);

  it('rejects invalid requests with the reason', async () => {
    const bad = await call('reports.create', { modelId: fx.modelId, bands: { review: 2, reject: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.error!.message).toMatch(/review threshold \(2\) must not exceed the reject threshold \(1\)/);
    // One vocabulary: the old {accept, reject} request shape is refused with the reason, not guessed at.
    const old = await call('reports.create', { modelId: fx.modelId, bands: { accept: 0.2, reject: 0.5 } });
    expect(old.status).toBe(400);
    expect(old.error!.message).toMatch(/accept/);
    const missing = await call('reports.preview', { reportId: 9999 });
    expect(missing.status).toBe(404);
    const noModel = await call('reports.preview', { modelId: 9999 });
    expect(noModel.error!.message).toMatch(/model 9999 does not exist/);
  });

  it.skipIf(!chromiumPath())('prints in the main process when a main printer is registered (the Electron path)', async () => {
    const printer = await openChromiumPdfPrinter(chromiumPath()!);
    setMainPdfPrinter(printer);
    after.push(() => printer.close());
    const started = await call<Job>('reports.create', { modelId: fx.modelId, galleryLimit: 2 });
    const done = await app.jobs.wait(app.project(), started.result!.id);
    expect(done.payload).toMatchObject({ printInMain: true });
    const id = (done.result as { reportId: number }).reportId;
    let files: Record<string, string> = {};
    for (let i = 0; i < 120 && !files.pdf; i++) {
      await new Promise((r) => setTimeout(r, 250));
      files = (await call<Array<{ id: number; files: Record<string, string> }>>('reports.list', {})).result!.find((r) => r.id === id)!.files;
    }
    setMainPdfPrinter(null);
    expect(files.pdf).toBe(`reports/${id}/report.pdf`);
    expect(fs.readFileSync(path.join(projectDir, files.pdf!)).subarray(0, 5).toString()).toBe('%PDF-');
  }, 60_000);
});

describe('flowspect report', () => {
  // In-process through the CLI's own entry point (spawning tsx per case costs seconds on a shared 2-core runner).
  const run = async (args: string[], env: Record<string, string> = {}) => {
    const out: string[] = [];
    const err: string[] = [];
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const code = await main(['report', projectDir, ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
      return { code, stdout: out.join('\n'), stderr: err.join('\n') };
    } finally {
      for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
      Object.assign(process.env, saved);
    }
  };

  it('writes the requested format and prints a JSON summary', async () => {
    const out = path.join(t.dir, 'out', 'results.csv');
    const r = await run(['--model', String(fx.modelId), '--out', out, '--bands=-0.8,-0.5', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(json).toMatchObject({ out, bands: { review: -0.8, reject: -0.5 }, summary: { images: 18, verdicts: { error: 0 } } });
    expect(parseResultsCsv(fs.readFileSync(out, 'utf8'))).toHaveLength(18);
    expect(fs.readFileSync(out)).toEqual(fs.readFileSync(json.files.csv));
  }, 60_000);

  it('without Chromium writes the HTML beside the PDF path and fails with the reason', async () => {
    const out = path.join(t.dir, 'out', 'report.pdf');
    const r = await run(['--model', String(fx.modelId), '--out', out], { CHROMIUM_PATH: path.join(t.dir, 'no-chromium') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no PDF printer is available.*the HTML report was written to .*report\.html/);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readFileSync(out.replace(/\.pdf$/, '.html'), 'utf8')).toMatch(/^<!doctype html>/);
  }, 60_000);

  it('rejects bad flags', async () => {
    expect((await run(['--model', String(fx.modelId), '--out', 'x.docx'])).stderr).toMatch(/--out must end in \.pdf, \.html, \.csv or \.json/);
    expect((await run(['--model', String(fx.modelId), '--out', 'x.csv', '--bands', '0.9'])).stderr).toMatch(/--bands must be two numbers/);
    const r = await run(['--model', '77', '--out', path.join(t.dir, 'y.csv')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/model 77 does not exist/);
  }, 60_000);
});
