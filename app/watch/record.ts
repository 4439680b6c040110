/**
 * Stores a judged batch in the project so the parts show in Review: each part that could be read becomes an image
 * of the folder's live dataset ("live: <folder name>", source format 'folder', split 'test', label 'ignore' — not
 * yet known to be good or defective, so no metric or training run counts it until someone labels it), with its
 * name in the folder as original path, a copy of its bytes, its thumbnail and anomaly map, and a result row of the
 * model. Files first (content-addressed names, harmless if left behind), then ONE transaction for the images,
 * results and the watcher's ledger rows: a batch is stored whole or not at all.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { LineMessage } from '../core/line-message.js';
import { writeMapPng } from '../model/maps.js';
import { ensureDataset, getDatasetByName, type DatasetRow } from '../store/datasets.js';
import { insertImages, originalPathOf, type NewImage } from '../store/images.js';
import { imageIdBySha, insertLiveFile, resultIdOf } from '../store/live-files.js';
import type { Project } from '../store/project.js';
import { upsertResults } from '../store/results.js';
import type { Judgement } from './judge.js';
import { encodeLineMessage } from './message.js';
import { writeTransaction } from '../store/write-transaction.js';

export type Judged = Extract<Judgement, { kind: 'judged' }>;

/** A stored verdict: the line message and where the part and its map are in the project. */
export interface StoredVerdict {
  readonly judged: Judged;
  /** Ledger row id; null when the ledger already held this arrival (nothing to send again). */
  readonly ledgerId: number | null;
  readonly imageId: number | null;
  readonly resultId: number | null;
  readonly imagePath: string | null;
  readonly mapPath: string | null;
  readonly message: LineMessage;
  /** The message encoded (checked against the schema). */
  readonly line: string;
}

export interface RecordContext {
  readonly modelId: number;
  readonly dataset: DatasetRow;
  readonly dir: string;
  /** The reject threshold the map PNG is scaled to (reject = mid-grey), 0 when the model has none. */
  readonly reject: number;
  readonly width: number;
  readonly height: number;
  readonly provider: string;
}

/** The live dataset of a watched folder: "live: <name>", or "live: <name> (2)"… when another folder has that name. */
export function liveDataset(project: Project, dir: string): DatasetRow {
  const base = `live: ${path.basename(dir) || dir}`;
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base} (${n})`;
    const found = getDatasetByName(project.db, name);
    if (!found) return ensureDataset(project.db, { name, category: null, sourceFormat: 'folder', sourcePath: dir });
    if (found.sourcePath === dir) return found;
  }
}

interface Placed {
  readonly judged: Judged;
  readonly row: NewImage | null;
  readonly mapPath: string | null;
}

/** Writes the part's copy, thumbnail and map files; returns the image row to insert. */
async function place(project: Project, c: RecordContext, j: Judged): Promise<Placed> {
  if (!j.part) return { judged: j, row: null, mapPath: null };
  const { sha256, bytes, image } = j.part;
  const ds = String(c.dataset.id);
  const ext = image ? (image.storedPng ? 'png' : image.format) : 'bin';
  const rel = `images/${ds}/${sha256}.${ext}`;
  await writeOnce(project.path(rel), image?.storedPng ?? bytes);
  let thumb: string | null = null;
  if (image) {
    thumb = `thumbnails/${ds}/${sha256}.webp`;
    await writeOnce(project.path(thumb), image.thumbnail);
  }
  let mapPath: string | null = null;
  if (j.map) {
    mapPath = `maps/model-${c.modelId}/live-${sha256}.png`;
    await writeMapPng(project.path(mapPath), j.map, j.mapSize?.width ?? c.width, j.mapSize?.height ?? c.height, c.reject);
  }
  const row: NewImage = {
    datasetId: c.dataset.id,
    path: rel,
    originalPath: originalPathOf(c.dir, j.file.sourcePath),
    storage: 'copy',
    sha256,
    width: image?.width ?? 0,
    height: image?.height ?? 0,
    channels: image?.channels ?? 0,
    bitDepth: image?.bitDepth ?? 0,
    format: image?.format ?? 'unknown',
    label: 'ignore',
    split: 'test',
    defectType: null,
    category: null,
    phash: image?.phash ?? null,
    thumbnailPath: thumb,
    maskPath: null,
  };
  return { judged: j, row, mapPath };
}

/** Content-addressed blobs: an existing file already holds these bytes. */
async function writeOnce(file: string, data: Buffer): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, data, { flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
}

function messageOf(project: Project, c: RecordContext, p: Placed, time: string): LineMessage {
  const j = p.judged;
  return {
    file: j.file.sourcePath,
    score: j.score !== null && Number.isFinite(j.score) ? j.score : null,
    verdict: j.verdict,
    model: c.modelId,
    time,
    ...(p.mapPath ? { map: project.path(p.mapPath) } : {}),
    ...(j.verdict === 'error' ? { reason: j.reason ?? 'not judged' } : {}),
  };
}

/** Stores the batch (files, then one transaction) and returns each verdict with its line message. */
export async function recordBatch(project: Project, c: RecordContext, batch: readonly Judged[]): Promise<StoredVerdict[]> {
  // The parts' files are encoded and written side by side (sharp works on its own threads); rows in order below.
  const placed = await Promise.all(batch.map((j) => place(project, c, j)));
  const time = new Date().toISOString();
  return writeTransaction(project.db, () =>
    placed.map((p): StoredVerdict => {
      const message = messageOf(project, c, p, time);
      const line = encodeLineMessage(message);
      let imageId: number | null = null;
      let resultId: number | null = null;
      if (p.row) {
        imageId = insertImages(project.db, [p.row])[0] ?? imageIdBySha(project.db, c.dataset.id, p.row.sha256);
        if (imageId !== null) {
          upsertResults(project.db, c.modelId, [{ imageId, score: message.score ?? Number.NaN, mapPath: p.mapPath, verdict: p.judged.verdict, executionProvider: c.provider }]);
          resultId = resultIdOf(project.db, c.modelId, imageId);
        }
      }
      const f = p.judged.file;
      const ledgerId = insertLiveFile(project.db, {
        sourcePath: f.sourcePath,
        size: f.size,
        mtimeMs: f.mtimeMs,
        sha256: p.row?.sha256 ?? null,
        modelId: c.modelId,
        datasetId: p.row ? c.dataset.id : null,
        imageId,
        verdict: p.judged.verdict,
        reason: message.reason ?? null,
        message: line,
      });
      return { judged: p.judged, ledgerId, imageId, resultId, imagePath: p.row?.path ?? null, mapPath: p.mapPath, message, line };
    }),
  );
}
