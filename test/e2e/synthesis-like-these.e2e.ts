import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium, gotoView, openSession, type Session } from './browser.js';
import { callApi, prepareQuickDemoFolder } from './demo-project.js';

/**
 * Synthesis learns from confirmed defects (issue 23), in Chromium: the Synthesis view shows a category's real,
 * masked defects cropped around their masks above the current preset's synthesized ones; "Like these defects"
 * measures them into a new preset, chooses it and says what it measured. A category whose defects have no masks
 * offers no such preset, and says why and what to do.
 */
const DOCS_SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots', import.meta.url));
const chromium = findChromium();
if (!chromium.path && process.env.REQUIRE_E2E === '1') throw new Error(`REQUIRE_E2E=1 but ${chromium.reason}`);
if (!chromium.path) console.warn(`\n!!! E2E SYNTHESIS LIKE THESE SKIPPED: ${chromium.reason} !!!\n`);

interface Item {
  id: number;
}

describe.skipIf(!chromium.path)('Synthesis: real vs synthesized defects and "Like these defects" (serve mode, Chromium)', () => {
  let s: Session;
  let fabricDefects: number[] = [];
  beforeAll(async () => {
    s = await openSession(chromium.path!);
    const { dir } = await prepareQuickDemoFolder(s.app, ['fabric', 'metal']);
    await callApi(s.app, 'projects.open', { dir });
    const masked = async (category: string) =>
      (await callApi<{ items: Item[] }>(s.app, 'datasets.images', { category, labels: ['defect'], hasMask: true, limit: 1000 })).items.map((i) => i.id);
    // Metal's defects lose their masks: confirmed but unmasked, nothing to learn from yet.
    for (const imageId of await masked('metal')) await callApi(s.app, 'datasets.deleteMask', { imageId });
    fabricDefects = await masked('fabric');
    await s.page.reload();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('shows real crops beside synthesized ones and makes a preset like the real defects', async () => {
    const { page } = s;
    expect(fabricDefects.length).toBeGreaterThan(3);
    await gotoView(page, 'synthesis');
    const panel = page.getByTestId('defect-comparison');
    await page.getByLabel('Category').selectOption({ label: `fabric — ${fabricDefects.length} masked defects` });
    const real = panel.getByTestId('real-defects').getByRole('img', { name: /^Real defect: #\d+/ });
    const synthesized = panel.getByTestId('synthesized-defects').getByRole('img', { name: /^Synthesized: #\d+/ });
    await expect.poll(() => real.count()).toBe(4);
    await expect.poll(() => synthesized.count()).toBe(4);
    expect(await panel.getByTestId('real-count').textContent()).toContain(`${fabricDefects.length} confirmed defects with masks in fabric`);
    // The crops are the category's first masked defects, in order, each a real decoded image.
    const names = await real.evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).alt));
    expect(names.map((n) => Number(/#(\d+)/.exec(n)![1]))).toEqual(fabricDefects.slice(0, 4));
    await expect.poll(() => real.first().evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);

    await panel.getByRole('button', { name: 'Like these defects' }).click();
    await page.getByText(`Made preset "like fabric" from ${fabricDefects.length} confirmed defects in fabric, and chose it.`).waitFor();
    await expect.poll(() => page.getByLabel('Preset', { exact: true }).locator('option:checked').textContent()).toBe('like fabric (yours)');
    const measured = panel.getByTestId('like-these-measured');
    for (const label of ['Defects', 'Area', 'Elongation', 'Contrast', 'Colour change', 'Edge']) expect(await measured.getByText(label, { exact: true }).count(), label).toBe(1);
    expect(await measured.textContent()).toContain(`${fabricDefects.length} measured`);
    // The synthesized row now follows the new preset.
    await panel.getByRole('heading', { name: 'Synthesized: "like fabric"' }).waitFor();
    await expect.poll(() => synthesized.count()).toBe(4);
    const preset = (await callApi<{ name: string; builtin: boolean }[]>(s.app, 'synthesis.listPresets', {})).find((p) => p.name === 'like fabric');
    expect(preset).toMatchObject({ builtin: false });
    await page.waitForTimeout(300); // the outlines are drawn once the images decode
    const file = await s.screenshot('synthesis-like-these');
    if (process.env.UPDATE_SCREENSHOTS === '1') fs.copyFileSync(file, path.join(DOCS_SCREENSHOTS, 'synthesis.png'));
  });

  it('disables "Like these defects" where the defects have no masks, saying why', async () => {
    const { page } = s;
    const panel = page.getByTestId('defect-comparison');
    await page.getByLabel('Category').selectOption({ label: 'metal — 0 masked defects' });
    await panel.getByTestId('like-these-blocked').filter({ hasText: 'No confirmed defects with masks in metal; mask them in Review.' }).waitFor();
    expect(await panel.getByRole('button', { name: 'Like these defects' }).isDisabled()).toBe(true);
    expect(await panel.getByTestId('real-defects').getByRole('img').count()).toBe(0);
    expect(await panel.getByTestId('like-these-measured').count()).toBe(0);
  });
});
