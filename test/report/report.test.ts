import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { f1Max, imageAuroc } from '../../app/eval/index.js';
import { generateReport } from '../../app/report/generate.js';
import { chromiumPath, openChromiumPdfPrinter } from '../../app/report/pdf.js';
import { parseResultsCsv, type ResultsJson } from '../../app/report/results-table.js';
import { updateModel } from '../../app/store/models.js';
import { getReport, listReports } from '../../app/store/reports.js';
import { tempDir } from '../helpers.js';
import { createFixtureProject, type Fixture } from './fixture.js';
import { pageInk, pdfPages } from './pdf-check.js';

const t = tempDir('flowspect-report-');
let fx: Fixture;
const chromium = chromiumPath();

beforeAll(async () => {
  fx = await createFixtureProject(path.join(t.dir, 'project'), { goods: 12, defects: 8 });
}, 60_000);
afterAll(() => {
  fx?.project.close();
  t.cleanup();
});

interface StoredRow {
  image_id: number;
  result_id: number;
  score: number;
  label: string;
  split: string;
  decision: string | null;
  note: string | null;
}
const storedRows = (): StoredRow[] =>
  fx.project.db
    .prepare(
      `SELECT i.id AS image_id, r.id AS result_id, r.score, i.label, i.split, v.decision, v.note
       FROM results r JOIN images i ON i.id = r.image_id LEFT JOIN reviews v ON v.result_id = r.id WHERE r.model_id = ?`,
    )
    .all(fx.modelId) as StoredRow[];

/** Every place an HTML document could make the browser fetch something. */
function externalReferences(html: string): string[] {
  const found: string[] = [];
  for (const m of html.matchAll(/\b(?:src|href|srcset|poster|data|action|xlink:href)\s*=\s*["']?\s*([^"'\s>]+)/gi)) {
    if (!m[1]!.startsWith('data:') && !m[1]!.startsWith('#')) found.push(m[0]);
  }
  for (const m of html.matchAll(/url\(\s*["']?([^"')]+)/gi)) if (!m[1]!.startsWith('data:')) found.push(m[0]);
  for (const m of html.matchAll(/@import|<script|<link|<iframe|<object|<embed|<base/gi)) found.push(m[0]);
  for (const m of html.matchAll(/(?:https?|ftp|wss?):\/\/[^\s"'<>)]*/gi)) found.push(m[0]);
  return found;
}

describe('report generation', () => {
  it('writes a self-contained HTML report with every section, true metrics, and no external URL', async () => {
    const r = await generateReport(fx.project, { modelId: fx.modelId, galleryLimit: 6, galleryPageSize: 4, pdf: false });
    const html = fs.readFileSync(fx.project.path(r.files.html!), 'utf8');
    expect(externalReferences(html)).toEqual([]);
    expect(html).toMatch(/^<!doctype html>/);

    const rows = storedRows().filter((x) => x.split === 'test');
    const scores = rows.map((x) => x.score);
    const labels = rows.map((x) => x.label === 'defect');
    expect(r.summary.imageAuroc).toBeCloseTo(imageAuroc(scores, labels), 12);
    expect(r.summary.f1Max).toBeCloseTo(f1Max(scores, labels).f1, 12);
    expect(r.summary.pixelAuroc).toBeGreaterThan(0.5);
    expect(r.summary.aupro).toBeGreaterThan(0);
    // No thresholds stored with the fixture model: computed from labels, and the report says so.
    expect(r.bandsMethod).toMatch(/F1-max/);
    expect(r.bands.reject).toBeCloseTo(f1Max(scores, labels).threshold, 12);

    for (const text of ['Housing line 3', 'brushed-metal', 'Content hash', 'mobilenetv2', 'CL-Flow', '1,234,567', '12.6 min', 'cpu', 'imageSize', 'Thresholds and bands', 'Confusion matrix', 'ROC', 'Precision–recall', 'Score histogram', 'Training loss', 'Validation image AUROC', 'Flagged parts']) {
      expect(html, text).toContain(text);
    }
    expect(html).toContain(`${(imageAuroc(scores, labels)).toFixed(3)}`);
    // Gallery: capped at 6, paginated 4 + 2, each part with its picture and heatmap as embedded JPEGs.
    expect((html.match(/class="part"/g) ?? []).length).toBe(Math.min(6, r.summary.flagged));
    expect((html.match(/<img src="data:image\/jpeg;base64,/g) ?? []).length).toBe(2 * Math.min(6, r.summary.flagged));
    if (r.summary.flagged > 4) expect(html).toContain('Flagged parts (page 2 of 2)');
    // Reviewer notes are shown, escaped.
    expect(html).toContain('dent near the edge, &quot;deep&quot; — scrap, &lt;b&gt;not&lt;/b&gt; rework');
    expect(html).not.toContain('<b>not</b>');
    expect(getReport(fx.project.db, r.reportId)).toMatchObject({ modelId: fx.modelId, datasetId: fx.datasetId, bands: r.bands });
  }, 60_000);

  it('exports per-image CSV and JSON that round-trip to the numbers in the store', async () => {
    const r = await generateReport(fx.project, { modelId: fx.modelId, bands: { review: -0.7, reject: -0.5 }, galleryLimit: 0 });
    const stored = new Map(storedRows().map((x) => [x.image_id, x]));
    const csv = parseResultsCsv(fs.readFileSync(fx.project.path(r.files.csv!), 'utf8'));
    expect(csv).toHaveLength(stored.size);
    for (const row of csv) {
      const s = stored.get(Number(row.image_id))!;
      expect(Number(row.score)).toBe(s.score); // exact, not approximately
      expect(Number(row.result_id)).toBe(s.result_id);
      expect(row.label).toBe(s.label);
      expect(row.verdict).toBe(s.score >= -0.5 ? 'reject' : s.score >= -0.7 ? 'review' : 'accept');
      expect(row.review_decision).toBe(s.decision ?? '');
      expect(row.review_note).toBe(s.note ?? '');
    }
    const json = JSON.parse(fs.readFileSync(fx.project.path(r.files.json!), 'utf8')) as ResultsJson;
    expect(json.bands).toEqual({ review: -0.7, reject: -0.5 });
    expect(json.results).toHaveLength(stored.size);
    for (const row of json.results) {
      const s = stored.get(row.imageId)!;
      expect(row.score).toBe(s.score);
      expect(row.review?.note ?? null).toBe(s.note);
    }
    expect(r.bandsMethod).toMatch(/set for this report/);
  }, 60_000);

  it('uses the bands stored with the model and says how they were chosen', async () => {
    updateModel(fx.project.db, fx.modelId, { thresholds: { review: -0.75, reject: -0.45, method: 'quantile', detail: '99.5% of clean validation scores' } });
    try {
      const r = await generateReport(fx.project, { modelId: fx.modelId, galleryLimit: 0 });
      expect(r.bands).toEqual({ review: -0.75, reject: -0.45 });
      expect(r.bandsMethod).toBe('stored with the model: quantile (99.5% of clean validation scores)');
      const html = fs.readFileSync(fx.project.path(r.files.html!), 'utf8');
      expect(html).toContain('stored with the model: quantile (99.5% of clean validation scores)');
      const stored = storedRows();
      expect(r.summary.verdicts.review).toBe(stored.filter((x) => x.score >= -0.75 && x.score < -0.45).length);
    } finally {
      updateModel(fx.project.db, fx.modelId, { thresholds: null });
    }
  }, 60_000);

  it('refuses bad requests with clear errors and leaves nothing half-written', async () => {
    const before = listReports(fx.project.db).length;
    await expect(generateReport(fx.project, { modelId: 999 })).rejects.toThrow(/model 999 does not exist/);
    await expect(generateReport(fx.project, { modelId: fx.modelId, bands: { review: 1, reject: 0 } })).rejects.toThrow(/must not exceed/);
    const ac = new AbortController();
    const run = generateReport(fx.project, { modelId: fx.modelId }, { signal: ac.signal, progress: (f) => f > 0.4 && ac.abort(new Error('user cancelled')) });
    await expect(run).rejects.toThrow(/user cancelled/);
    expect(listReports(fx.project.db).length).toBe(before);
    expect(fs.readdirSync(fx.project.path('reports')).filter((d) => d.startsWith('.'))).toEqual([]);
  }, 60_000);

  it('without a printer still writes the HTML and says why there is no PDF', async () => {
    const r = await generateReport(fx.project, { modelId: fx.modelId, galleryLimit: 2, pdf: true }, { printer: null });
    expect(r.pdfError).toMatch(/no PDF printer is available.*CHROMIUM_PATH/);
    expect(r.files.pdf).toBeUndefined();
    expect(fs.existsSync(fx.project.path(r.files.html!))).toBe(true);
  }, 60_000);

  it.skipIf(!chromium)('prints a PDF that renders, with one page per gallery page', async () => {
    const printer = await openChromiumPdfPrinter(chromium!);
    const none = await generateReport(fx.project, { modelId: fx.modelId, galleryLimit: 0, pdf: true }, { printer });
    const two = await generateReport(fx.project, { modelId: fx.modelId, galleryLimit: 8, galleryPageSize: 4, pdf: true }, { printer });
    await printer.close();
    expect(none.pdfError).toBeUndefined();
    expect(two.summary.galleryShown).toBe(8);
    const pdfNone = fx.project.path(none.files.pdf!);
    const pdfTwo = fx.project.path(two.files.pdf!);
    expect(fs.readFileSync(pdfTwo).subarray(0, 5).toString()).toBe('%PDF-');
    // The gallery's first page replaces the "no gallery" page; the second adds one.
    expect(pdfPages(pdfTwo)).toBe(pdfPages(pdfNone) + 1);
    expect(pdfPages(pdfNone)).toBeGreaterThanOrEqual(3);
    const first = pageInk(pdfTwo, 1, t.dir);
    expect(first.stddev).toBeGreaterThan(15); // text, tiles and tables: far from a blank page
    const last = pageInk(pdfTwo, pdfPages(pdfTwo), t.dir);
    expect(last.stddev).toBeGreaterThan(15); // the pictures page
  }, 120_000);

  it.skipIf(!chromium)('the report makes no network request when opened in a browser', async () => {
    const r = await generateReport(fx.project, { modelId: fx.modelId, galleryLimit: 4 });
    const { chromium: pw } = await import('playwright-core');
    const browser = await pw.launch({ executablePath: chromium!, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (req) => requests.push(req.url()));
      await page.goto(`file://${fx.project.path(r.files.html!)}`, { waitUntil: 'load' });
      const images = await page.$$eval('img', (els) => els.map((e) => (e as HTMLImageElement).naturalWidth));
      expect(images.length).toBeGreaterThan(0);
      expect(images.every((w) => w > 0)).toBe(true); // every embedded picture decodes
      expect(requests.filter((u) => !u.startsWith('data:') && !u.startsWith('file://'))).toEqual([]);
      expect(requests.filter((u) => u.startsWith('file://'))).toHaveLength(1); // the report itself
    } finally {
      await browser.close();
    }
  }, 60_000);
});
