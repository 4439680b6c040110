import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ReportError } from './errors.js';

/**
 * Anything that turns a self-contained HTML document into PDF bytes. Headless runs (CLI, serve mode, jobs) use
 * system Chromium through playwright-core; the Electron shell supplies one built on `webContents.printToPDF`
 * ({@link electronPdfPrinter}) and registers it with {@link setMainPdfPrinter}.
 */
export interface PdfPrinter {
  readonly name: string;
  print(html: string, options?: { signal?: AbortSignal }): Promise<Uint8Array>;
}

/** Flags for a locked-down headless Chromium: no network chatter, no GPU, no first-run UI. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

export function chromiumPath(): string | null {
  const candidate = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  return fs.existsSync(candidate) ? candidate : null;
}

type Browser = Awaited<ReturnType<typeof import('playwright-core').chromium.launch>>;

async function launchChromium(executablePath: string): Promise<Browser> {
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (err) {
    throw new ReportError('unavailable', `PDF printing needs playwright-core, which is not installed (${(err as Error).message})`);
  }
  return chromium.launch({ executablePath, args: [...CHROMIUM_FLAGS] });
}

async function printWith(browser: Browser, html: string, signal?: AbortSignal): Promise<Uint8Array> {
  const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
  try {
    const page = await context.newPage();
    await page.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
    await page.setContent(html, { waitUntil: 'load', timeout: 120_000 });
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true, format: 'A4' });
    signal?.throwIfAborted();
    return new Uint8Array(pdf);
  } finally {
    await context.close().catch(() => {});
  }
}

/**
 * Prints with system Chromium, one browser per document. The page may not fetch anything: JavaScript is off, the
 * context is offline and every request other than data: is aborted.
 */
export function chromiumPdfPrinter(executablePath: string): PdfPrinter {
  return {
    name: `chromium (${executablePath})`,
    async print(html, options = {}) {
      options.signal?.throwIfAborted();
      const browser = await launchChromium(executablePath);
      const abort = () => void browser.close().catch(() => {});
      options.signal?.addEventListener('abort', abort, { once: true });
      try {
        return await printWith(browser, html, options.signal);
      } finally {
        options.signal?.removeEventListener('abort', abort);
        await browser.close().catch(() => {});
      }
    },
  };
}

/** A Chromium printer that keeps one browser for many documents (batch printing); call close() when done. */
export async function openChromiumPdfPrinter(executablePath: string): Promise<PdfPrinter & { close(): Promise<void> }> {
  const browser = await launchChromium(executablePath);
  return {
    name: `chromium (${executablePath}, shared)`,
    print: (html, options = {}) => printWith(browser, html, options.signal),
    close: () => browser.close(),
  };
}

/** The parts of an Electron BrowserWindow the printer uses (structural, so this file does not import Electron). */
export interface PrintableWindow {
  loadFile(file: string): Promise<void>;
  readonly webContents: {
    printToPDF(options: { printBackground?: boolean; preferCSSPageSize?: boolean; pageSize?: 'A4' }): Promise<Uint8Array>;
  };
  destroy(): void;
}

/**
 * A printer for the Electron main process: `createWindow` returns a hidden, sandboxed BrowserWindow with
 * JavaScript disabled (e.g. `new BrowserWindow({ show: false, webPreferences: { sandbox: true, javascript: false } })`).
 * The HTML goes through a temporary file because data: URLs are size-limited for navigation.
 */
export function electronPdfPrinter(createWindow: () => PrintableWindow): PdfPrinter {
  return {
    name: 'electron webContents.printToPDF',
    async print(html, options = {}) {
      options.signal?.throwIfAborted();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowspect-print-'));
      const file = path.join(dir, 'report.html');
      fs.writeFileSync(file, html);
      const win = createWindow();
      try {
        await win.loadFile(file);
        return await win.webContents.printToPDF({ printBackground: true, preferCSSPageSize: true, pageSize: 'A4' });
      } finally {
        win.destroy();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

let mainPrinter: PdfPrinter | null = null;

/** Called once by the Electron main process; report jobs then print there instead of launching Chromium. */
export function setMainPdfPrinter(printer: PdfPrinter | null): void {
  mainPrinter = printer;
}

export function mainPdfPrinter(): PdfPrinter | null {
  return mainPrinter;
}

/** The printer to use in this thread: the registered one, else system Chromium, else null. */
export function defaultPdfPrinter(): PdfPrinter | null {
  if (mainPrinter) return mainPrinter;
  const exe = chromiumPath();
  return exe ? chromiumPdfPrinter(exe) : null;
}

export const NO_PRINTER_MESSAGE =
  'no PDF printer is available: install Chromium (Debian: apt install chromium) or set CHROMIUM_PATH, or print from the desktop app';
