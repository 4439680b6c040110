import { FileReadError, readBoundedText } from '../core/bounded-read.js';
import path from 'node:path';
import { parseCsv } from '../core/csv.js';
import { AppError } from '../core/errors.js';
import { SPLITS, type Split } from '../core/domain.js';
import type { ImportEntry, ImportProblem, ScanResult } from './types.js';

/** The import's source itself is unusable (not a folder, an unreadable or malformed split CSV): the user's to fix. */
export class ImportSourceError extends AppError {
  constructor(message: string) {
    super('invalid_file', message);
    this.name = 'ImportSourceError';
  }
}

/**
 * VisA: a split CSV (`split_csv/1cls.csv`: object,split,label,image,mask) whose paths are relative to the dataset
 * root. `label` is normal or anomaly; anomalous rows name a mask. Objects become datasets.
 */
export async function scanVisa(root: string, csvPath?: string, signal?: AbortSignal): Promise<ScanResult> {
  const abs = path.resolve(root);
  const csvFile = path.resolve(abs, csvPath ?? path.join('split_csv', '1cls.csv'));
  let text: string;
  try {
    text = await readBoundedText(csvFile, 'csv');
  } catch (err) {
    throw new ImportSourceError(`cannot read the VisA split file ${csvFile}: ${err instanceof FileReadError ? err.reason : (err as Error).message}`);
  }
  const rows = parseCsv(text, csvFile);
  const header = (rows.shift() ?? []).map((h) => h.trim().toLowerCase());
  const col = (name: string) => header.indexOf(name);
  for (const required of ['object', 'split', 'label', 'image']) {
    if (col(required) < 0) throw new ImportSourceError(`${csvFile}: missing column "${required}" (found: ${header.join(', ') || 'nothing'})`);
  }
  const entries: ImportEntry[] = [];
  const problems: ImportProblem[] = [];
  const warnings: ImportProblem[] = [];
  rows.forEach((r, k) => {
    if (k % 1000 === 0) signal?.throwIfAborted();
    const line = `${csvFile}:${k + 2}`;
    const get = (name: string) => (r[col(name)] ?? '').trim();
    const object = get('object');
    const split = get('split').toLowerCase();
    const label = get('label').toLowerCase();
    const image = get('image');
    const mask = col('mask') >= 0 ? get('mask') : '';
    if (!object || !image) return problems.push({ file: line, reason: 'row without object or image' });
    if (!(SPLITS as readonly string[]).includes(split)) return problems.push({ file: line, reason: `unknown split "${split}"` });
    if (!['normal', 'anomaly'].includes(label)) return problems.push({ file: line, reason: `unknown label "${label}" (normal or anomaly)` });
    const file = path.resolve(abs, image);
    if (!file.startsWith(abs + path.sep)) return problems.push({ file: line, reason: `image path ${image} leaves the dataset folder` });
    const maskFile = mask ? path.resolve(abs, mask) : null;
    if (maskFile && !maskFile.startsWith(abs + path.sep)) return problems.push({ file: line, reason: `mask path ${mask} leaves the dataset folder` });
    if (label === 'anomaly' && !maskFile) warnings.push({ file, reason: 'defect image without a ground-truth mask' });
    entries.push({
      file,
      category: object,
      label: label === 'normal' ? 'good' : 'defect',
      split: split as Split,
      defectType: label === 'anomaly' ? 'anomaly' : null,
      maskFile: label === 'anomaly' ? maskFile : null,
    });
    return undefined;
  });
  return { format: 'visa', entries, problems, warnings };
}
