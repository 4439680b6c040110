import fs from 'node:fs';
import path from 'node:path';
import { scanBtad } from './btad.js';
import { scanFolder } from './folder.js';
import { scanMvtec } from './mvtec.js';
import type { ScanResult, SourceFormat } from './types.js';
import { ImportSourceError, scanVisa } from './visa.js';

export type ImportFormat = Exclude<SourceFormat, 'demo'>;

const isDir = (p: string) => {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** Guesses the layout of a dataset folder: VisA (split CSV), BTAD (ok/ko), MVTec AD (train/good), else generic. */
export function detectFormat(root: string): ImportFormat {
  if (fs.existsSync(path.join(root, 'split_csv'))) return 'visa';
  const candidates = [root, ...(isDir(root) ? fs.readdirSync(root).map((n) => path.join(root, n)).filter(isDir) : [])];
  if (candidates.some((c) => isDir(path.join(c, 'train', 'ok')) || isDir(path.join(c, 'test', 'ko')))) return 'btad';
  if (candidates.some((c) => isDir(path.join(c, 'train', 'good')))) return 'mvtec';
  return 'folder';
}

/** Scans `root` in the given (or detected) format. Throws ImportSourceError when the root itself is unusable. */
export async function scanSource(root: string, format: ImportFormat | 'auto', options: { csv?: string; signal?: AbortSignal } = {}): Promise<ScanResult> {
  const abs = path.resolve(root);
  if (!isDir(abs)) throw new ImportSourceError(`${abs} is not a readable folder`);
  const f = format === 'auto' ? detectFormat(abs) : format;
  switch (f) {
    case 'mvtec':
      return scanMvtec(abs, options.signal);
    case 'btad':
      return scanBtad(abs, options.signal);
    case 'visa':
      return scanVisa(abs, options.csv, options.signal);
    case 'folder':
      return scanFolder(abs, options.signal);
  }
}
