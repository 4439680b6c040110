import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium, openSession, type Session } from './browser.js';
import { callApi } from './demo-project.js';

/** The Dataset view of a new project: importing (and what an import that finds nothing says), in Chromium. */
const chromium = findChromium();
if (!chromium.path && process.env.REQUIRE_E2E === '1') throw new Error(`REQUIRE_E2E=1 but ${chromium.reason}`);
if (!chromium.path) console.warn(`\n!!! E2E DATASET SKIPPED: ${chromium.reason} !!!\n`);

describe.skipIf(!chromium.path)('importing in the Dataset view (serve mode, Chromium)', () => {
  let s: Session;
  const folder = (name: string, files: Record<string, string> = {}): string => {
    const dir = path.join(s.workDir, name);
    fs.mkdirSync(dir, { recursive: true });
    for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), text);
    return dir;
  };
  beforeAll(async () => {
    s = await openSession(chromium.path!);
    await callApi(s.app, 'projects.create', { dir: path.join(s.workDir, 'project'), name: 'Line 5' });
    await s.page.reload();
    await s.page.locator('nav button[data-view="dataset"]').click();
    await s.page.getByRole('heading', { level: 1, name: 'Dataset' }).waitFor();
  });
  afterAll(async () => {
    await s?.close();
  });

  const dialog = () => s.page.getByRole('dialog', { name: 'Import images' });
  const importFrom = async (dir: string) => {
    await dialog().getByLabel('Source folder').fill(dir);
    await dialog().getByRole('button', { name: 'Start import' }).click();
  };

  it('a new project’s Dataset view says it has no images and offers Import… in its place', async () => {
    const empty = s.page.getByTestId('dataset-empty');
    await empty.waitFor();
    expect(await empty.getByRole('heading').textContent()).toBe('No images in this project yet');
    expect(await s.page.getByTestId('virtual-grid').count()).toBe(0);
  });

  it('says an empty folder, or one without images, imported nothing — and lists what it skipped', async () => {
    const { page } = s;
    await page.getByTestId('dataset-empty').getByRole('button', { name: 'Import…' }).click();
    await importFrom(folder('empty'));
    const report = dialog().getByTestId('import-report');
    await report.waitFor({ timeout: 30_000 });
    expect(await report.getAttribute('data-level')).toBe('error');
    expect(await report.getByRole('alert').textContent()).toMatch(/^No images found in .*empty: nothing was imported — the folder holds no files\.$/);

    const docs = folder('docs', { 'README.md': '# parts', 'labels.csv': 'file,label\n' });
    await importFrom(docs);
    await report.filter({ hasText: 'docs' }).waitFor();
    expect(await report.getAttribute('data-level')).toBe('error');
    expect(await report.getByRole('alert').textContent()).toContain('2 files skipped (listed below)');
    const rows = await report.getByTestId('import-problem').allTextContents();
    expect(rows).toHaveLength(2);
    expect(rows.join('\n')).toMatch(/README\.md\s*skipped\s*unsupported format \(\.md\)/);
    expect(rows.join('\n')).toMatch(/labels\.csv\s*skipped\s*unsupported format \(\.csv\)/);
    await s.screenshot('import-nothing', { fullPage: false });
  });

  it('after a failed start, a corrected folder can be imported; the error is shown once; Esc closes', async () => {
    const { page } = s;
    await importFrom(path.join(s.workDir, 'no-such-folder'));
    await dialog().getByRole('alert').first().waitFor();
    expect(await dialog().getByRole('alert').count()).toBe(1);
    expect(await page.getByRole('alert').count()).toBe(1);
    const good = folder('parts');
    // The same gradient part three times, one pixel different each time: three files, one look (near-duplicates).
    for (const k of [0, 1, 2]) {
      const px = Buffer.alloc(64 * 64 * 3);
      for (let i = 0; i < 64 * 64; i++) px.fill(((i % 64) * 4 + Math.floor(i / 64)) & 255, i * 3, i * 3 + 3);
      px[k * 3] = 255 - px[k * 3]!;
      await sharp(px, { raw: { width: 64, height: 64, channels: 3 } }).png().toFile(path.join(good, `part-${k}.png`));
    }
    await dialog().getByLabel('Source folder').fill(good);
    const start = dialog().getByRole('button', { name: 'Start import' });
    expect(await start.isEnabled()).toBe(true);
    await start.click();
    const report = dialog().getByTestId('import-report');
    await report.and(page.locator('[data-level="ok"]')).waitFor({ timeout: 30_000 });
    expect(await report.getByRole('status').textContent()).toBe('Imported 3 images.');
    expect(await dialog().getByRole('alert').count()).toBe(0);
    await page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'detached' });
    await page.getByTestId('match-count').filter({ hasText: '3 images match' }).waitFor();
    expect(await page.getByTestId('dataset-empty').count()).toBe(0);
  });

  it('Ctrl+Z after a bulk label undoes it wherever the focus is, but not while typing in a field', async () => {
    const { page } = s;
    const label = (name: string) => s.app.project().db.prepare('SELECT label FROM images WHERE original_path = ?').pluck().get(name);
    const ignoreFirst = async () => {
      await page.getByTestId('thumb').first().click();
      await page.getByTestId('selected-count').filter({ hasText: '1 selected' }).waitFor();
      await page.getByRole('button', { name: 'Ignore', exact: true }).click();
      await page.getByText('Labelled ignore: 1 image changed. Undo with Ctrl+Z.').waitFor();
    };
    const name = (await page.getByTestId('thumb').first().getAttribute('title'))!;
    await ignoreFirst();
    expect(label(name)).toBe('ignore');
    // The click on "Ignore" took the focus out of the grid (the button, disabled while busy, drops it to the page).
    expect(await page.evaluate(() => !!document.activeElement?.closest('[data-testid="virtual-grid"]'))).toBe(false);
    await page.keyboard.press('Control+z');
    await page.getByText(/^Undone: .*\(1 image restored\)$/).waitFor();
    expect(label(name)).toBe('good');

    // In the search field Ctrl+Z is the field's own undo: the label stays.
    await ignoreFirst();
    const search = page.getByLabel('Search');
    await search.fill('part');
    await search.press('Control+z');
    await page.getByTestId('match-count').waitFor();
    expect(await page.getByText(/^Undone:/).count()).toBe(0);
    expect(label(name)).toBe('ignore');
    await search.fill('');
    // With the focus nowhere in particular (the page itself), it undoes.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('Control+z');
    await page.getByText(/^Undone: .*\(1 image restored\)$/).waitFor();
    expect(label(name)).toBe('good');
  });

  it('Curation groups the near-duplicates and ranks the good images by appearance; exclude is one click', async () => {
    const { page } = s;
    // The three parts imported above are one look in three files.
    await page.locator('nav button[data-view="curation"]').click();
    await page.getByRole('heading', { level: 1, name: 'Curation' }).waitFor();
    const group = page.getByTestId('duplicate-group');
    await group.first().waitFor();
    expect(await page.getByTestId('duplicate-count').textContent()).toContain('1 group of images');
    expect(await page.getByTestId('unusual-by').textContent()).toContain('ranked by appearance');
    await s.screenshot('curation-appearance');
    await group.getByRole('button', { name: /Keep the first, exclude 2/ }).click();
    await page.getByRole('status').filter({ hasText: 'Excluded 2 images' }).waitFor();
    const labels = s.app.project().db.prepare("SELECT original_path AS name, label FROM images WHERE original_path LIKE 'part-%' ORDER BY original_path").all();
    expect(labels).toEqual([
      { name: 'part-0.png', label: 'good' },
      { name: 'part-1.png', label: 'ignore' },
      { name: 'part-2.png', label: 'ignore' },
    ]);
  });
});
