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
});
