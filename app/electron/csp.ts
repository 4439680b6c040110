import { FILE_SCHEME } from './schemes.js';

/**
 * The Content Security Policy sent as a response header with every app page. Nothing loads from the network:
 * scripts only from the app itself (no inline script, no eval), images and raw maps from the app or the open
 * project's file scheme, no frames, plugins, forms or <base>. Inline styles stay allowed because Svelte's
 * `style:` directives and transitions write style attributes.
 */
export const ELECTRON_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  `img-src 'self' data: blob: ${FILE_SCHEME}:`,
  `media-src 'self' ${FILE_SCHEME}:`,
  `connect-src 'self' ${FILE_SCHEME}:`,
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "manifest-src 'self'",
  "frame-src 'none'",
  "child-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
