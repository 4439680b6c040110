// The main process and the preload, imported for real with only Electron itself replaced by a recorder
// (the Electron runtime cannot run in CI). Everything behind it — AppContext, SQLite, the protocols — is real.
import fs from 'node:fs';
import path from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import { afterAll, describe, expect, it, vi } from 'vitest';

const electron = vi.hoisted(() => {
  const root = require('node:fs').mkdtempSync(require('node:path').join(require('node:os').tmpdir(), 'flowspect-main-'));
  const state = {
    root,
    lock: true,
    calls: [] as string[],
    appListeners: new Map<string, (...args: unknown[]) => unknown>(),
    handlers: new Map<string, (request: { url: string; method: string; headers: Headers }) => Promise<Response>>(),
    ipc: new Map<string, (event: unknown, ...args: unknown[]) => unknown>(),
    privileged: [] as Array<{ scheme: string; privileges?: Record<string, boolean> }>,
    windows: [] as Array<{ options: Record<string, unknown>; loaded: string[] }>,
    template: [] as MenuItemConstructorOptions[],
    permissionRequest: null as null | ((...a: unknown[]) => void),
    beforeRequest: null as null | ((...a: unknown[]) => void),
    exposed: new Map<string, unknown>(),
    rendererCalls: [] as unknown[][],
  };
  return state;
});

vi.mock('electron', () => {
  const s = electron;
  class BrowserWindow {
    static getAllWindows = () => [];
    readonly webContents = { send: () => {}, reload: () => {} };
    readonly loaded: string[] = [];
    constructor(options: Record<string, unknown>) {
      s.calls.push('BrowserWindow');
      s.windows.push({ options, loaded: this.loaded });
    }
    once() {}
    on() {}
    show() {}
    async loadURL(url: string) {
      this.loaded.push(url);
    }
  }
  const app = {
    requestSingleInstanceLock: () => s.lock,
    quit: () => void s.calls.push('quit'),
    exit: () => void s.calls.push('exit'),
    enableSandbox: () => void s.calls.push('enableSandbox'),
    on: (name: string, listener: (...args: unknown[]) => unknown) => void s.appListeners.set(name, listener),
    whenReady: () => {
      s.calls.push('whenReady');
      return Promise.resolve();
    },
    getPath: (name: string) => path.join(s.root, name),
    isPackaged: false,
  };
  return {
    app,
    BrowserWindow,
    dialog: { showErrorBox: (...a: unknown[]) => void s.calls.push(`errorBox ${String(a[1])}`) },
    shell: {},
    ipcMain: {
      handle: (channel: string, fn: (event: unknown, ...args: unknown[]) => unknown) => void s.ipc.set(channel, fn),
      removeHandler: (channel: string) => void s.ipc.delete(channel),
    },
    Menu: {
      buildFromTemplate: (template: MenuItemConstructorOptions[]) => {
        s.template = template;
        return template;
      },
      setApplicationMenu: () => void s.calls.push('setApplicationMenu'),
    },
    protocol: {
      registerSchemesAsPrivileged: (schemes: typeof s.privileged) => {
        s.calls.push('registerSchemesAsPrivileged');
        s.privileged = schemes;
      },
      handle: (scheme: string, handler: (typeof s.handlers extends Map<string, infer H> ? H : never)) => void s.handlers.set(scheme, handler),
    },
    session: {
      fromPartition: (name: string) => ({
        webRequest: {
          onBeforeRequest: (filter: { urls: string[] }) => void s.calls.push(`partition ${name} onBeforeRequest ${filter.urls.join(' ')}`),
        },
      }),
      defaultSession: {
        setPermissionRequestHandler: (h: (...a: unknown[]) => void) => void (s.permissionRequest = h),
        setPermissionCheckHandler: () => {},
        setDevicePermissionHandler: () => {},
        webRequest: {
          onBeforeRequest: (filter: { urls: string[] }, listener: (...a: unknown[]) => void) => {
            s.calls.push(`onBeforeRequest ${filter.urls.join(' ')}`);
            s.beforeRequest = listener;
          },
        },
      },
    },
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => void s.exposed.set(key, api) },
    ipcRenderer: {
      invoke: async (...args: unknown[]) => {
        s.rendererCalls.push(['invoke', ...args]);
        return { ok: true, result: null };
      },
      on: (...args: unknown[]) => void s.rendererCalls.push(['on', ...args]),
      off: (...args: unknown[]) => void s.rendererCalls.push(['off', ...args]),
    },
  };
});

vi.mock('../../app/electron/paths.js', async (original) => {
  const real = await original<typeof import('../../app/electron/paths.js')>();
  const renderer = path.join(electron.root, 'renderer');
  fs.mkdirSync(renderer, { recursive: true });
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>Flowspect</title>');
  fs.writeFileSync(path.join(electron.root, 'preload.cjs'), '');
  return { ...real, RENDERER_DIR: renderer, PRELOAD_FILE: path.join(electron.root, 'preload.cjs') };
});

afterAll(() => fs.rmSync(electron.root, { recursive: true, force: true }));

const request = (url: string) => ({ url, method: 'GET', headers: new Headers() });

describe('main process', () => {
  it('privileges its schemes and forces the sandbox before ready, then opens one hardened window on app://', async () => {
    await import('../../app/main.js');
    await vi.waitFor(() => expect(electron.windows[0]?.loaded).toEqual(['app://flowspect/index.html']));
    const order = electron.calls;
    expect(order.indexOf('registerSchemesAsPrivileged')).toBeLessThan(order.indexOf('whenReady'));
    expect(order.indexOf('enableSandbox')).toBeLessThan(order.indexOf('whenReady'));
    expect(electron.privileged.map((p) => p.scheme)).toEqual(['app', 'flowspect-file']);
    expect(electron.windows).toHaveLength(1);
    expect(electron.windows[0]!.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, preload: path.join(electron.root, 'preload.cjs') });
    expect(order).toContain('setApplicationMenu');
    expect(electron.template.map((m) => m.label ?? m.role)).toEqual(expect.arrayContaining(['&File', '&View', '&Help']));
  });

  it('serves the renderer with the CSP header, denies permission requests and cancels requests leaving the app', async () => {
    const page = await electron.handlers.get('app')!(request('app://flowspect/index.html'));
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const answer = vi.fn();
    electron.permissionRequest!({}, 'media', answer, {});
    expect(answer).toHaveBeenCalledWith(false);
    expect(electron.calls).toContain('onBeforeRequest http://*/* https://*/* ws://*/* wss://*/* ftp://*/* file:///*');
    // Reports print in a session of their own that may read the temporary report file but not the network.
    expect(electron.calls).toContain('partition flowspect-print onBeforeRequest http://*/* https://*/* ws://*/* wss://*/* ftp://*/*');
    const decide = vi.fn();
    electron.beforeRequest!({ url: 'https://evil.example/x.js' }, decide);
    expect(decide).toHaveBeenCalledWith({ cancel: true });
  });

  it('answers the contract over IPC only for the app’s own frames, and serves the open project’s files', async () => {
    const invoke = electron.ipc.get('flowspect:invoke')!;
    expect(await invoke({ senderFrame: { url: 'https://evil.example/' } }, { method: 'app.info', params: {} })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await invoke({ senderFrame: null }, { method: 'app.info', params: {} })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const trusted = { senderFrame: { url: 'app://flowspect/index.html' } };
    expect(await invoke(trusted, { method: 'app.info', params: {} })).toMatchObject({ ok: true, result: { transport: 'ipc' } });
    expect(await invoke(trusted, { method: 'projects.create', params: { dir: 42 } })).toMatchObject({ ok: false, error: { code: 'invalid_request' } });

    const files = electron.handlers.get('flowspect-file')!;
    expect((await files(request('flowspect-file://project/thumbnails/a.png'))).status).toBe(409);
    const dir = path.join(electron.root, 'project');
    expect(await invoke(trusted, { method: 'projects.create', params: { dir, name: 'P' } })).toMatchObject({ ok: true });
    fs.writeFileSync(path.join(dir, 'thumbnails', 'a.png'), 'png');
    const ok = await files(request('flowspect-file://project/thumbnails/a.png'));
    expect([ok.status, ok.headers.get('content-type'), await ok.text()]).toEqual([200, 'image/png', 'png']);
    expect((await files(request('flowspect-file://project/..%2f..%2fetc%2fpasswd'))).status).toBe(403);
  });

  it('guards every web contents the app creates', () => {
    const setWindowOpenHandler = vi.fn();
    const on = vi.fn();
    electron.appListeners.get('web-contents-created')!({}, { on, setWindowOpenHandler });
    expect(setWindowOpenHandler).toHaveBeenCalled();
    expect(on.mock.calls.map((c) => c[0])).toEqual(expect.arrayContaining(['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview']));
  });

  it('a second instance quits without opening a window', async () => {
    electron.appListeners.get('window-all-closed')!(); // dispose the first instance's context
    await vi.waitFor(() => expect(electron.calls).toContain('quit'));
    vi.resetModules();
    electron.lock = false;
    electron.calls.length = 0;
    electron.windows.length = 0;
    await import('../../app/main.js');
    expect(electron.calls).toContain('quit');
    expect(electron.calls).not.toContain('whenReady');
    expect(electron.windows).toHaveLength(0);
  });
});

describe('preload', () => {
  it('exposes exactly one object with invoke and subscribe over the contract’s two channels', async () => {
    await import('../../app/preload.js');
    const bridge = electron.exposed.get('flowspect') as { invoke: (m: string, p: unknown) => Promise<unknown>; subscribe: (l: () => void) => () => void };
    expect([...electron.exposed.keys()]).toEqual(['flowspect']);
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'subscribe']);
    await bridge.invoke('app.info', { a: 1 });
    expect(electron.rendererCalls[0]).toEqual(['invoke', 'flowspect:invoke', { method: 'app.info', params: { a: 1 } }]);
    const unsubscribe = bridge.subscribe(() => {});
    unsubscribe();
    expect(electron.rendererCalls.slice(1).map((c) => [c[0], c[1]])).toEqual([
      ['on', 'flowspect:event'],
      ['off', 'flowspect:event'],
    ]);
  });
});
