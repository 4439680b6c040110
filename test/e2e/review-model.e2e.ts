import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium, gotoView, openSession, type Session } from './browser.js';
import { callApi, prepareQuickDemoFolder, trainAndScore } from './demo-project.js';

/**
 * The Review view of a scored model, as the demo leaves it: exact `.f16` anomaly maps, the model's own bands.
 * A tiny model is trained and scored through the API first (seconds), then the view is driven in Chromium.
 */
const DOCS_SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots', import.meta.url));
const chromium = findChromium();
if (!chromium.path && process.env.REQUIRE_E2E === '1') throw new Error(`REQUIRE_E2E=1 but ${chromium.reason}`);
if (!chromium.path) console.warn(`\n!!! E2E REVIEW SKIPPED: ${chromium.reason} !!!\n`);

describe.skipIf(!chromium.path)('reviewing a scored model (serve mode, Chromium)', () => {
  let s: Session;
  let modelId = 0;
  beforeAll(async () => {
    s = await openSession(chromium.path!);
    const { dir } = await prepareQuickDemoFolder(s.app);
    await callApi(s.app, 'projects.open', { dir });
    ({ modelId } = await trainAndScore(s.app, 'fabric', 'f16'));
    await s.page.reload();
  });
  afterAll(async () => {
    await s?.close();
  });

  const view = (name: string) => gotoView(s.page, name);

  it('draws the exact .f16 anomaly maps the demo stores, on the model scale', async () => {
    const { page } = s;
    await view('review');
    const heat = page.getByTestId('heatmap');
    await heat.and(page.locator('[data-loaded="true"]')).waitFor({ timeout: 30_000 });
    expect(await heat.getByRole('alert').count()).toBe(0);
    // The canvas holds a coloured map, not a black square: many distinct colours.
    const colours = await heat.locator('canvas').first().evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < d.length; i += 4) seen.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
      return { width: c.width, distinct: seen.size };
    });
    expect(colours.width).toBeGreaterThan(16);
    expect(colours.distinct).toBeGreaterThan(8);
    const model = await callApi<{ thresholds: { reject: number } }>(s.app, 'models.get', { id: modelId });
    expect(await page.getByTestId('map-scale').textContent()).toContain(`– ${Number((2 * model.thresholds.reject).toPrecision(3))}`);
    // The README's picture of the Review view: the demo's fabric, the model's own bands, before anything is dragged.
    const file = await s.screenshot('view-review');
    if (process.env.UPDATE_SCREENSHOTS === '1') fs.copyFileSync(file, path.join(DOCS_SCREENSHOTS, 'review.png'));
    // The next result's map replaces it.
    await page.locator('ol.results li').nth(1).locator('button').click();
    await heat.and(page.locator('[data-loaded="true"]')).waitFor();
    await s.screenshot('review-f16-map');
  });

  it('warns before a false alarm on a labelled defect becomes a good training image, and clears its annotation when confirmed', async () => {
    const { page } = s;
    const db = s.app.project().db;
    const defectRow = page.locator('ol.results li button').filter({ has: page.locator('span.muted', { hasText: /^defect$/ }) }).first();
    await defectRow.click();
    await page.keyboard.press('f');
    await page.getByText('1 result marked as false alarm.').waitFor();
    const [review] = await callApi<{ imageId: number }[]>(s.app, 'reviews.list', { modelId, decision: 'false_alarm' });
    const imageRow = () => db.prepare('SELECT label, split, defect_type AS type FROM images WHERE id = ?').get(review!.imageId) as { label: string; split: string; type: string | null };
    const masks = () => db.prepare("SELECT COUNT(*) FROM masks WHERE image_id = ? AND kind = 'defect'").pluck().get(review!.imageId);
    const before = imageRow();
    expect(before.label).toBe('defect');
    expect(before.type).not.toBeNull();
    expect(masks()).toBe(1);

    // The first press is refused by the main process and becomes a warning; Cancel changes nothing.
    await page.getByRole('button', { name: 'Add false alarms to the training set' }).click();
    const dialog = page.getByRole('alertdialog', { name: '1 of 1 false alarm is a labelled defect' });
    await dialog.waitFor();
    expect(await dialog.getByTestId('labelled-defect').textContent()).toContain(`type ${before.type}`);
    await s.screenshot('review-confirm-defects', { fullPage: false });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(imageRow()).toEqual(before);
    expect(masks()).toBe(1);
    expect(await page.getByRole('alert').count()).toBe(0);

    // Confirmed: good + train, and the defect type and mask go with the defect label.
    await page.getByRole('button', { name: 'Add false alarms to the training set' }).click();
    await dialog.getByRole('button', { name: 'Make them good training images' }).click();
    await page.getByText(/1 labelled defect relabelled with its defect type and mask cleared/).waitFor();
    expect(imageRow()).toEqual({ label: 'good', split: 'train', type: null });
    expect(masks()).toBe(0);
  });

  it('exports the model (ONNX, model card, Triton repository) with progress, and shows the folder and files', async () => {
    const { page } = s;
    await page.getByRole('button', { name: 'Export model…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export tiny' });
    await dialog.waitFor();
    const folder = dialog.getByLabel('Output folder');
    expect(await folder.inputValue()).toBe(path.join(s.app.project().dir, 'exports', `tiny-${modelId}`));
    const out = path.join(s.workDir, 'line-export');
    await folder.fill(out);
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await dialog.getByTestId('export-result').waitFor({ timeout: 60_000 });
    expect(await dialog.getByTestId('job-progress').getAttribute('data-status')).toBe('succeeded');
    expect(await dialog.getByTestId('export-dir').textContent()).toBe(out);
    const onnx = fs.readFileSync(path.join(out, 'tiny.onnx'));
    expect(await dialog.getByTestId('export-result').textContent()).toContain(createHash('sha256').update(onnx).digest('hex').slice(0, 12));
    const card = JSON.parse(fs.readFileSync(path.join(out, 'tiny.card.json'), 'utf8'));
    expect(JSON.stringify(card)).toContain('tiny');
    expect(fs.readFileSync(path.join(out, 'triton', 'tiny', 'config.pbtxt'), 'utf8')).toContain('name: "tiny"');
    expect(fs.statSync(path.join(out, 'triton', 'tiny', '1', 'model.onnx')).size).toBeGreaterThan(1000);
    // The bar's fill animates to 100 %: let it arrive before the picture.
    await expect.poll(() => dialog.locator('.fill').evaluate((f: HTMLElement) => f.getBoundingClientRect().width / f.parentElement!.getBoundingClientRect().width)).toBeGreaterThan(0.99);
    const file = await s.screenshot('view-export', { fullPage: false });
    if (process.env.UPDATE_SCREENSHOTS === '1') fs.copyFileSync(file, path.join(DOCS_SCREENSHOTS, 'export.png'));
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('exports in int8 from the same dialog: an int8 file with its own thresholds, or the reason it was refused and no file', async () => {
    const { page } = s;
    await page.getByRole('button', { name: 'Export model…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export tiny' });
    await dialog.waitFor();
    const out = path.join(s.workDir, 'line-export-int8');
    await dialog.getByLabel('Output folder').fill(out);
    await dialog.getByTestId('export-precision').selectOption('int8');
    await dialog.getByTestId('export-int8-note').waitFor();
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    const progress = dialog.getByTestId('job-progress');
    await expect.poll(() => progress.getAttribute('data-status'), { timeout: 60_000 }).toMatch(/^(succeeded|failed)$/);
    const onnx = path.join(out, 'tiny.onnx');
    if ((await progress.getAttribute('data-status')) === 'succeeded') {
      expect(await dialog.getByTestId('export-result').textContent()).toContain('int8');
      const card = JSON.parse(fs.readFileSync(path.join(out, 'tiny.card.json'), 'utf8'));
      expect(card.precision).toBe('int8');
      expect(card.onnx.metadata['flowspect.precision']).toBe('int8');
      expect(Array.isArray(JSON.parse(card.onnx.metadata.flowspect).quantization.floatLayers)).toBe(true);
    } else {
      // A tiny model's scores are too tight for int8 rounding: the refusal names the reason (after leaving the layers
      // that move scores most in float did not help), and nothing is written.
      expect(await dialog.textContent()).toMatch(/\(with the 4 layers that move scores most left in float\); export it in fp32/);
      expect(fs.existsSync(onnx)).toBe(false);
    }
    await s.screenshot('view-export-int8', { fullPage: false });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('the report previewed with the model’s own bands says they came from the model', async () => {
    const { page } = s;
    await view('reports');
    const model = await callApi<{ thresholds: { review: number } }>(s.app, 'models.get', { id: modelId });
    // The view fills the bands once the model list has loaded: wait for it rather than read the field at once.
    await expect.poll(() => page.getByLabel('Review from').inputValue(), { timeout: 10_000 }).toBe(String(model.thresholds.review));
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByRole('region', { name: 'Report preview' });
    await preview.getByText(/^Bands: /).waitFor({ timeout: 60_000 });
    expect(await preview.getByText(/^Bands: /).textContent()).toMatch(/^Bands: stored with the model/);
    const html = await preview.locator('iframe').getAttribute('srcdoc');
    expect(html).toContain('How they were chosen: stored with the model');
    expect(html).not.toContain('set for this report');
  });

  it('keeps the histogram readable with a far-off score, and the default bands apart', async () => {
    const { page } = s;
    const db = s.app.project().db;
    // One far-off score, as the demo had (369 among scores near 1).
    db.prepare("UPDATE results SET score = 369, verdict = 'reject' WHERE id = (SELECT id FROM results WHERE model_id = ? ORDER BY score DESC LIMIT 1)").run(modelId);
    await page.reload();
    await view('review');
    const outliers = page.getByTestId('outliers');
    await outliers.waitFor();
    expect(await outliers.textContent()).toMatch(/1 above\s*max 369/);
    // The training's bands are apart on screen (a robust spread below reject), not two handles on one pixel.
    const x = async (id: string) => (await page.getByTestId(id).boundingBox())!.x;
    expect((await x('threshold-reject')) - (await x('threshold-review'))).toBeGreaterThan(6);
    const model = await callApi<{ thresholds: { review: number; reject: number; detail: string } }>(s.app, 'models.get', { id: modelId });
    expect(model.thresholds.reject - model.thresholds.review).toBeGreaterThan(0);
    // Dragging the reject threshold past the axis end leaves only the far-off score rejected.
    const hist = (await page.getByTestId('score-histogram').boundingBox())!;
    const handle = page.getByTestId('threshold-reject');
    const box = (await handle.boundingBox())!;
    await handle.hover();
    await page.mouse.down();
    await page.mouse.move(hist.x + hist.width - 2, box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
    await expect.poll(async () => Number(await page.getByTestId('count-reject').textContent())).toBe(1);
    // …and the axis stays clipped: the handle waits on the edge, labelled 369.
    expect(await outliers.textContent()).toMatch(/1 above/);
    expect(await handle.textContent()).toBe('369');
    await s.screenshot('review-outlier');
  });

  it('Curation ranks the good images by the model, and excludes one in one click', async () => {
    const { page } = s;
    await view('curation');
    await page.getByTestId('unusual-by').filter({ hasText: 'Ranked by the scores of model “tiny”' }).waitFor();
    const first = page.getByTestId('unusual-image').first();
    const name = (await first.locator('img').getAttribute('alt'))!;
    const file = await s.screenshot('view-curation', { fullPage: false });
    if (process.env.UPDATE_SCREENSHOTS === '1') fs.copyFileSync(file, path.join(DOCS_SCREENSHOTS, 'curation.png'));
    await first.getByRole('button', { name: `Exclude ${name}` }).click();
    await first.getByRole('button', { name: `Exclude ${name}` }).filter({ hasText: 'Excluded' }).waitFor();
    expect(s.app.project().db.prepare('SELECT label FROM images WHERE original_path = ?').pluck().get(name)).toBe('ignore');
  });
});
