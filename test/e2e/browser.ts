import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AppContext } from '../../app/context.js';
import { CHROMIUM_FLAGS } from '../../app/report/pdf.js';
import { startServer, type RunningServer } from '../../app/transport/http.js';
import { tempDir } from '../helpers.js';

export const RESULTS_DIR = fileURLToPath(new URL('../../test-results', import.meta.url));
const DIST = fileURLToPath(new URL('../../renderer/dist', import.meta.url));

/** Where Chromium is, or why the suite cannot run. REQUIRE_E2E=1 (CI) turns a skip into a failure. */
export function findChromium(): { path?: string; reason?: string } {
  const candidate = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(candidate)) return { reason: `no Chromium at ${candidate} (install Debian's chromium or set CHROMIUM_PATH)` };
  if (!fs.existsSync(path.join(DIST, 'index.html'))) return { reason: 'the renderer is not built: run `npm run build:renderer`' };
  return { path: candidate };
}

export interface Session {
  readonly app: AppContext;
  readonly server: RunningServer;
  readonly browser: Browser;
  readonly page: Page;
  readonly workDir: string;
  /** A PNG under test-results/; the whole page unless `fullPage: false` (the window only: dialogs over the view). */
  screenshot(name: string, options?: { fullPage?: boolean }): Promise<string>;
  close(): Promise<void>;
}

/** Serve mode in this process + a fresh Chromium profile. */
export async function openSession(executablePath: string): Promise<Session> {
  const t = tempDir('flowspect-e2e-');
  const app = new AppContext(path.join(t.dir, 'user-data'), { logToFile: false });
  const server = await startServer({ app, port: 0, staticDir: DIST });
  // playwright-core gives every launch a fresh, empty profile folder of its own.
  const browser = await chromium.launch({ executablePath, args: [...CHROMIUM_FLAGS] });
  const page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(server.url);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  return {
    app,
    server,
    browser,
    page,
    workDir: t.dir,
    async screenshot(name, options = {}) {
      const file = path.join(RESULTS_DIR, `${name}.png`);
      await page.screenshot({ path: file, fullPage: options.fullPage ?? true });
      return file;
    },
    async close() {
      await browser.close();
      await server.close();
      await app.dispose();
      t.cleanup();
      if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    },
  };
}

/** Opens a view from the navigation and waits for its heading (the views' common entrance in every journey). */
export async function gotoView(page: Session['page'], name: string): Promise<void> {
  await page.locator(`nav button[data-view="${name}"]`).click();
  await page.getByRole('heading', { level: 1, name: new RegExp(`^${name}$`, 'i') }).waitFor();
}
