import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { insertImages, datasetShas, originalPathOf, type NewImage } from '../store/images.js';
import { ensureDataset, type DatasetRow, type DatasetSourceFormat } from '../store/datasets.js';
import type { Project } from '../store/project.js';
import { scanSource, type ImportFormat } from './detect.js';
import { DEFAULT_LIMITS, inspectImageBytes, readImageFile, readMask, RejectedFile, type InspectedImage, type ReadLimits } from './read-image.js';
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

type DatasetStats = { imported: number; duplicates: number; failed: number };

/** What one import shares across its steps: settings, the datasets it writes to, and the report being built. */
interface ImportRun {
  readonly project: Project;
  readonly source: string;
  readonly storage: 'copy' | 'reference';
  readonly limits: ReadLimits;
  readonly signal?: AbortSignal;
  readonly datasets: Map<string, DatasetRow>;
  /** sha256 of every image each dataset holds or is about to hold, by dataset id. */
  readonly seen: Map<number, Set<string>>;
  readonly stats: Map<number, DatasetStats>;
  readonly failed: ImportProblem[];
  readonly warnings: ImportProblem[];
  masks: number;
}

/**
 * Imports a dataset folder into the project. Categories become datasets; re-importing the same files adds
 * nothing (sha256 per dataset). Every file that cannot be used is listed in the report with its reason and the
 * rest is imported; each batch (its files and rows) is committed atomically, so a cancel or crash leaves whole
 * batches only. Rejects with the signal's reason when cancelled.
 */
export async function importDataset(project: Project, options: ImportOptions): Promise<ImportReport> {
  const started = performance.now();
  const { signal, progress } = options;
  const source = path.resolve(options.source);

  progress?.(0, `scanning ${source}`);
  const scan = await scanSource(source, options.format ?? 'auto', { csv: options.csv, signal });
  const wanted = options.categories ? new Set(options.categories) : null;
  const entries = wanted ? scan.entries.filter((e) => wanted.has(e.category)) : scan.entries;
  progress?.(0.02, `found ${entries.length} images (${scan.format})`);

  const run: ImportRun = {
    project,
    source,
    storage: options.storage ?? 'copy',
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    signal,
    datasets: new Map(),
    seen: new Map(),
    stats: new Map(),
    failed: [...scan.problems],
    warnings: [...scan.warnings],
    masks: 0,
  };
  openDatasets(run, entries, options.namePrefix ?? '', options.recordAs ?? scan.format);
  await importEntries(run, entries, options);
  return importReport(run, scan, entries.length, started, progress);
}

/** One dataset per category (created if new), with the hashes it already holds so duplicates are skipped. */
function openDatasets(run: ImportRun, entries: readonly ImportEntry[], namePrefix: string, sourceFormat: DatasetSourceFormat): void {
  for (const category of new Set(entries.map((e) => e.category))) {
    const ds = ensureDataset(run.project.db, { name: `${namePrefix}${category}`, category, sourceFormat, sourcePath: run.source });
    run.datasets.set(category, ds);
    run.seen.set(ds.id, datasetShas(run.project.db, ds.id));
    run.stats.set(ds.id, { imported: 0, duplicates: 0, failed: 0 });
  }
}

/**
 * Decodes up to `threads` files at once and commits them in batches of `batchSize`. The first unexpected error
 * stops the loop; the files already in flight finish before it is rethrown.
 */
async function importEntries(run: ImportRun, entries: readonly ImportEntry[], options: ImportOptions): Promise<void> {
  const threads = Math.max(1, Math.min(16, options.threads ?? Math.min(4, os.availableParallelism())));
  const batchSize = Math.max(1, options.batchSize ?? 64);
  const { signal, progress } = options;
  let done = 0;
  let batch: Prepared[] = [];
  const commit = async () => {
    const current = batch;
    batch = [];
    await commitBatch(run, current);
  };

  const inFlight = new Set<Promise<void>>();
  let failure: unknown = null;
  for (const [order, entry] of entries.entries()) {
    if (failure) break;
    signal?.throwIfAborted();
    const p: Promise<void> = prepareEntry(run, entry, order)
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
}

/** Reads, hashes and decodes one file; null when it is a duplicate or was rejected (then listed in `failed`). */
async function prepareEntry(run: ImportRun, entry: ImportEntry, order: number): Promise<Prepared | null> {
  const dataset = run.datasets.get(entry.category)!;
  const st = run.stats.get(dataset.id)!;
  const shas = run.seen.get(dataset.id)!;
  let img: InspectedImage;
  try {
    // Hash first: a file the dataset already holds is a duplicate and is not decoded again.
    const file = await readImageFile(entry.file, run.limits);
    if (shas.has(file.sha256)) {
      st.duplicates++;
      return null;
    }
    img = await inspectImageBytes(file, run.limits);
  } catch (err) {
    if (!(err instanceof RejectedFile)) throw err;
    run.failed.push({ file: entry.file, reason: err.message });
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
  const { relPath, rowStorage } = placeImage(run, entry, img, dsDir, blobs);
  const thumbRel = `thumbnails/${dsDir}/${img.sha256}.webp`;
  blobs.push({ abs: run.project.path(thumbRel), data: img.thumbnail });
  const maskRel = entry.maskFile ? await prepareMask(run, entry.maskFile, img, dsDir, blobs) : null;
  return {
    order,
    entry,
    dataset,
    blobs,
    row: {
      datasetId: dataset.id,
      path: relPath,
      originalPath: originalPathOf(run.source, entry.file),
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
}

/** Where the image lives: copied into the project (always for BMP, stored as PNG) or referenced in place. */
function placeImage(run: ImportRun, entry: ImportEntry, img: InspectedImage, dsDir: string, blobs: Prepared['blobs']): { relPath: string; rowStorage: 'copy' | 'reference' } {
  if (run.storage === 'reference' && !img.storedPng) return { relPath: entry.file, rowStorage: 'reference' };
  const relPath = `images/${dsDir}/${img.sha256}.${EXT[img.format] ?? 'bin'}`;
  blobs.push({ abs: run.project.path(relPath), data: img.storedPng ?? img.bytes });
  if (run.storage === 'reference') run.warnings.push({ file: entry.file, reason: 'BMP stored as a PNG copy in the project (the model reads PNG)' });
  return { relPath, rowStorage: 'copy' };
}

/** The mask's project path, or null when it is unusable (the image is still imported, with a warning). */
async function prepareMask(run: ImportRun, maskFile: string, img: InspectedImage, dsDir: string, blobs: Prepared['blobs']): Promise<string | null> {
  try {
    const m = await readMask(maskFile, img.width, img.height, run.limits);
    const maskRel = `masks/${dsDir}/${img.sha256}.png`;
    blobs.push({ abs: run.project.path(maskRel), data: m.png });
    if (m.area === 0) run.warnings.push({ file: maskFile, reason: 'mask is empty (no defect pixels)' });
    return maskRel;
  } catch (err) {
    if (!(err instanceof RejectedFile)) throw err;
    run.warnings.push({ file: maskFile, reason: `${err.message}; image imported without its mask` });
    return null;
  }
}

/** Files first, then rows in one transaction; on any failure the batch's new files are removed again. */
async function commitBatch(run: ImportRun, batch: Prepared[]): Promise<void> {
  if (batch.length === 0) return;
  const current = batch.sort((a, b) => a.order - b.order);
  const written: string[] = [];
  try {
    for (const p of current)
      for (const b of p.blobs) {
        await fs.mkdir(path.dirname(b.abs), { recursive: true });
        await fs.writeFile(b.abs, b.data);
        written.push(b.abs);
      }
    run.signal?.throwIfAborted();
    const ids = insertImages(run.project.db, current.map((p) => p.row));
    current.forEach((p, k) => {
      const st = run.stats.get(p.dataset.id)!;
      if (ids[k] === null) st.duplicates++;
      else {
        st.imported++;
        if (p.row.maskPath) run.masks++;
      }
    });
  } catch (err) {
    await Promise.all(written.map((f) => fs.rm(f, { force: true })));
    throw err;
  }
}

function importReport(run: ImportRun, scan: Awaited<ReturnType<typeof scanSource>>, found: number, started: number, progress: ProgressFn | undefined): ImportReport {
  const dsReport = [...run.datasets.values()].map((d) => ({ id: d.id, name: d.name, ...run.stats.get(d.id)! }));
  const sum = (k: 'imported' | 'duplicates') => dsReport.reduce((s, d) => s + d[k], 0);
  progress?.(1, `imported ${sum('imported')} images, ${sum('duplicates')} already present, ${run.failed.length} failed`);
  return {
    source: run.source,
    format: scan.format,
    storage: run.storage,
    datasets: dsReport,
    found,
    imported: sum('imported'),
    duplicates: sum('duplicates'),
    masks: run.masks,
    failed: run.failed,
    warnings: run.warnings,
    skipped: scan.skipped ?? [],
    seconds: (performance.now() - started) / 1000,
  };
}
