/**
 * Confirmed defects: images labelled defect with a defect mask (PNG or polygons), the ones "like these" synthesis
 * learns from and the Synthesis view shows beside synthesized ones. Anything else is refused by id, with what to do.
 */
import { AppError } from '../core/errors.js';
import type { Project } from '../store/project.js';
import { rasterisePolygons, type Polygon } from './mask-input.js';

export interface ConfirmedDefect {
  readonly id: number;
  readonly path: string;
  readonly storage: 'copy' | 'reference';
  readonly originalPath: string;
  readonly defectType: string | null;
  readonly label: string;
  readonly width: number;
  readonly height: number;
  readonly maskPath: string | null;
  readonly polygons: string | null;
}

/** The image row of each id, in order; throws not_found / invalid_request naming the first id that is no confirmed defect. */
export function readConfirmedDefects(project: Project, imageIds: readonly number[]): ConfirmedDefect[] {
  const read = project.db.prepare(
    `SELECT i.id, i.path, i.storage, COALESCE(i.original_path, i.path) AS originalPath, i.defect_type AS defectType, i.label, i.width, i.height,
            m.path AS maskPath, m.polygons_json AS polygons
     FROM images i LEFT JOIN masks m ON m.image_id = i.id AND m.kind = 'defect' WHERE i.id = ?`,
  );
  return imageIds.map((id) => {
    const r = read.get(id) as ConfirmedDefect | undefined;
    if (!r) throw new AppError('not_found', `image ${id} does not exist`);
    if (r.label !== 'defect') throw new AppError('invalid_request', `image ${id} is labelled ${r.label}, not defect: only confirmed defects can teach synthesis`);
    if (!r.maskPath && !r.polygons) throw new AppError('invalid_request', `image ${id} has no defect mask: draw one (or make one from the map in Review) first`);
    return r;
  });
}

/** The defect mask as something sharp reads: the stored PNG's file, or the polygons rasterised at the image's size. */
export async function defectMaskSource(project: Project, d: ConfirmedDefect): Promise<string | Buffer> {
  if (d.maskPath) return project.path(d.maskPath);
  return (await rasterisePolygons(JSON.parse(d.polygons!) as Polygon[], d.width, d.height)).png;
}
