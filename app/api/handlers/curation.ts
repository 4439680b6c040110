/** Near-duplicate groups and unusual good images of a dataset, with the image facts the Curation view shows. */
import type Database from 'better-sqlite3';
import type { HandlerContext } from '../../context.js';
import { nearDuplicateGroups } from '../../dataset/duplicates.js';
import { unusualByAppearance } from '../../dataset/unusual.js';
import { goodImageCount, goodImagePhashes, goodImagesByScore, imageSummaries, newestModelScoringGoods } from '../../store/curation.js';
import { datasetPhashes } from '../../store/images.js';
import type { HandlerGroup } from '../define.js';
import type { curationMethods } from '../methods/curation.js';
import { mustDataset, mustModel } from './lookups.js';

/** The model whose scores rank the goods: the one asked for (which must exist), else the newest that scored them. */
function rankingModel(db: Database.Database, datasetId: number, modelId: number | undefined): { id: number; name: string } | undefined {
  if (modelId === undefined) return newestModelScoringGoods(db, datasetId);
  const m = mustModel(db, modelId);
  return { id: m.id, name: m.name };
}

/** Pairs each ranked id with what the view shows of it and its ranking value. */
function withSummaries(db: Database.Database, ranked: readonly { id: number; value: number }[]) {
  const value = new Map(ranked.map((r) => [r.id, r.value]));
  return imageSummaries(db, ranked.map((r) => r.id)).map((im) => ({ ...im, value: value.get(im.id)! }));
}

export const curationHandlers: HandlerGroup<typeof curationMethods, HandlerContext> = {
  'curation.duplicates': (req, { app }) => {
    const db = app.project().db;
    mustDataset(db, req.datasetId);
    const groups = nearDuplicateGroups(datasetPhashes(db, req.datasetId), req.maxDistance).sort((a, b) => b.ids.length - a.ids.length || a.ids[0]! - b.ids[0]!);
    return {
      total: groups.length,
      groups: groups.slice(0, req.limit).map((g) => ({ maxDistance: g.maxDistance, images: imageSummaries(db, g.ids) })),
    };
  },
  'curation.unusualGood': (req, { app }) => {
    const db = app.project().db;
    mustDataset(db, req.datasetId);
    const goods = goodImageCount(db, req.datasetId);
    const model = rankingModel(db, req.datasetId, req.modelId);
    if (model) {
      const scored = goodImagesByScore(db, model.id, req.datasetId, req.limit);
      return { by: 'model' as const, model, goods, ranked: scored.total, items: withSummaries(db, scored.items.map((s) => ({ id: s.id, value: s.score }))) };
    }
    const hashes = goodImagePhashes(db, req.datasetId);
    const unusual = unusualByAppearance(hashes, req.limit);
    return { by: 'appearance' as const, model: null, goods, ranked: hashes.length, items: withSummaries(db, unusual.map((u) => ({ id: u.id, value: u.distance }))) };
  },
};
