import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium, openSession, type Session } from './browser.js';

const chromium = findChromium();
if (!chromium.path) {
  const message = `\n!!! E2E SUITE SKIPPED: ${chromium.reason} !!!\n`;
  if (process.env.REQUIRE_E2E === '1') throw new Error(`REQUIRE_E2E=1 but ${chromium.reason}`);
  console.warn(message);
}

describe.skipIf(!chromium.path)('projects in the browser (serve mode)', () => {
  let s: Session;
  beforeAll(async () => {
    s = await openSession(chromium.path!);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('creates a project and sees it listed among recent projects', async () => {
    const { page } = s;
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    expect(page.url()).not.toContain('token='); // the token is dropped from the address bar
    const dir = path.join(s.workDir, 'line-3');
    await page.getByLabel('Folder', { exact: true }).first().fill(dir);
    await page.getByLabel('Name (optional)').fill('Line 3 housings');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('region', { name: 'Open project' }).getByText('Open: Line 3 housings').waitFor();
    const rows = page.getByTestId('recent-project');
    await rows.first().waitFor();
    expect(await rows.first().textContent()).toContain('Line 3 housings');
    expect(await page.locator('nav .project').textContent()).toContain('Line 3 housings');
    await s.screenshot('projects');
  });

  it('shows a backend error in place', async () => {
    const { page } = s;
    await page.getByLabel('Folder', { exact: true }).nth(1).fill(path.join(s.workDir, 'does-not-exist'));
    await page.getByRole('button', { name: 'Open', exact: true }).first().click();
    await page.getByRole('alert').filter({ hasText: 'is not a Flowspect project' }).waitFor();
  });

  it('refuses bad project folders in place, naming the path and the reason, and creates nothing', async () => {
    const { page } = s;
    const fs = await import('node:fs');
    const images = path.join(s.workDir, 'source-images');
    fs.mkdirSync(images);
    fs.writeFileSync(path.join(images, 'part-001.png'), 'x');
    const file = path.join(s.workDir, 'notes.txt');
    fs.writeFileSync(file, 'x');
    const cases: [string, RegExp][] = [
      ['/proc/nope', /cannot create the project folder \/proc\/nope: .*ENOENT/],
      ['line-3', /"line-3" is (a )?relative/],
      [images, new RegExp(`${images.replace(/[/.]/g, '\\$&')} is not empty \\(part-001\\.png\\)`)],
      [file, /notes\.txt is a file, not a folder/],
    ];
    const folder = page.getByLabel('Folder', { exact: true }).first();
    for (const [dir, message] of cases) {
      await folder.fill(dir);
      await page.getByRole('button', { name: 'Create project' }).click();
      await page.getByRole('alert').filter({ hasText: message }).waitFor({ timeout: 10_000 });
      expect(await page.getByRole('alert').count()).toBe(1);
    }
    expect(fs.readdirSync(images)).toEqual(['part-001.png']);
    expect(fs.existsSync('/proc/nope')).toBe(false);
    // The project opened before is still the open one.
    expect(await page.locator('nav .project').textContent()).toContain('Line 3 housings');
  });
});
