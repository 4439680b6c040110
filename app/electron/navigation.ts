import type { WebContents } from 'electron';
import { isAppUrl } from './schemes.js';

/** The slice of WebContents the guards attach to (tests pass a fake with the same shape). */
export type GuardedContents = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

interface PreventableNavigation {
  readonly url: string;
  preventDefault(): void;
}

/**
 * Keeps every web contents on the app's own pages: navigations and redirects anywhere else are cancelled,
 * `window.open` / target=_blank never opens a window, and <webview> tags are never attached. Installed for every
 * web contents the app creates ('web-contents-created'), so a future window cannot forget it.
 */
export function guardNavigation(contents: GuardedContents, onBlocked: (what: string, url: string) => void = () => {}): void {
  const stayOnApp = (what: string) => (event: PreventableNavigation) => {
    if (isAppUrl(event.url)) return;
    event.preventDefault();
    onBlocked(what, event.url);
  };
  contents.on('will-navigate', stayOnApp('navigation'));
  contents.on('will-frame-navigate', stayOnApp('frame navigation'));
  contents.on('will-redirect', stayOnApp('redirect'));
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    onBlocked('webview', '');
  });
  contents.setWindowOpenHandler(({ url }) => {
    onBlocked('window.open', url);
    return { action: 'deny' };
  });
}
