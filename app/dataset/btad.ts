import fs from 'node:fs';
import path from 'node:path';
import type { ImportEntry, ImportProblem, ScanResult } from './types.js';
import { stemOf, walkImages } from './walk.js';

/**
 * BTAD (beanTech): `<product>/train/ok/*`, `<product>/test/ok|ko/*`, masks in `<product>/ground_truth/ko/<stem>.*`
 * (matched by file stem; BTAD mixes .bmp and .png). `root` may hold the products (01, 02, 03) or be one of them.
 */
export async function scanBtad(root: string, signal?: AbortSignal): Promise<ScanResult> {
  const abs = path.resolve(root);
  const single = fs.existsSync(path.join(abs, 'train')) || fs.existsSync(path.join(abs, 'test'));
  const { files, problems, skipped } = await walkImages(abs, signal);
  const warnings: ImportProblem[] = [];
  const masks = new Map<string, string>();
  const images: { file: string; product: string; split: string; cls: string }[] = [];
  for (const file of files) {
    const parts = path.relative(abs, file).split(path.sep);
    const rel = single ? [path.basename(abs), ...parts] : parts;
    const [product, area, cls] = rel;
    if (rel.length !== 4 || !['train', 'test', 'ground_truth'].includes(area) || !['ok', 'ko'].includes(cls)) {
      problems.push({ file, reason: 'not in the BTAD layout (<product>/train|test|ground_truth/ok|ko/<image>)' });
      continue;
    }
    if (area === 'ground_truth') masks.set(`${product}/${stemOf(file).replace(/_mask$/, '')}`, file);
    else images.push({ file, product, split: area, cls });
  }
  const entries: ImportEntry[] = [];
  for (const im of images) {
    const good = im.cls === 'ok';
    const key = `${im.product}/${stemOf(im.file)}`;
    const maskFile = good ? null : (masks.get(key) ?? null);
    if (!good) masks.delete(key);
    if (!good && !maskFile) warnings.push({ file: im.file, reason: 'defect image without a ground-truth mask' });
    entries.push({
      file: im.file,
      category: im.product,
      label: good ? 'good' : 'defect',
      split: im.split === 'train' ? 'train' : 'test',
      defectType: good ? null : 'ko',
      maskFile,
    });
  }
  for (const orphan of masks.values()) warnings.push({ file: orphan, reason: 'mask without a matching ko image, ignored' });
  return { format: 'btad', entries, problems, warnings, skipped };
}
