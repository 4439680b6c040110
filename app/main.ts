// Electron's main process: one sandboxed window on the built renderer, the contract served over IPC, project
// files over flowspect-file://. Each security rule lives in its own module under ./electron; this file wires them.
import fs from 'node:fs';
import { app as electronApp, BrowserWindow, dialog, ipcMain, Menu, protocol, session } from 'electron';
import { AppContext } from './context.js';
import { guardNavigation } from './electron/navigation.js';
import { menuActions } from './electron/menu-actions.js';
import { menuTemplate } from './electron/menu.js';
import { blockOutsideRequests, OUTSIDE_URL_PATTERNS } from './electron/network.js';
import { electronPdfPrinter, setMainPdfPrinter } from './report/pdf.js';
import { APP_ROOT, PRELOAD_FILE, RENDERER_DIR } from './electron/paths.js';
import { denyAllPermissions } from './electron/permissions.js';
import { appPageResponse, projectFileResponse } from './electron/protocol-handlers.js';
import { APP_ENTRY_URL, APP_SCHEME, FILE_SCHEME, isAppUrl, PRIVILEGED_SCHEMES } from './electron/schemes.js';
import { claimSingleInstance } from './electron/single-instance.js';
import { mainWindowOptions } from './electron/window-options.js';
import { readRecent } from './store/recent.js';
import { registerIpc } from './transport/ipc.js';

let mainWindow: BrowserWindow | null = null;

function focusMainWindow(): void {
  if (!mainWindow) return;
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.focus();
}

function reopenLastProject(ctx: AppContext): void {
  const last = readRecent(ctx.userDataDir).find((r) => r.exists);
  if (!last) return;
  try {
    ctx.openProject(last.dir);
  } catch (err) {
    ctx.log.warn(`could not reopen ${last.dir}: ${(err as Error).message}`);
  }
}

/**
 * Reports print through a hidden window of their own session: it may read the temporary report file the printer
 * writes (the main window's session refuses file://), but still nothing from the network, and runs no script.
 */
function usePrintToPdf(): void {
  const printSession = session.fromPartition('flowspect-print');
  printSession.webRequest.onBeforeRequest({ urls: OUTSIDE_URL_PATTERNS.filter((p) => !p.startsWith('file:')) }, (_details, callback) =>
    callback({ cancel: true }),
  );
  setMainPdfPrinter(
    electronPdfPrinter(() => new BrowserWindow({ show: false, webPreferences: { sandbox: true, javascript: false, session: printSession } })),
  );
}

async function start(): Promise<void> {
  for (const [what, file] of [['renderer', RENDERER_DIR], ['preload', PRELOAD_FILE]] as const) {
    if (!fs.existsSync(file)) {
      dialog.showErrorBox('Flowspect is not built', `The ${what} is missing (${file}). Run \`npm start\`, which builds it.`);
      electronApp.quit();
      return;
    }
  }
  const ctx = new AppContext(electronApp.getPath('userData'));
  denyAllPermissions(session.defaultSession, (permission) => ctx.log.warn(`denied the renderer's ${permission} permission request`));
  blockOutsideRequests(session.defaultSession, (url) => ctx.log.warn(`blocked a request to ${url}`));
  protocol.handle(APP_SCHEME, (request) => appPageResponse(request, RENDERER_DIR));
  protocol.handle(FILE_SCHEME, (request) => projectFileResponse(request, ctx.currentProject()?.dir ?? null));
  registerIpc(ipcMain, ctx, {
    isTrustedSender: (event) => isAppUrl(event.senderFrame?.url),
    sinks: () => BrowserWindow.getAllWindows().map((w) => w.webContents),
  });
  reopenLastProject(ctx);
  usePrintToPdf();

  const devTools = !electronApp.isPackaged;
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(menuActions(ctx, () => mainWindow, APP_ROOT), { platform: process.platform, devTools })));
  electronApp.on('window-all-closed', () => {
    void ctx.dispose().finally(() => electronApp.quit());
  });

  mainWindow = new BrowserWindow(mainWindowOptions(PRELOAD_FILE, { devTools }));
  mainWindow.once('ready-to-show', () => mainWindow?.show());
  mainWindow.on('closed', () => {
    mainWindow = null;
  });
  await mainWindow.loadURL(APP_ENTRY_URL);
}

// Before `ready`: the schemes must be privileged and the sandbox forced for every renderer the app ever creates.
protocol.registerSchemesAsPrivileged([...PRIVILEGED_SCHEMES]);
electronApp.enableSandbox();

if (claimSingleInstance(electronApp, focusMainWindow)) {
  electronApp.on('web-contents-created', (_event, contents) => {
    guardNavigation(contents, (what, url) => console.warn(`flowspect: blocked ${what} to ${url || '(webview)'}`));
  });
  electronApp
    .whenReady()
    .then(start)
    .catch((err: unknown) => {
      console.error('flowspect: the desktop window could not start:', err);
      dialog.showErrorBox('Flowspect could not start', err instanceof Error ? err.message : String(err));
      electronApp.exit(1);
    });
}
