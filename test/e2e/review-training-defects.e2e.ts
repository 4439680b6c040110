import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { findChromium, gotoView, openSession, RESULTS_DIR, type Session } from './browser.js';
import { callApi, prepareQuickDemoFolder, trainAndScore } from './demo-project.js';

/**
 * Learning from confirmed defects in Review (issue 23), in Chromium: a defect without a mask gets one from its
 * anomaly map, becomes a training defect (tagged in the list, undoable), and "Retrain with confirmed defects and
 * false alarms" trains and scores a new tiny model and shows old vs new on the same held-out images.
 */
const chromium = findChromium();
if (!chromium.path && process.env.REQUIRE_E2E === '1') throw new Error(`REQUIRE_E2E=1 but ${chromium.reason}`);
if (!chromium.path) console.warn(`\n!!! E2E REVIEW TRAINING DEFECTS SKIPPED: ${chromium.reason} !!!\n`);

interface Result {
  id: number;
  imageId: number;
  label: string;
  split: string;
  verdict: string;
  review: string | null;
}

describe.skipIf(!chromium.path)('Review: use confirmed defects for training and retrain (serve mode, Chromium)', () => {
  let s: Session;
  let modelId = 0;
  let defect: Result;
  let index = 0;
  beforeAll(async () => {
    s = await openSession(chromium.path!);
    const { dir } = await prepareQuickDemoFolder(s.app);
    await callApi(s.app, 'projects.open', { dir });
    ({ modelId } = await trainAndScore(s.app, 'fabric', 'png'));
    // The highest-scoring defect, its imported mask removed so Review offers the map's.
    const { items } = await callApi<{ items: Result[] }>(s.app, 'results.list', { modelId, sort: 'score_desc', limit: 1000 });
    index = items.findIndex((r) => r.label === 'defect');
    defect = items[index]!;
    await callApi(s.app, 'datasets.deleteMask', { imageId: defect.imageId });
    await s.page.reload();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('masks a defect from its map, makes it a training defect (with undo), and compares the retrained model', async () => {
    const { page } = s;
    await gotoView(page, 'review');
    await page.locator(`ol.results li[data-index="${index}"] button`).click();
    const panel = page.getByTestId('training-defect');
    await expect.poll(() => panel.getAttribute('data-state')).toBe('candidate');
    const use = panel.getByRole('button', { name: 'Use for training' });
    expect(await use.isDisabled()).toBe(true); // no mask yet: training would refuse it

    await panel.getByRole('button', { name: 'Mask from the map' }).click();
    await page.getByRole('status').filter({ hasText: 'Mask from the map:' }).waitFor();
    const image = await callApi<{ masks: { kind: string; format: string }[] }>(s.app, 'datasets.image', { id: defect.imageId });
    expect(image.masks).toEqual([expect.objectContaining({ kind: 'defect', format: 'png' })]);

    await use.click();
    await expect.poll(() => panel.getAttribute('data-state')).toBe('training');
    const row = page.locator(`ol.results li[data-index="${index}"]`);
    expect(await row.getByTestId('training-tag').textContent()).toBe('training defect');
    expect(await callApi<{ split: string }>(s.app, 'datasets.image', { id: defect.imageId })).toMatchObject({ split: 'train', label: 'defect' });

    // Undo puts it back on the held-out test split; use it again.
    await panel.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => panel.getAttribute('data-state')).toBe('candidate');
    expect(await row.getByTestId('training-tag').count()).toBe(0);
    await panel.getByRole('button', { name: 'Use for training' }).click();
    await expect.poll(() => panel.getAttribute('data-state')).toBe('training');
    expect(await page.getByTestId('learn-counts').textContent()).toContain('1 training defect');

    await page.getByRole('button', { name: 'Retrain with confirmed defects and false alarms' }).click();
    const table = page.getByTestId('retrain-comparison');
    await table.waitFor({ timeout: 240_000 });
    const caption = (await table.locator('caption').textContent())!;
    const shared = Number(/same (\d+) held-out test images/.exec(caption)?.[1]);
    const rows = await table.locator('tbody tr').allTextContents();
    expect(rows[0]).toMatch(/^image AUROC\s*\d\.\d{4}\s*\d\.\d{4}$/);
    expect(rows).toHaveLength(7);
    await page.screenshot({ path: path.join(RESULTS_DIR, 'review-retrain-comparison.png'), fullPage: true });

    // The new model was trained with the same settings and scored on the test split, which no longer holds the
    // training defect: the comparison is over the test images both scored.
    const models = await callApi<{ id: number; name: string }[]>(s.app, 'models.list', { status: 'ready' });
    const fresh = models.find((m) => m.id !== modelId)!;
    expect(fresh.name).toBe('tiny + confirmed defects and false alarms');
    const scored = await callApi<{ items: Result[] }>(s.app, 'results.list', { modelId: fresh.id, split: 'test', limit: 1000 });
    expect(scored.items.map((r) => r.imageId)).not.toContain(defect.imageId);
    expect(shared).toBe(scored.items.filter((r) => r.label === 'good' || r.label === 'defect').length);
  });
});
