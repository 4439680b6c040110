import type { Session } from 'electron';

/** Every scheme that reaches outside the app. The app's own schemes (app:, flowspect-file:, data:, blob:) pass. */
export const OUTSIDE_URL_PATTERNS = ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*', 'ftp://*/*', 'file:///*'];

/**
 * Behind the CSP, a second wall: the window's session cancels every request to the network or the local disk,
 * whoever makes it (a page, a worker, a stylesheet, a redirect). The renderer needs neither; project files come
 * through flowspect-file://, which checks them.
 */
export function blockOutsideRequests(session: Pick<Session, 'webRequest'>, onBlocked: (url: string) => void = () => {}): void {
  session.webRequest.onBeforeRequest({ urls: OUTSIDE_URL_PATTERNS }, (details, callback) => {
    onBlocked(details.url);
    callback({ cancel: true });
  });
}
