import { EventEmitter } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { ELECTRON_CSP } from '../../app/electron/csp.js';
import { licenceNotice } from '../../app/electron/licences.js';
import { menuTemplate, type MenuActions } from '../../app/electron/menu.js';
import { guardNavigation, type GuardedContents } from '../../app/electron/navigation.js';
import { denyAllPermissions, type PermissionSession } from '../../app/electron/permissions.js';
import { isAppUrl } from '../../app/electron/schemes.js';
import { claimSingleInstance } from '../../app/electron/single-instance.js';
import { mainWindowOptions } from '../../app/electron/window-options.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('main window options', () => {
  it('turn on every isolation flag and turn off every Node/insecure feature', () => {
    const options = mainWindowOptions('/x/preload.cjs', { devTools: false });
    expect(options.webPreferences).toMatchObject({
      preload: '/x/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      devTools: false,
    });
    expect(options.webPreferences).not.toHaveProperty('enableBlinkFeatures');
    expect(options.webPreferences).not.toHaveProperty('additionalArguments');
    expect(options.show).toBe(false);
  });
});

describe('content security policy', () => {
  const directives = new Map(ELECTRON_CSP.split(';').map((d) => {
    const [name, ...values] = d.trim().split(/\s+/);
    return [name!, values] as const;
  }));

  it('denies by default and allows scripts only from the app itself', () => {
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(ELECTRON_CSP).not.toMatch(/unsafe-eval|unsafe-hashes|wasm-unsafe|https?:|\*/);
    expect(directives.get('script-src')).not.toContain("'unsafe-inline'");
  });

  it('lets images come from the app and the project file scheme, and forbids frames, plugins, forms and <base>', () => {
    expect(directives.get('img-src')).toEqual(["'self'", 'data:', 'blob:', 'flowspect-file:']);
    expect(directives.get('connect-src')).toEqual(["'self'", 'flowspect-file:']);
    for (const d of ['frame-src', 'child-src', 'object-src', 'base-uri', 'form-action', 'frame-ancestors']) expect(directives.get(d)).toEqual(["'none'"]);
  });
});

/** A WebContents stand-in: Electron's events are EventEmitter events whose first argument can be prevented. */
function fakeContents() {
  const emitter = new EventEmitter();
  let openHandler: ((d: { url: string }) => { action: string }) | undefined;
  const contents = {
    on: (name: string, listener: (...args: unknown[]) => void) => emitter.on(name, listener),
    setWindowOpenHandler: (h: typeof openHandler) => {
      openHandler = h;
    },
  } as unknown as GuardedContents;
  const fire = (name: string, url: string): boolean => {
    let prevented = false;
    emitter.emit(name, { url, preventDefault: () => void (prevented = true) });
    return prevented;
  };
  return { contents, fire, open: (url: string) => openHandler!({ url }) };
}

describe('navigation and window.open', () => {
  it('cancels navigations, frame navigations and redirects away from the app, and keeps the app’s own', () => {
    const blocked: string[] = [];
    const f = fakeContents();
    guardNavigation(f.contents, (what, url) => blocked.push(`${what} ${url}`));
    for (const event of ['will-navigate', 'will-frame-navigate', 'will-redirect']) {
      expect(f.fire(event, 'https://evil.example/')).toBe(true);
      expect(f.fire(event, 'file:///etc/passwd')).toBe(true);
      expect(f.fire(event, 'flowspect-file://project/thumbnails/a.png')).toBe(true);
      expect(f.fire(event, 'app://flowspect.evil.example/')).toBe(true);
      expect(f.fire(event, 'app://flowspect/index.html')).toBe(false);
    }
    expect(blocked).toContain('navigation https://evil.example/');
  });

  it('denies every window.open and every <webview>', () => {
    const f = fakeContents();
    guardNavigation(f.contents);
    expect(f.open('https://evil.example/')).toEqual({ action: 'deny' });
    expect(f.open('app://flowspect/index.html')).toEqual({ action: 'deny' });
    expect(f.fire('will-attach-webview', 'app://flowspect/index.html')).toBe(true);
  });

  it('recognises only the app origin as trusted', () => {
    expect(isAppUrl('app://flowspect/index.html')).toBe(true);
    expect(isAppUrl('app://flowspect/training?x=1#y')).toBe(true);
    for (const url of ['app://flowspect:8080/', 'app://user@flowspect/', 'app://other/', 'https://flowspect/', 'file:///index.html', '', null, 'not a url']) {
      expect(isAppUrl(url)).toBe(false);
    }
  });
});

describe('permissions', () => {
  it('deny every request and every check', () => {
    let request: Parameters<PermissionSession['setPermissionRequestHandler']>[0] = null;
    let check: Parameters<PermissionSession['setPermissionCheckHandler']>[0] = null;
    let device: Parameters<PermissionSession['setDevicePermissionHandler']>[0] = null;
    const denied: string[] = [];
    denyAllPermissions(
      {
        setPermissionRequestHandler: (h) => void (request = h),
        setPermissionCheckHandler: (h) => void (check = h),
        setDevicePermissionHandler: (h) => void (device = h),
      },
      (p) => denied.push(p),
    );
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen'] as const) {
      const answer = vi.fn();
      request!({} as never, permission, answer, {} as never);
      expect(answer).toHaveBeenCalledWith(false);
      expect(check!(null, permission, 'app://flowspect', {} as never)).toBe(false);
    }
    expect(device!({} as never)).toBe(false);
    expect(denied).toContain('media');
  });
});

describe('single instance', () => {
  it('the first instance runs and focuses its window when a second starts; the second quits', () => {
    const events = new EventEmitter();
    const first = { requestSingleInstanceLock: () => true, quit: vi.fn(), on: (n: string, l: () => void) => events.on(n, l) };
    const focus = vi.fn();
    expect(claimSingleInstance(first as never, focus)).toBe(true);
    events.emit('second-instance');
    expect(focus).toHaveBeenCalledTimes(1);
    expect(first.quit).not.toHaveBeenCalled();
    const second = { requestSingleInstanceLock: () => false, quit: vi.fn(), on: vi.fn() };
    expect(claimSingleInstance(second as never, focus)).toBe(false);
    expect(second.quit).toHaveBeenCalled();
  });
});

describe('menus', () => {
  const actions: MenuActions = { newProject: vi.fn(), openProject: vi.fn(), showProjectFolder: vi.fn(), closeProject: vi.fn(), about: vi.fn(), licences: vi.fn() };
  const items = (menu: MenuItemConstructorOptions | undefined) => (menu?.submenu as MenuItemConstructorOptions[]) ?? [];
  const byLabel = (template: MenuItemConstructorOptions[], label: string) => template.find((m) => m.label === label);

  it('has File (new / open project, open project folder), View and Help (about, licences), wired to the actions', () => {
    const template = menuTemplate(actions, { platform: 'linux', devTools: false });
    expect(template.map((m) => m.label ?? m.role)).toEqual(['&File', 'editMenu', '&View', '&Help']);
    const file = items(byLabel(template, '&File'));
    expect(file.map((i) => i.label ?? i.role ?? i.type)).toEqual(['New Project…', 'Open Project…', 'Open Project Folder', 'separator', 'Close Project', 'separator', 'quit']);
    const help = items(byLabel(template, '&Help'));
    expect(help.map((i) => i.label)).toEqual(['About Flowspect', 'Licences…']);
    for (const item of [...file, ...help]) (item.click as (() => void) | undefined)?.();
    for (const fn of Object.values(actions)) expect(fn).toHaveBeenCalledTimes(1);
    const view = items(byLabel(template, '&View')).map((i) => i.role);
    expect(view).toContain('reload');
    expect(view).not.toContain('toggleDevTools');
  });

  it('adds the app and window menus on macOS and developer tools only when asked', () => {
    const template = menuTemplate(actions, { platform: 'darwin', devTools: true });
    expect(template.map((m) => m.label ?? m.role)).toEqual(['appMenu', '&File', 'editMenu', '&View', 'windowMenu', '&Help']);
    expect(items(byLabel(template, '&View')).map((i) => i.role)).toContain('toggleDevTools');
    expect(items(byLabel(template, '&File')).map((i) => i.role)).not.toContain('quit');
  });

  it('licences name the backbone’s MIT licence and holder from the manifest, with the full text', () => {
    const notice = licenceNotice(repoRoot);
    expect(notice.summary).toMatch(/^Flowspect \S+ — MIT/);
    expect(notice.summary).toContain('Built-in backbone mobilenetv2-imagenet: weights from nsfwjs 4.4.0 — MIT, Copyright (c) 2019 Infinite Red, Inc.');
    expect(notice.summary).toMatch(/onnxruntime-node 1\.30\.\d+ — MIT/);
    expect(notice.summary).toMatch(/sharp \S+ — Apache-2\.0/);
    expect(notice.texts).toContain('Permission is hereby granted, free of charge');
    expect(notice.texts).toContain('Infinite Red');
  });
});
