import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../core/errors.js';

/**
 * Resolves a project- or site-relative path (still percent-encoded, without the route's leading slash) to a file
 * inside `root`, refusing anything that could escape it: `..` in any encoding, absolute paths (POSIX, `\\server`,
 * `C:`), NUL bytes, and symlinks that point outside. Serve mode's /files route and Electron's flowspect-file://
 * protocol both call this (through `resolveProjectFile`), so both enforce the same rules.
 */
export function resolveInside(root: string, encodedRelPath: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(encodedRelPath);
  } catch {
    throw new AppError('forbidden', 'malformed percent-encoding in file path');
  }
  if (decoded.includes('\0')) throw new AppError('forbidden', 'file path contains a NUL byte');
  const rel = decoded.replace(/\\/g, '/');
  if (rel === '') throw new AppError('not_found', 'no file named');
  if (rel.startsWith('/') || path.isAbsolute(rel) || /^[a-zA-Z]:/.test(rel)) throw new AppError('forbidden', 'absolute file paths are refused');
  if (rel.split('/').some((seg) => seg === '..')) throw new AppError('forbidden', 'file path may not contain ".."');
  const base = path.resolve(root);
  const abs = path.resolve(base, rel);
  if (!abs.startsWith(base + path.sep)) throw new AppError('forbidden', 'file path leaves the folder');
  let real: string;
  let realBase: string;
  try {
    real = fs.realpathSync(abs);
    realBase = fs.realpathSync(base);
  } catch {
    throw new AppError('not_found', `no file ${rel}`);
  }
  if (!real.startsWith(realBase + path.sep)) throw new AppError('forbidden', 'file path resolves outside the folder (symlink)');
  if (!fs.statSync(real).isFile()) throw new AppError('not_found', `no file ${rel}`);
  return real;
}

/**
 * A file the renderer may load from the open project: inside one of the project's sub-folders (thumbnails, masks,
 * maps, reports, …). Top-level files — the database and its WAL/SHM journals — are never served.
 */
export function resolveProjectFile(projectDir: string, encodedRelPath: string): string {
  const file = resolveInside(projectDir, encodedRelPath);
  const rel = path.relative(fs.realpathSync(path.resolve(projectDir)), file);
  if (!rel.includes(path.sep)) throw new AppError('forbidden', 'only files in the project\'s sub-folders are served');
  return file;
}

const MIME: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.bmp': 'image/bmp',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.csv': 'text/csv; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.pdf': 'application/pdf',
  '.onnx': 'application/octet-stream',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.bin': 'application/octet-stream',
  '.f16': 'application/octet-stream',
  '.f32': 'application/octet-stream',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

export function mimeTypeOf(file: string): string {
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Parses a single `bytes=a-b` range; undefined for none, 'invalid' for an unsatisfiable or multi range. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'invalid' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid';
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'invalid';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) return 'invalid';
  return { start, end };
}
