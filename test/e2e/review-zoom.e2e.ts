import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flaggedRegions } from '../../app/core/flagged-regions.js';
import { findChromium, gotoView, openSession, type Session } from './browser.js';
import { callApi, prepareQuickDemoFolder, trainAndScore } from './demo-project.js';

/**
 * Review at full resolution: the image and its anomaly map zoom and pan together, and "Next flagged region" jumps
 * onto the map's peak. A tiny model (64 px maps over the demo's larger images: map pixels scale to image pixels)
 * is trained and scored through the API first, then the view is driven in Chromium.
 */
const chromium = findChromium();
if (!chromium.path && process.env.REQUIRE_E2E === '1') throw new Error(`REQUIRE_E2E=1 but ${chromium.reason}`);
if (!chromium.path) console.warn(`\n!!! E2E REVIEW ZOOM SKIPPED: ${chromium.reason} !!!\n`);

interface ParsedView {
  x: number;
  y: number;
  scale: number;
}

/** The view of a heat-stage transform: `translate(Xpx, Ypx) scale(S)`. */
function parseTransform(t: string): ParsedView {
  const m = /translate\((-?[\d.e+-]+)px, (-?[\d.e+-]+)px\) scale\(([\d.e+-]+)\)/.exec(t);
  if (!m) throw new Error(`unexpected transform: ${t}`);
  return { x: Number(m[1]), y: Number(m[2]), scale: Number(m[3]) };
}

/** The expected peak in map pixels, found here from the stored map: the strongest region at reject, else the maximum. */
function expectedPeak(values: Float32Array, width: number, height: number, reject: number): { x: number; y: number; regions: number } {
  const regions = flaggedRegions(values, width, height, reject);
  if (regions.length > 0) return { ...regions[0]!.peak, regions: regions.length };
  let best = 0;
  for (let p = 1; p < values.length; p++) if (values[p]! > values[best]!) best = p;
  return { x: best % width, y: Math.floor(best / width), regions: 0 };
}

describe.skipIf(!chromium.path)('Review zoom, pan and flagged regions (serve mode, Chromium)', () => {
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

  const transforms = () => s.page.getByTestId('heat-stage').evaluateAll((els) => els.map((e) => (e as HTMLElement).style.transform));

  it('zooms both panes together with the wheel, keeps Review’s keys, and jumps to the map’s peak', async () => {
    const { page } = s;
    await gotoView(page, 'review');
    const heat = page.getByTestId('heatmap');
    await heat.and(page.locator('[data-loaded="true"]')).waitFor({ timeout: 30_000 });
    const img = heat.locator('img').first();
    await expect.poll(() => img.evaluate((i: HTMLImageElement) => i.naturalWidth)).toBeGreaterThan(0);
    const image = await img.evaluate((i: HTMLImageElement) => ({ width: i.naturalWidth, height: i.naturalHeight }));
    const [fitted] = await transforms();

    // Wheel over the map pane: both panes get the one new transform, zoomed in about the cursor.
    const mapPane = heat.getByTestId('heat-pane').nth(1);
    const pane = (await mapPane.boundingBox())!;
    await page.mouse.move(pane.x + pane.width * 0.3, pane.y + pane.height * 0.6);
    for (let k = 0; k < 3; k++) await page.mouse.wheel(0, -120);
    await expect.poll(async () => (await transforms())[1]).not.toBe(fitted);
    const [imageT, mapT] = await transforms();
    expect(imageT).toBe(mapT);
    expect(parseTransform(mapT!).scale / (parseTransform(fitted!).scale * 1.15 ** 3)).toBeCloseTo(1, 4);

    // With the focus on the heatmap, arrows pan it (not the result list) and 0 fits again.
    const current = () => page.locator('ol.results button[aria-current="true"]').textContent();
    const before = await current();
    await page.mouse.down();
    await page.mouse.up();
    await page.keyboard.press('ArrowDown');
    expect(parseTransform((await transforms())[0]!).y).toBeLessThan(parseTransform(mapT!).y);
    expect(await current()).toBe(before);
    await page.keyboard.press('0');
    expect(await transforms()).toEqual([fitted, fitted]);

    // Next flagged region: centred on the strongest peak of the stored map (at the model's reject level).
    const [first] = await callApi<{ items: { id: number }[] }>(s.app, 'results.list', { modelId, sort: 'score_desc', offset: 0, limit: 1 }).then((r) => r.items);
    const stored = await callApi<{ width: number; height: number; valuesBase64: string }>(s.app, 'results.map', { resultId: first!.id });
    const values = new Float32Array(new Uint8Array(Buffer.from(stored.valuesBase64, 'base64')).buffer);
    const model = await callApi<{ thresholds: { reject: number } }>(s.app, 'models.get', { id: modelId });
    const peak = expectedPeak(values, stored.width, stored.height, model.thresholds.reject);
    await heat.getByRole('button', { name: /Next flagged region/ }).click();
    const status = heat.getByTestId('region-status');
    await expect.poll(() => status.textContent()).not.toBe('');
    expect(await status.textContent()).toBe(peak.regions > 0 ? `Region 1 of ${peak.regions}` : 'No region reaches the reject level: the map’s maximum');
    const jumped = await transforms();
    expect(jumped[0]).toBe(jumped[1]);
    const v = parseTransform(jumped[1]!);
    expect(v.scale).toBeGreaterThanOrEqual(4 * parseTransform(fitted!).scale - 1e-9);
    const centre = { x: (pane.width / 2 - v.x) / v.scale, y: (pane.height / 2 - v.y) / v.scale };
    const sx = image.width / stored.width;
    const sy = image.height / stored.height;
    expect(Math.abs(centre.x - (peak.x + 0.5) * sx)).toBeLessThan(sx);
    expect(Math.abs(centre.y - (peak.y + 0.5) * sy)).toBeLessThan(sy);

    // R (a Review key, free of the decision keys) walks on to the next region.
    if (peak.regions > 1) {
      await page.keyboard.press('r');
      await expect.poll(() => status.textContent()).toBe(`Region 2 of ${peak.regions}`);
    }
    // O (overlay) keeps the same part in view in the one, larger pane.
    const side = parseTransform((await transforms())[1]!);
    const centreOf = (t: ParsedView, box: { width: number; height: number }) => ({ x: (box.width / 2 - t.x) / t.scale, y: (box.height / 2 - t.y) / t.scale });
    const sideCentre = centreOf(side, pane);
    await page.keyboard.press('o');
    await expect.poll(async () => (await transforms()).length).toBe(1);
    const overlayBox = (await heat.getByTestId('heat-pane').boundingBox())!;
    await expect.poll(async () => centreOf(parseTransform((await transforms())[0]!), overlayBox).x).toBeCloseTo(sideCentre.x, 1);
    expect(centreOf(parseTransform((await transforms())[0]!), overlayBox).y).toBeCloseTo(sideCentre.y, 1);
    await s.screenshot('review-zoom-region', { fullPage: false });
  });
});
