import type { BrowserWindowConstructorOptions } from 'electron';

/**
 * The main window. The renderer is an untrusted web page as far as Electron is concerned: no Node, its own JS
 * world (contextIsolation), the OS sandbox, same-origin policy on, no <webview>, no insecure content. Its only
 * door to the main process is the preload's `window.flowspect` bridge.
 */
export function mainWindowOptions(preloadPath: string, options: { devTools: boolean }): BrowserWindowConstructorOptions {
  return {
    width: 1400,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    title: 'Flowspect',
    show: false, // shown on ready-to-show, so no blank frame flashes
    backgroundColor: '#1e1f22',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      enableWebSQL: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools: options.devTools,
    },
  };
}
