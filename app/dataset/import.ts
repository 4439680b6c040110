import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { insertImages, datasetShas, originalPathOf, type NewImage } from '../store/images.js';
import { ensureDataset, type DatasetRow } from '../store/datasets.js';
import type { Project } from '../store/project.js';
import { scanSource, type ImportFormat } from './detect.js';
import { DEFAULT_LIMITS, inspectImageBytes, readImageFile, readMask, RejectedFile, type ReadLimits } from './read-image.js';
import type { ImportEntry, ImportProblem, ProgressFn } from './types.js';

export interface ImportOptions {
  /** Folder holding the dataset. */
  readonly source: string;
  readonly format?: ImportFormat | 'auto';
  /** Copy files into the project (default) or reference them where they are. */
  readonly storage?: 'copy' | 'reference';
  /** VisA split CSV, relative to the source (default split_csv/1cls.csv). */
  readonly csv?: string;
  /** Import only these categories. */
  readonly categories?: readonly string[];
  /** Prefix for dataset names (e.g. "btad-"); categories become datasets named prefix + category. */
  readonly namePrefix?: string;
  /** Record the datasets under this source format instead of the detected one (the demo's MVTec-layout data). */
  readonly recordAs?: 'demo';
  /** Files decoded at once (sharp runs them on libuv's thread pool). Default: CPU count, at most 4. */
  readonly threads?: number;
  /** Images per committed transaction. */
  readonly batchSize?: number;
  readonly limits?: Partial<ReadLimits>;
  readonly signal?: AbortSignal;
  readonly progress?: ProgressFn;
}

export interface ImportReport {
  readonly source: string;
  readonly format: ImportFormat;
  readonly storage: 'copy' | 'reference';
  readonly datasets: { id: number; name: string; imported: number; duplicates: number; failed: number }[];
  readonly found: number;
  readonly imported: number;
  readonly duplicates: number;
  readonly masks: number;
  /** Files not imported, with the reason. */
  readonly failed: ImportProblem[];
  /** Imported with a remark (e.g. the mask was unusable), or ignored non-essential files. */
  readonly warnings: ImportProblem[];
  /** Files left out on purpose, each with the reason (unsupported format such as .gif, hidden file or folder). */
  readonly skipped: ImportProblem[];
  readonly seconds: number;
}

interface Prepared {
  /** Position in the scan, so rows get ids in file order whatever order decoding finished in. */
  readonly order: number;
  readonly entry: ImportEntry;
  readonly dataset: DatasetRow;
  readonly row: NewImage;
  readonly blobs: { abs: string; data: Buffer }[];
}

const EXT: Record<string, string> = { png: 'png', jpeg: 'jpg', webp: 'webp', tiff: 'tif', bmp: 'png' };

/**
 * Imports a dataset folder into the project. Categories become datasets; re-importing the same files adds
 * nothing (sha256 per dataset). Every file that cannot be used is listed in the report with its reason and the
 * rest is imported; each batch (its files and rows) is committed atomically, so a cancel or crash leaves whole
 * batches only. Rejects with the signal's reason when cancelled.
 */
export async function importDataset(project: Project, options: ImportOptions): Promise<ImportReport> {
  const started = performance.now();
  const storage = options.storage ?? 'copy';
  const limits: ReadLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const threads = Math.max(1, Math.min(16, options.threads ?? Math.min(4, os.availableParallelism())));
  const batchSize = Math.max(1, options.batchSize ?? 64);
  const { signal, progress } = options;
  const source = path.resolve(options.source);

  progress?.(0, `scanning ${source}`);
  const scan = await scanSource(source, options.format ?? 'auto', { csv: options.csv, signal });
  const wanted = options.categories ? new Set(options.categories) : null;
  const entries = wanted ? scan.entries.filter((e) => wanted.has(e.category)) : scan.entries;
  const failed: ImportProblem[] = [...scan.problems];
  const warnings: ImportProblem[] = [...scan.warnings];
  progress?.(0.02, `found ${entries.length} images (${scan.format})`);

  const datasets = new Map<string, DatasetRow>();
  const seen = new Map<number, Set<string>>();
  const stats = new Map<number, { imported: number; duplicates: number; failed: number }>();
  for (const category of new Set(entries.map((e) => e.category))) {
    const ds = ensureDataset(project.db, { name: `${options.namePrefix ?? ''}${category}`, category, sourceFormat: options.recordAs ?? scan.format, sourcePath: source });
    datasets.set(category, ds);
    seen.set(ds.id, datasetShas(project.db, ds.id));
    stats.set(ds.id, { imported: 0, duplicates: 0, failed: 0 });
  }

  let masks = 0;
  let done = 0;
  let batch: Prepared[] = [];

  const prepare = async (entry: ImportEntry, order: number): Promise<Prepared | null> => {
    const dataset = datasets.get(entry.category)!;
    const st = stats.get(dataset.id)!;
    const shas = seen.get(dataset.id)!;
    let img;
    try {
      // Hash first: a file the dataset already holds is a duplicate and is not decoded again.
      const file = await readImageFile(entry.file, limits);
      if (shas.has(file.sha256)) {
        st.duplicates++;
        return null;
      }
      img = await inspectImageBytes(file, limits);
    } catch (err) {
      if (!(err instanceof RejectedFile)) throw err;
      failed.push({ file: entry.file, reason: err.message });
      st.failed++;
      return null;
    }
    if (shas.has(img.sha256)) {
      st.duplicates++; // an identical file decoded at the same time
      return null;
    }
    shas.add(img.sha256);
    const blobs: Prepared['blobs'] = [];
    const dsDir = String(dataset.id);
    let relPath: string;
    let rowStorage = storage;
    if (storage === 'copy' || img.storedPng) {
      relPath = `images/${dsDir}/${img.sha256}.${EXT[img.format] ?? 'bin'}`;
      blobs.push({ abs: project.path(relPath), data: img.storedPng ?? img.bytes });
      if (storage === 'reference') warnings.push({ file: entry.file, reason: 'BMP stored as a PNG copy in the project (the model reads PNG)' });
      rowStorage = 'copy';
    } else relPath = entry.file;
    const thumbRel = `thumbnails/${dsDir}/${img.sha256}.webp`;
    blobs.push({ abs: project.path(thumbRel), data: img.thumbnail });
    let maskRel: string | null = null;
    if (entry.maskFile) {
      try {
        const m = await readMask(entry.maskFile, img.width, img.height, limits);
        maskRel = `masks/${dsDir}/${img.sha256}.png`;
        blobs.push({ abs: project.path(maskRel), data: m.png });
        if (m.area === 0) warnings.push({ file: entry.maskFile, reason: 'mask is empty (no defect pixels)' });
      } catch (err) {
        if (!(err instanceof RejectedFile)) throw err;
        warnings.push({ file: entry.maskFile, reason: `${err.message}; image imported without its mask` });
      }
    }
    return {
      order,
      entry,
      dataset,
      blobs,
      row: {
        datasetId: dataset.id,
        path: relPath,
        originalPath: originalPathOf(source, entry.file),
        storage: rowStorage,
        sha256: img.sha256,
        width: img.width,
        height: img.height,
        channels: img.channels,
        bitDepth: img.bitDepth,
        format: img.format,
        label: entry.label,
        split: entry.split,
        defectType: entry.defectType,
        category: entry.category,
        phash: img.phash,
        thumbnailPath: thumbRel,
        maskPath: maskRel,
      },
    };
  };

  /** Files first, then rows in one transaction; on any failure the batch's new files are removed again. */
  const commit = async () => {
    if (batch.length === 0) return;
    const current = batch.sort((a, b) => a.order - b.order);
    batch = [];
    const written: string[] = [];
    try {
      for (const p of current)
        for (const b of p.blobs) {
          await fs.mkdir(path.dirname(b.abs), { recursive: true });
          await fs.writeFile(b.abs, b.data);
          written.push(b.abs);
        }
      signal?.throwIfAborted();
      const ids = insertImages(project.db, current.map((p) => p.row));
      current.forEach((p, k) => {
        const st = stats.get(p.dataset.id)!;
        if (ids[k] === null) st.duplicates++;
        else {
          st.imported++;
          if (p.row.maskPath) masks++;
        }
      });
    } catch (err) {
      await Promise.all(written.map((f) => fs.rm(f, { force: true })));
      throw err;
    }
  };

  const inFlight = new Set<Promise<void>>();
  let failure: unknown = null;
  for (const [order, entry] of entries.entries()) {
    if (failure) break;
    signal?.throwIfAborted();
    const p: Promise<void> = prepare(entry, order)
      .then(async (prepared) => {
        done++;
        if (prepared) batch.push(prepared);
        if (done % 8 === 0 || done === entries.length) progress?.(0.02 + (0.98 * done) / Math.max(1, entries.length), `read ${done} of ${entries.length} images`, { done, total: entries.length });
      })
      .catch((err) => {
        failure = err;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= threads) await Promise.race(inFlight);
    if (batch.length >= batchSize) await commit();
  }
  await Promise.all(inFlight);
  if (failure) throw failure;
  signal?.throwIfAborted();
  await commit();

  const dsReport = [...datasets.values()].map((d) => ({ id: d.id, name: d.name, ...stats.get(d.id)! }));
  const sum = (k: 'imported' | 'duplicates') => dsReport.reduce((s, d) => s + d[k], 0);
  progress?.(1, `imported ${sum('imported')} images, ${sum('duplicates')} already present, ${failed.length} failed`);
  return {
    source,
    format: scan.format,
    storage,
    datasets: dsReport,
    found: entries.length,
    imported: sum('imported'),
    duplicates: sum('duplicates'),
    masks,
    failed,
    warnings,
    skipped: scan.skipped ?? [],
    seconds: (performance.now() - started) / 1000,
  };
}
