import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../app/core/errors.js';
import { appPageResponse, projectFileResponse } from '../../app/electron/protocol-handlers.js';
import { ELECTRON_CSP } from '../../app/electron/csp.js';
import { createProject } from '../../app/store/project.js';
import { resolveInside, resolveProjectFile } from '../../app/transport/safe-path.js';
import { tempDir } from '../helpers.js';

const t = tempDir();
const projectDir = path.join(t.dir, 'project');
const outside = path.join(t.dir, 'outside');
const rendererDir = path.join(t.dir, 'renderer');
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001', 'hex'); // a PNG signature + IHDR start (20 bytes)

beforeAll(() => {
  createProject(projectDir, 'Protocol test').close();
  fs.writeFileSync(path.join(projectDir, 'thumbnails', 'a.png'), PNG);
  fs.writeFileSync(path.join(projectDir, 'masks', 'm 1.webp'), 'webp');
  fs.writeFileSync(path.join(projectDir, 'reports', 'r.pdf'), '%PDF-1.7');
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'TOP-SECRET-CONTENT');
  fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(projectDir, 'thumbnails', 'escape.png'));
  fs.symlinkSync(outside, path.join(projectDir, 'maps', 'linked-dir'));
  fs.symlinkSync(path.join(projectDir, 'thumbnails', 'a.png'), path.join(projectDir, 'maps', 'inside-link.png'));
  fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Flowspect</title>');
  fs.writeFileSync(path.join(rendererDir, 'assets', 'index-1.js'), 'console.log(1)');
});
afterAll(() => t.cleanup());

const get = (url: string, headers: Record<string, string> = {}, method = 'GET') => ({ url, method, headers: new Headers(headers) });
const codeOf = (fn: () => unknown): string => {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return err instanceof AppError ? err.code : `unexpected ${String(err)}`;
  }
};

describe('project path resolution (shared by flowspect-file:// and serve /files)', () => {
  it('resolves plain and percent-encoded names inside the project sub-folders', () => {
    expect(resolveProjectFile(projectDir, 'thumbnails/a.png')).toBe(fs.realpathSync(path.join(projectDir, 'thumbnails', 'a.png')));
    expect(resolveProjectFile(projectDir, 'masks/m%201.webp')).toBe(fs.realpathSync(path.join(projectDir, 'masks', 'm 1.webp')));
    expect(resolveProjectFile(projectDir, 'maps/inside-link.png')).toBe(fs.realpathSync(path.join(projectDir, 'thumbnails', 'a.png')));
  });

  it.each([
    ['..', '../outside/secret.txt'],
    ['.. after a folder', 'thumbnails/../../outside/secret.txt'],
    ['encoded dots', '%2e%2e/outside/secret.txt'],
    ['encoded dots and slash', 'thumbnails%2f%2e%2e%2f%2e%2e%2foutside%2fsecret.txt'],
    ['mixed-case encoding', '%2E%2E%2Foutside%2Fsecret.txt'],
    ['backslashes', '..\\outside\\secret.txt'],
    ['encoded backslashes', 'thumbnails%5c..%5c..%5coutside%5csecret.txt'],
    ['absolute POSIX path', '/etc/passwd'],
    ['encoded absolute path', '%2fetc%2fpasswd'],
    ['Windows drive', 'C:%5cWindows%5cwin.ini'],
    ['UNC path', '%5c%5cserver%5cshare%5cx.png'],
    ['NUL byte', 'thumbnails/a.png%00.txt'],
    ['malformed encoding', 'thumbnails/%e0%a4%a.png'],
    ['symlinked file pointing outside', 'thumbnails/escape.png'],
    ['symlinked folder pointing outside', 'maps/linked-dir/secret.txt'],
    ['the database', 'flowspect.db'],
  ])('refuses %s', (_label, rel) => {
    expect(codeOf(() => resolveProjectFile(projectDir, rel))).toBe('forbidden');
  });

  it('answers not_found for missing files and folders, never their parent', () => {
    expect(codeOf(() => resolveProjectFile(projectDir, 'thumbnails/missing.png'))).toBe('not_found');
    expect(codeOf(() => resolveProjectFile(projectDir, 'thumbnails'))).toBe('not_found');
    expect(codeOf(() => resolveInside(projectDir, ''))).toBe('not_found');
  });
});

describe('flowspect-file:// protocol', () => {
  const url = (rel: string) => `flowspect-file://project/${rel}`;

  it('serves a project image with its MIME type, only to the app origin', async () => {
    const res = await projectFileResponse(get(url('thumbnails/a.png')), projectDir);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('content-length')).toBe(String(PNG.length));
    expect(res.headers.get('access-control-allow-origin')).toBe('app://flowspect');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);
    expect((await projectFileResponse(get(url('masks/m%201.webp')), projectDir)).headers.get('content-type')).toBe('image/webp');
    expect((await projectFileResponse(get(url('reports/r.pdf')), projectDir)).headers.get('content-type')).toBe('application/pdf');
  });

  it('answers range requests with 206 and exact bytes, 416 when unsatisfiable, HEAD without a body', async () => {
    const part = await projectFileResponse(get(url('thumbnails/a.png'), { range: 'bytes=2-5' }), projectDir);
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 2-5/${PNG.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(PNG.subarray(2, 6))).toBe(true);
    const tail = await projectFileResponse(get(url('thumbnails/a.png'), { range: 'bytes=-4' }), projectDir);
    expect(Buffer.from(await tail.arrayBuffer()).equals(PNG.subarray(PNG.length - 4))).toBe(true);
    const open = await projectFileResponse(get(url('thumbnails/a.png'), { range: 'bytes=18-' }), projectDir);
    expect(Buffer.from(await open.arrayBuffer()).equals(PNG.subarray(18))).toBe(true);
    const bad = await projectFileResponse(get(url('thumbnails/a.png'), { range: 'bytes=100-200' }), projectDir);
    expect(bad.status).toBe(416);
    expect(bad.headers.get('content-range')).toBe(`bytes */${PNG.length}`);
    const head = await projectFileResponse(get(url('thumbnails/a.png'), {}, 'HEAD'), projectDir);
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(PNG.length));
    expect(head.body).toBeNull();
  });

  it.each([
    ['traversal folded by the URL parser', 'thumbnails/../../outside/secret.txt', [403, 404]],
    ['encoded traversal', 'thumbnails/%2e%2e/%2e%2e/outside/secret.txt', [403, 404]],
    ['encoded slash traversal', '..%2f..%2foutside%2fsecret.txt', [403]],
    ['encoded absolute path', '%2fetc%2fpasswd', [403]],
    ['symlink escape', 'thumbnails/escape.png', [403]],
    ['the database', 'flowspect.db', [403]],
    ['the WAL journal', 'flowspect.db-wal', [403, 404]],
    ['a missing file', 'thumbnails/none.png', [404]],
  ])('refuses %s without leaking content', async (_label, rel, statuses) => {
    const res = await projectFileResponse(get(url(rel)), projectDir);
    expect(statuses).toContain(res.status);
    const text = await res.text();
    expect(text).not.toContain('TOP-SECRET-CONTENT');
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  });

  it('refuses other hosts, writes, and requests while no project is open', async () => {
    expect((await projectFileResponse(get('flowspect-file://elsewhere/thumbnails/a.png'), projectDir)).status).toBe(404);
    expect((await projectFileResponse(get(url('thumbnails/a.png'), {}, 'PUT'), projectDir)).status).toBe(400);
    expect((await projectFileResponse(get(url('thumbnails/a.png')), null)).status).toBe(409);
  });
});

describe('app:// protocol (the renderer)', () => {
  it('serves index.html with the CSP response header and assets without it', async () => {
    const page = await appPageResponse(get('app://flowspect/index.html'), rendererDir);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(ELECTRON_CSP);
    const root = await appPageResponse(get('app://flowspect/'), rendererDir);
    expect(root.headers.get('content-security-policy')).toBe(ELECTRON_CSP);
    const route = await appPageResponse(get('app://flowspect/training'), rendererDir);
    expect(await route.text()).toContain('<title>Flowspect</title>');
    const asset = await appPageResponse(get('app://flowspect/assets/index-1.js'), rendererDir);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('content-security-policy')).toBeNull();
  });

  it('serves nothing outside the renderer folder and nothing for other hosts', async () => {
    expect((await appPageResponse(get('app://flowspect/..%2foutside%2fsecret.txt'), rendererDir)).status).toBe(403);
    expect((await appPageResponse(get('app://flowspect/assets/missing.js'), rendererDir)).status).toBe(404);
    expect((await appPageResponse(get('app://evil/index.html'), rendererDir)).status).toBe(404);
  });
});
