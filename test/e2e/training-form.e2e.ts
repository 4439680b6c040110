import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium, gotoView, openSession, type Session } from './browser.js';
import { callApi, prepareQuickDemoFolder } from './demo-project.js';

/**
 * From tuning synthetic defects to a model, in the UI only: a preset tuned and saved in the Synthesis view is
 * handed to the Training form ("Train with …"), the trained model records it; the form's words are plain; and
 * "Start training" and the live progress stay in the window however far the long form is scrolled.
 */
const chromium = findChromium();
if (!chromium.path && process.env.REQUIRE_E2E === '1') throw new Error(`REQUIRE_E2E=1 but ${chromium.reason}`);
if (!chromium.path) console.warn(`\n!!! E2E TRAINING FORM SKIPPED: ${chromium.reason} !!!\n`);

describe.skipIf(!chromium.path)('the Training form (serve mode, Chromium)', () => {
  let s: Session;
  beforeAll(async () => {
    s = await openSession(chromium.path!);
    const { dir } = await prepareQuickDemoFolder(s.app);
    await callApi(s.app, 'projects.open', { dir });
    await s.page.reload();
  });
  afterAll(async () => {
    await s?.close();
  });

  /** Where an element is in the window: fully inside it or not. */
  const inWindow = async (locator: ReturnType<Session['page']['locator']>): Promise<boolean> => {
    const box = (await locator.boundingBox())!;
    const height = s.page.viewportSize()!.height;
    return box.y >= 0 && box.y + box.height <= height;
  };

  it('explains the synthesis shapes in plain words, and hands a tuned, saved preset to Training', async () => {
    const { page } = s;
    await gotoView(page, 'synthesis');
    await page.getByLabel('Preset', { exact: true }).selectOption({ label: 'stain' });
    const form = page.getByTestId('param-form');
    await form.getByText(/^— an irregular blob: Perlin noise/).first().waitFor();
    expect(await page.getByText(/irregular blobs \(shaped by Perlin noise/).count()).toBe(1);

    // Tuned: the edits must be saved before they can train a model.
    await page.getByLabel('Border Margin', { exact: true }).fill('0.05');
    await page.getByLabel('Border Margin', { exact: true }).press('Tab');
    await page.getByTestId('train-needs-save').waitFor();
    expect(await page.getByRole('button', { name: 'Train with "stain"' }).isDisabled()).toBe(true);
    await page.getByLabel('New preset name').fill('line-3-stains');
    await page.getByRole('button', { name: 'Save as preset' }).click();
    await page.getByText('Saved preset "line-3-stains".').waitFor();
    await page.getByRole('button', { name: 'Train with "line-3-stains"' }).click();

    await page.getByRole('heading', { level: 1, name: 'Training' }).waitFor();
    const preset = page.getByLabel('Synthetic defects (synthesis preset)');
    await expect.poll(() => preset.inputValue()).toBe('line-3-stains');
  });

  it('names the objective’s weights in plain words, with the term beside them', async () => {
    const { page } = s;
    const weights = page.getByRole('group', { name: /How much each training goal counts/ });
    for (const [words, term] of [
      ['Normal texture around a defect stays normal', 'unmasked'],
      ['Defects score clearly above their clean twin', 'margin'],
      ['Good parts look alike', 'pull'],
      ['Tell good from defective images', 'ce, cross-entropy'],
    ]) {
      const input = weights.getByLabel(new RegExp(`^${words} ${term}$`));
      expect(await input.count(), words).toBe(1);
      expect(await input.getAttribute('type')).toBe('number');
    }
    expect(await weights.textContent()).not.toMatch(/\bλ weights \(the clean NLL/);
  });

  it('keeps Start training and the live progress in the window while the form scrolls; the model records the preset', async () => {
    const { page } = s;
    const start = page.getByRole('button', { name: 'Start training' });
    // At the top of the page, the button at the end of the long form is already in view.
    await page.evaluate(() => window.scrollTo(0, 0));
    expect(await inWindow(start)).toBe(true);

    await page.getByLabel('Image size (px)').fill('64');
    await page.getByLabel('Batch size').fill('4');
    await page.getByLabel('Epochs').fill('1');
    await page.getByLabel('Max steps (optional)').fill('6');
    await page.getByLabel('Flow steps per scale').fill('2');
    await start.click();
    const progress = page.getByTestId('job-progress');
    await progress.waitFor();

    // Scrolled to the end of the form, the progress is still on screen (and so is the button).
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(0);
    expect(await inWindow(progress)).toBe(true);
    expect(await inWindow(start)).toBe(true);
    await s.screenshot('training-form-scrolled', { fullPage: false });

    await expect.poll(() => progress.getAttribute('data-status'), { timeout: 240_000, interval: 1000 }).toMatch(/succeeded|failed|cancelled/);
    expect(await progress.getAttribute('data-status'), (await progress.textContent()) ?? '').toBe('succeeded');
    const models = await callApi<{ id: number; config: { settings: { presets: string[] } } }[]>(s.app, 'models.list', {});
    expect(models).toHaveLength(1);
    expect(models[0]!.config.settings.presets).toEqual(['line-3-stains']);
  });

  it('trains a tiled model that learns where each tile lies when asked (tiling.position)', async () => {
    const { page } = s;
    expect(await page.getByTestId('train-tile-position').count()).toBe(0); // only offered with tiling
    await page.getByTestId('train-tiling').check();
    await page.getByTestId('train-tile-overlap').fill('0');
    await page.getByLabel('Learn where each tile lies (parts that always sit the same way)').check();
    await page.getByTestId('train-tile-position').scrollIntoViewIfNeeded();
    await s.screenshot('training-form-tile-position', { fullPage: false });
    await page.getByRole('button', { name: 'Start training' }).click();
    type Listed = { id: number; status: string; config: { settings: { tiling?: unknown } } };
    const second = async () => (await callApi<Listed[]>(s.app, 'models.list', {})).find((m) => m.config.settings.tiling !== undefined);
    await expect.poll(async () => (await second())?.status, { timeout: 240_000, interval: 1000 }).toMatch(/ready|failed|cancelled/);
    const model = (await second())!;
    expect(model.status, await page.getByTestId('job-progress').textContent() ?? '').toBe('ready');
    expect(model.config.settings.tiling).toEqual({ size: 64, overlap: 0, position: true });
  });
});
