/**
 * The two custom schemes the window uses. `app://flowspect/` serves the built renderer (so its pages get real
 * response headers — the CSP — which file:// cannot carry); `flowspect-file://project/<rel>` serves files from the
 * open project. Both are privileged before `ready` (standard + secure = a proper origin, fetch and streams).
 */
import type { CustomScheme } from 'electron';

export const APP_SCHEME = 'app';
export const APP_HOST = 'flowspect';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

export const FILE_SCHEME = 'flowspect-file';
export const FILE_HOST = 'project';

export const PRIVILEGED_SCHEMES: readonly CustomScheme[] = [
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  { scheme: FILE_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, stream: true } },
];

/**
 * Whether a URL belongs to the app's own pages. Compared by scheme and host: Node's URL gives non-special schemes
 * the origin "null", so origins cannot be compared directly.
 */
export function isAppUrl(url: string | undefined | null): boolean {
  if (!url) return false;
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '' && u.port === '';
  } catch {
    return false;
  }
}
