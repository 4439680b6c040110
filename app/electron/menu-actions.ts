import { dialog, shell, type BrowserWindow, type MessageBoxOptions, type OpenDialogOptions } from 'electron';
import type { AppContext } from '../context.js';
import { APP_VERSION } from '../core/version.js';
import { licenceNotice } from './licences.js';
import type { MenuActions } from './menu.js';

/**
 * The menu's actions against the app context. Project changes go through the same AppContext methods the
 * contract's handlers use; the window then reloads so every view reads the new project.
 */
export function menuActions(ctx: AppContext, window: () => BrowserWindow | null, root: string): MenuActions {
  const message = (options: MessageBoxOptions): void => {
    const win = window();
    void (win ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options));
  };
  const pickFolder = async (options: OpenDialogOptions): Promise<string | undefined> => {
    const win = window();
    const picked = await (win ? dialog.showOpenDialog(win, options) : dialog.showOpenDialog(options));
    return picked.canceled ? undefined : picked.filePaths[0];
  };
  const switchProject = (title: string, change: () => unknown): void => {
    try {
      change();
      window()?.webContents.reload();
    } catch (err) {
      dialog.showErrorBox(title, (err as Error).message);
    }
  };

  return {
    async newProject() {
      const dir = await pickFolder({ title: 'Folder for the new project', buttonLabel: 'Create Project', properties: ['openDirectory', 'createDirectory', 'promptToCreate'] });
      if (dir) switchProject('Cannot create the project', () => ctx.createProject(dir));
    },
    async openProject() {
      const dir = await pickFolder({ title: 'Open a Flowspect project folder', buttonLabel: 'Open Project', properties: ['openDirectory'] });
      if (dir) switchProject('Cannot open the project', () => ctx.openProject(dir));
    },
    showProjectFolder() {
      const project = ctx.currentProject();
      if (!project) return message({ type: 'info', message: 'No project is open', detail: 'Create or open a project first.' });
      void shell.openPath(project.dir).then((error) => {
        if (error) dialog.showErrorBox('Cannot open the project folder', error);
      });
    },
    closeProject() {
      switchProject('Cannot close the project', () => ctx.closeProject());
    },
    about() {
      const v = process.versions;
      message({
        type: 'info',
        title: 'About Flowspect',
        message: `Flowspect ${APP_VERSION}`,
        detail: [
          'Visual anomaly detection for manufacturing (CL-Flow on ONNX Runtime).',
          '',
          `Electron ${v.electron ?? '?'} · Chromium ${v.chrome ?? '?'} · Node ${v.node}`,
          `User data: ${ctx.userDataDir}`,
        ].join('\n'),
      });
    },
    licences() {
      const notice = licenceNotice(root);
      message({ type: 'none', title: 'Licences', message: 'Flowspect and the components it ships', detail: `${notice.summary}\n\n${notice.texts}` });
    },
  };
}
