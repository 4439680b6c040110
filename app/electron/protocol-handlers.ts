import path from 'node:path';
import { AppError } from '../core/errors.js';
import { resolveInside, resolveProjectFile } from '../transport/safe-path.js';
import { ELECTRON_CSP } from './csp.js';
import { errorResponse, fileResponse } from './file-response.js';
import { APP_HOST, APP_ORIGIN, FILE_HOST } from './schemes.js';

interface IncomingRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
}

function readOnly(request: IncomingRequest): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') throw new AppError('invalid_request', `${request.method} is not served here`);
}

/** The URL's path without its leading slash, still percent-encoded (the resolver decodes it once, itself). */
function encodedPathOf(url: URL, expectedHost: string): string {
  if (url.host !== expectedHost) throw new AppError('not_found', `unknown host ${url.host}`);
  return url.pathname.replace(/^\//, '');
}

/**
 * `app://flowspect/<path>`: the built renderer. HTML pages carry the CSP as a response header; paths without an
 * extension are client-side routes and get index.html; nothing outside `rendererDir` is reachable.
 */
export async function appPageResponse(request: IncomingRequest, rendererDir: string): Promise<Response> {
  try {
    readOnly(request);
    const rel = encodedPathOf(new URL(request.url), APP_HOST);
    let file: string;
    try {
      file = rel === '' ? resolveInside(rendererDir, 'index.html') : resolveInside(rendererDir, rel);
    } catch (err) {
      if (err instanceof AppError && err.code === 'not_found' && !path.extname(decodeURIComponent(rel))) file = resolveInside(rendererDir, 'index.html');
      else throw err;
    }
    const html = file.endsWith('.html');
    return fileResponse(file, request, html ? { 'content-security-policy': ELECTRON_CSP, 'cache-control': 'no-store' } : { 'cache-control': 'no-cache' });
  } catch (err) {
    return errorResponse(err);
  }
}

/**
 * `flowspect-file://project/<project-relative path>`: a file from the open project's sub-folders, with the same
 * rules as serve mode's /files route (`resolveProjectFile`). Readable by the app's own origin only.
 */
export async function projectFileResponse(request: IncomingRequest, projectDir: string | null): Promise<Response> {
  try {
    readOnly(request);
    const rel = encodedPathOf(new URL(request.url), FILE_HOST);
    if (!projectDir) throw new AppError('no_project', 'no project is open');
    const file = resolveProjectFile(projectDir, rel);
    return fileResponse(file, request, { 'cache-control': 'no-cache', 'access-control-allow-origin': APP_ORIGIN });
  } catch (err) {
    return errorResponse(err);
  }
}
