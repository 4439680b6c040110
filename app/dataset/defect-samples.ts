/**
 * Confirmed defects of a project as samples for "like these" synthesis (app/synthesis/from-defects.ts): each image
 * with its defect mask (PNG or polygons), decoded at most `maxSide` pixels on its longer side so a large part stays
 * cheap. Every image must be a labelled defect with a mask; anything else is refused by id.
 */
import sharp from 'sharp';
import { AppError } from '../core/errors.js';
import { openImage } from '../core/image-decode.js';
import type { DefectSample } from '../synthesis/from-defects.js';
import type { Project } from '../store/project.js';
import { readBoundedFile } from '../core/bounded-read.js';
import { imageFilePath } from '../store/images.js';
import { rasterisePolygons, type Polygon } from './mask-input.js';

interface Row {
  id: number;
  path: string;
  storage: 'copy' | 'reference';
  label: string;
  width: number;
  height: number;
  maskPath: string | null;
  polygons: string | null;
}

export async function loadDefectSamples(project: Project, imageIds: readonly number[], maxSide = 512): Promise<DefectSample[]> {
  const read = project.db.prepare(
    `SELECT i.id, i.path, i.storage, i.label, i.width, i.height, m.path AS maskPath, m.polygons_json AS polygons
     FROM images i LEFT JOIN masks m ON m.image_id = i.id AND m.kind = 'defect' WHERE i.id = ?`,
  );
  const samples: DefectSample[] = [];
  for (const id of imageIds) {
    const r = read.get(id) as Row | undefined;
    if (!r) throw new AppError('not_found', `image ${id} does not exist`);
    if (r.label !== 'defect') throw new AppError('invalid_request', `image ${id} is labelled ${r.label}, not defect: only confirmed defects can teach synthesis`);
    if (!r.maskPath && !r.polygons) throw new AppError('invalid_request', `image ${id} has no defect mask: draw one (or make one from the map in Review) first`);
    const scale = Math.min(1, maxSide / Math.max(r.width, r.height));
    const width = Math.max(1, Math.round(r.width * scale));
    const height = Math.max(1, Math.round(r.height * scale));
    const rgb = await openImage(await readBoundedFile(imageFilePath(project, r), 'image')).flatten({ background: '#000000' }).toColourspace('srgb').resize(width, height, { fit: 'fill' }).removeAlpha().raw().toBuffer();
    const maskSource = r.maskPath ? project.path(r.maskPath) : (await rasterisePolygons(JSON.parse(r.polygons!) as Polygon[], r.width, r.height)).png;
    const grey = await sharp(maskSource).greyscale().resize(width, height, { fit: 'fill', kernel: 'nearest' }).raw().toBuffer();
    const mask = Uint8Array.from(grey, (v) => (v >= 128 ? 1 : 0));
    if (!mask.some((v) => v)) throw new AppError('invalid_request', `image ${id}: its defect mask is empty at ${width}×${height}`);
    samples.push({ width, height, rgb: new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.length), mask });
  }
  return samples;
}
