import fs from 'node:fs';
import path from 'node:path';
import type { ImportEntry, ImportProblem, ScanResult } from './types.js';
import { stemOf, walkImages } from './walk.js';

/**
 * MVTec AD: `<category>/train/good/*.png`, `<category>/test/<type>/*.png` and
 * `<category>/ground_truth/<type>/<stem>_mask.png`. `root` may be the whole dataset (a folder of categories) or one
 * category folder.
 */
export async function scanMvtec(root: string, signal?: AbortSignal): Promise<ScanResult> {
  const abs = path.resolve(root);
  const single = fs.existsSync(path.join(abs, 'train')) || fs.existsSync(path.join(abs, 'test'));
  const { files, problems, skipped } = await walkImages(abs, signal);
  const warnings: ImportProblem[] = [];
  const masks = new Map<string, string>();
  const images: { file: string; category: string; split: string; type: string }[] = [];
  for (const file of files) {
    const parts = path.relative(abs, file).split(path.sep);
    const rel = single ? [path.basename(abs), ...parts] : parts;
    const [category, area, type] = rel;
    if (rel.length !== 4 || !['train', 'test', 'ground_truth'].includes(area)) {
      problems.push({ file, reason: 'not in the MVTec AD layout (<category>/train|test/<type>/<image>)' });
      continue;
    }
    if (area === 'ground_truth') masks.set(`${category}/${type}/${stemOf(file).replace(/_mask$/, '')}`, file);
    else images.push({ file, category, split: area, type });
  }
  const entries: ImportEntry[] = [];
  for (const im of images) {
    const good = im.type === 'good';
    if (im.split === 'train' && !good) {
      problems.push({ file: im.file, reason: `MVTec AD train/ holds only good/ images (found train/${im.type}/)` });
      continue;
    }
    const key = `${im.category}/${im.type}/${stemOf(im.file)}`;
    const maskFile = good ? null : (masks.get(key) ?? null);
    masks.delete(key);
    if (!good && !maskFile) warnings.push({ file: im.file, reason: 'defect image without a ground-truth mask' });
    entries.push({
      file: im.file,
      category: im.category,
      label: good ? 'good' : 'defect',
      split: im.split === 'train' ? 'train' : 'test',
      defectType: good ? null : im.type,
      maskFile,
    });
  }
  for (const orphan of masks.values()) warnings.push({ file: orphan, reason: 'mask without a matching test image, ignored' });
  return { format: 'mvtec', entries, problems, warnings, skipped };
}
