import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SPLITS } from '../core/domain.js';
import type { ImageSplit, ImportEntry, ImportProblem, ScanResult } from './types.js';
import { stemOf, walkImages } from './walk.js';

const GOOD_NAMES = new Set(['good', 'ok', 'normal', 'pass', 'nok_free']);
const MASK_NAMES = new Set(['masks', 'mask', 'ground_truth']);
const SPLIT_NAMES = new Set<string>(SPLITS);

/** A stable pseudo-random split for good images without split folders: 1 in 5 goes to test, by path hash. */
function stableSplit(rel: string): ImageSplit {
  return createHash('sha1').update(rel).digest()[0] % 5 === 0 ? 'test' : 'train';
}

/**
 * A generic folder: class folders (`good/` or ok/normal/pass → good; any other name → defect of that type), an
 * optional `masks/` folder matched by file stem (`name.png` or `name_mask.png`), optionally inside split folders
 * (`train/`, `val/`, `test/`). Images deeper inside a class folder keep its class; images directly in the root
 * are taken as good. Without split folders, defects go to test and good images to train, except a stable fifth
 * (chosen by path hash, so re-imports agree) that goes to test.
 */
export async function scanFolder(root: string, signal?: AbortSignal): Promise<ScanResult> {
  const abs = path.resolve(root);
  const category = path.basename(abs);
  const hasSplits = fs.existsSync(abs) && fs.readdirSync(abs).some((n) => SPLIT_NAMES.has(n.toLowerCase()) && fs.statSync(path.join(abs, n)).isDirectory());
  const { files, problems, skipped } = await walkImages(abs, signal);
  const warnings: ImportProblem[] = [];
  const masks = new Map<string, string>();
  const images: { file: string; rel: string; split: ImageSplit | null; cls: string | null }[] = [];
  for (const file of files) {
    const rel = path.relative(abs, file);
    let parts = rel.split(path.sep);
    let split: ImageSplit | null = null;
    if (hasSplits && parts.length > 1 && SPLIT_NAMES.has(parts[0].toLowerCase())) {
      split = parts[0].toLowerCase() as ImageSplit;
      parts = parts.slice(1);
    }
    const cls = parts.length > 1 ? parts[0] : null;
    if (cls && MASK_NAMES.has(cls.toLowerCase())) {
      masks.set(stemOf(file).replace(/_mask$/, ''), file);
      continue;
    }
    images.push({ file, rel, split, cls });
  }
  const entries: ImportEntry[] = images.map((im) => {
    const good = im.cls === null || GOOD_NAMES.has(im.cls.toLowerCase());
    const stem = stemOf(im.file);
    const maskFile = good ? null : (masks.get(stem) ?? null);
    if (maskFile) masks.delete(stem);
    return {
      file: im.file,
      category,
      label: good ? 'good' : 'defect',
      split: im.split ?? (good ? stableSplit(im.rel) : 'test'),
      defectType: good ? null : im.cls,
      maskFile,
    };
  });
  for (const orphan of masks.values()) warnings.push({ file: orphan, reason: 'mask without a defect image of the same name, ignored' });
  return { format: 'folder', entries, problems, warnings, skipped };
}
