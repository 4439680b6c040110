// Electron glue: one window on the built renderer, the contract served over IPC. Security hardening (CSP,
// navigation, permissions, the project file protocol) lives in small modules beside this file.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app as electronApp, BrowserWindow, ipcMain } from 'electron';
import { AppContext } from './context.js';
import { registerIpc } from './transport/ipc.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rendererIndex = path.join(root, 'renderer', 'dist', 'index.html');
const preload = path.join(root, 'build', 'electron', 'preload.cjs');

async function createWindow(ctx: AppContext): Promise<BrowserWindow> {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Flowspect',
    webPreferences: { preload, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true },
  });
  const trustedUrl = new URL(`file://${rendererIndex}`).href;
  registerIpc(ipcMain, ctx, {
    isTrustedSender: (e) => (e.senderFrame?.url ?? '').split('#')[0] === trustedUrl,
    sinks: () => BrowserWindow.getAllWindows().map((w) => w.webContents),
  });
  await win.loadFile(rendererIndex);
  return win;
}

electronApp.whenReady().then(async () => {
  const ctx = new AppContext(electronApp.getPath('userData'));
  await createWindow(ctx);
  electronApp.on('window-all-closed', () => {
    void ctx.dispose().finally(() => electronApp.quit());
  });
});
