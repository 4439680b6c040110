/**
 * After the soak, with the server stopped: does the database hold everything the clients were told was done? Every
 * file each client imported (by sha256, in the dataset its import job named, with its stored copy and thumbnail on
 * disk) and every result of every finished score job (one row per image of the scored dataset for the model, with
 * its map file). Read straight from the SQLite file, read-only.
 */
import fs from 'node:fs';
import { openProject, type Project } from '../../app/store/project.js';
import type { ImportRecord, ScoreRecord } from './state.js';

export interface LostRows {
  readonly imports: { readonly jobs: number; readonly expectedImages: number; readonly foundImages: number; readonly missingFiles: number };
  readonly scores: { readonly jobs: number; readonly expectedResults: number; readonly foundResults: number; readonly missingMaps: number };
  /** Images and results the clients expect that the database does not have, plus stored files gone from disk. */
  readonly lost: number;
  /** The first few losses, named. */
  readonly details: string[];
}

const KEEP_DETAILS = 10;

type Note = (message: string) => void;

export function findLostRows(projectDir: string, imports: readonly ImportRecord[], scores: readonly ScoreRecord[]): LostRows {
  const project = openProject(projectDir, { readonly: true });
  const details: string[] = [];
  const note: Note = (m) => void (details.length < KEEP_DETAILS && details.push(m));
  try {
    const images = lostImages(project, imports, note);
    const results = lostResults(project, scores, note);
    const lost = images.expectedImages - images.foundImages + images.missingFiles + (results.expectedResults - results.foundResults) + results.missingMaps;
    return { imports: images, scores: results, lost, details };
  } finally {
    project.close();
  }
}

function lostImages(project: Project, imports: readonly ImportRecord[], note: Note): LostRows['imports'] {
  const imagesOf = project.db.prepare('SELECT id, sha256, path, storage, thumbnail_path AS thumb FROM images WHERE dataset_id = ?');
  let expectedImages = 0;
  let foundImages = 0;
  let missingFiles = 0;
  for (const rec of imports) {
    const rows = imagesOf.all(rec.datasetId) as { id: number; sha256: string; path: string; storage: string; thumb: string | null }[];
    const bySha = new Map(rows.map((r) => [r.sha256, r]));
    expectedImages += rec.sha256.length;
    for (const sha of rec.sha256) {
      const row = bySha.get(sha);
      if (!row) {
        note(`client ${rec.client}, import job ${rec.jobId}: no image ${sha.slice(0, 12)}… in dataset ${rec.datasetId}`);
        continue;
      }
      foundImages++;
      for (const rel of [row.storage === 'copy' ? row.path : null, row.thumb]) {
        if (rel && !fs.existsSync(project.path(rel))) {
          missingFiles++;
          note(`image ${row.id}: ${rel} is missing`);
        }
      }
    }
  }
  return { jobs: imports.length, expectedImages, foundImages, missingFiles };
}

function lostResults(project: Project, scores: readonly ScoreRecord[], note: Note): LostRows['scores'] {
  const resultOf = project.db.prepare('SELECT map_path AS map FROM results WHERE model_id = ? AND image_id = ?');
  let expectedResults = 0;
  let foundResults = 0;
  let missingMaps = 0;
  for (const rec of scores) {
    expectedResults += rec.imageIds.length;
    for (const imageId of rec.imageIds) {
      const row = resultOf.get(rec.modelId, imageId) as { map: string | null } | undefined;
      if (!row) {
        note(`client ${rec.client}, score job ${rec.jobId}: no result for image ${imageId} of dataset ${rec.datasetId}`);
        continue;
      }
      foundResults++;
      if (!row.map || !fs.existsSync(project.path(row.map))) {
        missingMaps++;
        note(`image ${imageId}: map ${row.map ?? '(none)'} is missing`);
      }
    }
  }
  return { jobs: scores.length, expectedResults, foundResults, missingMaps };
}
