import type { MenuItemConstructorOptions } from 'electron';

/** What the menus do; main.ts binds these to dialogs and the app context. */
export interface MenuActions {
  newProject(): void;
  openProject(): void;
  showProjectFolder(): void;
  closeProject(): void;
  about(): void;
  licences(): void;
}

/**
 * The native menu bar: File (new / open project, show the project folder, close), Edit (so copy and paste work
 * in text fields on macOS), View (reload, zoom, full screen; developer tools only when not packaged), Window on
 * macOS, and Help (about, licences).
 */
export function menuTemplate(actions: MenuActions, options: { platform: NodeJS.Platform; devTools: boolean }): MenuItemConstructorOptions[] {
  const mac = options.platform === 'darwin';
  const file: MenuItemConstructorOptions = {
    label: '&File',
    submenu: [
      { id: 'file.new-project', label: 'New Project…', accelerator: 'CmdOrCtrl+N', click: () => actions.newProject() },
      { id: 'file.open-project', label: 'Open Project…', accelerator: 'CmdOrCtrl+O', click: () => actions.openProject() },
      { id: 'file.show-project-folder', label: 'Open Project Folder', accelerator: 'CmdOrCtrl+Shift+O', click: () => actions.showProjectFolder() },
      { type: 'separator' },
      { id: 'file.close-project', label: 'Close Project', click: () => actions.closeProject() },
      ...(mac ? [] : [{ type: 'separator' } as const, { role: 'quit' } as const]),
    ],
  };
  const view: MenuItemConstructorOptions = {
    label: '&View',
    submenu: [
      { role: 'reload' },
      ...(options.devTools ? [{ role: 'toggleDevTools' } as const] : []),
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };
  const help: MenuItemConstructorOptions = {
    label: '&Help',
    role: 'help',
    submenu: [
      { id: 'help.about', label: 'About Flowspect', click: () => actions.about() },
      { id: 'help.licences', label: 'Licences…', click: () => actions.licences() },
    ],
  };
  return [
    ...(mac ? [{ role: 'appMenu' } as const] : []),
    file,
    { role: 'editMenu' },
    view,
    ...(mac ? [{ role: 'windowMenu' } as const] : []),
    help,
  ];
}
