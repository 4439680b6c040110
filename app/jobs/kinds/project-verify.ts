import fs from 'node:fs';
import { openProject } from '../../store/project.js';
import type { JobContext } from '../../core/job-types.js';

export interface VerifyResult {
  integrity: string;
  checkedFiles: number;
  missingFiles: string[];
}

/**
 * Checks a project the way a user moving it between PCs needs: SQLite's integrity check, then that every file
 * the database points to (images copied in, thumbnails, masks, maps, models) is present.
 */
export async function run(ctx: JobContext): Promise<VerifyResult> {
  const project = openProject(ctx.projectDir, { readonly: true });
  try {
    const integrity = String(project.db.pragma('integrity_check', { simple: true }));
    ctx.progress(0.05, `integrity_check: ${integrity}`);
    const paths = project.db
      .prepare(
        `SELECT path AS p FROM images WHERE storage = 'copy'
         UNION ALL SELECT thumbnail_path FROM images WHERE thumbnail_path IS NOT NULL
         UNION ALL SELECT path FROM masks WHERE path IS NOT NULL
         UNION ALL SELECT map_path FROM results WHERE map_path IS NOT NULL
         UNION ALL SELECT onnx_path FROM models WHERE onnx_path IS NOT NULL`,
      )
      .pluck()
      .all() as string[];
    const missing: string[] = [];
    for (let i = 0; i < paths.length; i++) {
      ctx.signal.throwIfAborted();
      if (!fs.existsSync(project.path(paths[i]!))) missing.push(paths[i]!);
      if (i % 200 === 0) {
        ctx.progress(0.05 + (0.95 * i) / paths.length, `checked ${i} of ${paths.length} files`);
        await new Promise((r) => setImmediate(r)); // let a cancel message in
      }
    }
    ctx.progress(1, `checked ${paths.length} files, ${missing.length} missing`);
    return { integrity, checkedFiles: paths.length, missingFiles: missing.slice(0, 1000) };
  } finally {
    project.close();
  }
}
