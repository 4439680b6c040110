import type { App } from 'electron';

/**
 * One Flowspect per user: two main processes would both write the same project database and job rows. A second
 * start hands over to the first (which brings its window forward) and quits.
 * Returns whether this process is the one that should run.
 */
export function claimSingleInstance(app: Pick<App, 'requestSingleInstanceLock' | 'quit' | 'on'>, focusExisting: () => void): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('second-instance', () => focusExisting());
  return true;
}
