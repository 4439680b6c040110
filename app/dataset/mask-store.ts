/**
 * Stores an image's mask: the PNG blob under masks/ and the masks row, for every way a mask is made (uploaded or
 * drawn through datasets.setMask, accepted from the anomaly map through results.maskFromMap). The blob gets a fresh
 * name and the row is switched after, so a failure never clobbers the old mask; the replaced file is removed last.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../core/errors.js';
import { putMask, type MaskKind, type MaskRow, type Polygon } from '../store/masks.js';
import type { Project } from '../store/project.js';

/** Writes a new blob (project-relative `rel`); refused on a project open read-only. */
export function writeBlob(p: Project, rel: string, data: Buffer): string {
  if (p.readonly) throw new AppError('read_only', `${p.dir} is open read-only: open it for writing to change it`);
  fs.mkdirSync(path.dirname(p.path(rel)), { recursive: true });
  fs.writeFileSync(p.path(rel), data);
  return rel;
}

export function removeBlob(p: Project, rel: string | null | undefined): void {
  if (rel) fs.rmSync(p.path(rel), { force: true });
}

/** The image fields a mask's file name is made of. */
export interface MaskedImage {
  readonly id: number;
  readonly datasetId: number;
  readonly sha256: string;
}

/** Stores `png` (already normalised: the image's size, 0 / 255) as the image's mask of `kind`. */
export function storePngMask(p: Project, image: MaskedImage, kind: MaskKind, png: Buffer): MaskRow {
  const rel = writeBlob(p, `masks/${image.datasetId}/${image.sha256}.${kind}.${Date.now()}.png`, png);
  let stored;
  try {
    stored = putMask(p.db, image.id, kind, { format: 'png', path: rel });
  } catch (err) {
    removeBlob(p, rel);
    throw err;
  }
  removeBlob(p, stored.replacedPath);
  return stored.mask;
}

/** Stores polygons (already validated against the image) as the image's mask of `kind`, removing a replaced PNG. */
export function storePolygonMask(p: Project, image: MaskedImage, kind: MaskKind, polygons: readonly Polygon[]): MaskRow {
  if (p.readonly) throw new AppError('read_only', `${p.dir} is open read-only: open it for writing to change it`);
  const stored = putMask(p.db, image.id, kind, { format: 'polygons', polygons });
  removeBlob(p, stored.replacedPath);
  return stored.mask;
}
