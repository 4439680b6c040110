import os from 'node:os';
import path from 'node:path';

/**
 * Per-user state outside any project (recent projects, logs, settings). Electron passes its userData path;
 * elsewhere FLOWSPECT_USER_DATA or the XDG config folder.
 */
export function defaultUserDataDir(): string {
  if (process.env.FLOWSPECT_USER_DATA) return path.resolve(process.env.FLOWSPECT_USER_DATA);
  const base =
    process.platform === 'win32'
      ? (process.env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming'))
      : process.platform === 'darwin'
        ? path.join(os.homedir(), 'Library', 'Application Support')
        : (process.env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'));
  return path.join(base, 'flowspect');
}
