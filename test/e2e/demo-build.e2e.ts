import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium, gotoView, openSession, type Session } from './browser.js';
import { callApi } from './demo-project.js';

/**
 * The demo build as `flowspect serve --demo` starts it on first start: the banner and the Training and Review views
 * show its progress, and "Open the demo project" follows that build instead of starting a second one. The full demo
 * is built without training (generate + import, ~half a minute), so there is a build to watch.
 */
const chromium = findChromium();
if (!chromium.path && process.env.REQUIRE_E2E === '1') throw new Error(`REQUIRE_E2E=1 but ${chromium.reason}`);
if (!chromium.path) console.warn(`\n!!! E2E DEMO BUILD SKIPPED: ${chromium.reason} !!!\n`);

describe.skipIf(!chromium.path)('the demo build in the browser (serve mode, Chromium)', () => {
  let s: Session;
  let jobId = 0;
  beforeAll(async () => {
    s = await openSession(chromium.path!);
    // As `serve --demo` does before the page loads.
    const r = await callApi<{ job: { id: number } | null }>(s.app, 'projects.openDemo', { quick: false, train: false });
    jobId = r.job!.id;
    await s.page.reload();
  });
  afterAll(async () => {
    await s?.close();
  });

  const view = (name: string) => gotoView(s.page, name);

  it('shows the running build in a banner and in the Training and Review views', async () => {
    const { page } = s;
    const banner = page.getByTestId('demo-banner');
    await banner.waitFor({ timeout: 20_000 });
    expect(await banner.textContent()).toContain('Building the demo project');
    // Progress flows in while it builds: the percentage moves and the step is named.
    await expect.poll(async () => Number((await page.getByTestId('demo-banner-percent').textContent())?.replace('%', '')), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await banner.textContent()).toMatch(/ETA .*(generate|import)/);
    await view('training');
    await page.getByTestId('demo-build-progress').waitFor();
    await view('review');
    await page.getByTestId('demo-build-progress').waitFor();
    await s.screenshot('demo-build-review');
  });

  it('"Open the demo project" follows the running build (quick or not), and the views fill in when it ends', async () => {
    const { page } = s;
    await view('projects');
    expect(await page.getByRole('checkbox', { name: /quick/ }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Open the demo project' }).click();
    await page.getByTestId('demo-banner').waitFor({ state: 'detached', timeout: 120_000 });
    const builds = await callApi<{ id: number; status: string }[]>(s.app, 'jobs.list', { kind: 'demo.create' });
    expect(builds.map((b) => [b.id, b.status])).toEqual([[jobId, 'succeeded']]);
    await page.getByRole('region', { name: 'Open project' }).getByText(/750 images/).waitFor();
    const recent = await page.getByTestId('recent-project').allTextContents();
    expect(recent.filter((r) => r.includes('Flowspect demo'))).toHaveLength(1);
    expect(await page.getByRole('alert').count()).toBe(0);
  });
});
