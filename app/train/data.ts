/**
 * Which images a model trains and validates on, read from the project:
 * - training: good images of split `train`, minus a seeded held-out fraction when the project has no `val` split;
 * - validation: good images of split `val` (or the held-out ones), their synthesized twins (always), and defective
 *   images of split `val` with their labels (real labelled defects, when present).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { AppError } from '../core/errors.js';
import { type ModelImage, selectModelImages, selectTrainingDefects, type TrainingDefect, trainableCategories } from '../store/models.js';
import type { Project } from '../store/project.js';
import { permutation, seededRandom } from '../model/flow/random.js';

export interface TrainingData {
  readonly datasetId: number | null;
  readonly category: string | null;
  readonly train: readonly ModelImage[];
  readonly valGood: readonly ModelImage[];
  readonly valDefects: readonly ModelImage[];
  /**
   * Real defects to learn from (label 'defect', split 'train', each with a mask): CL-Flow puts them in place of
   * some synthesized twins (app/train/real-defects.ts). Evaluation never sees them: they are not in val or test.
   */
  readonly trainDefects: readonly TrainingDefect[];
  /** sha256 over the sorted training image hashes (and the training defects with their masks): which data a model saw. */
  readonly hash: string;
}

export function imageFile(project: Project, p: string): string {
  return path.isAbsolute(p) ? p : project.path(p);
}

export function selectTrainingData(project: Project, sel: { category?: string; datasetId?: number }, seed: number, valFraction: number): TrainingData {
  let { category, datasetId } = sel;
  if (category === undefined && datasetId === undefined) {
    const cats = trainableCategories(project.db);
    const distinct = [...new Set(cats.map((c) => c.category ?? `dataset ${c.datasetId}`))];
    if (distinct.length === 0) throw new AppError('invalid_request', 'the project has no good training images (label good, split train): import a dataset first');
    if (distinct.length > 1) throw new AppError('invalid_request', `the project has several categories (${distinct.join(', ')}): choose one with --category`);
    if (cats[0].category !== null) category = cats[0].category;
    else datasetId = cats[0].datasetId;
  }
  const all = selectModelImages(project.db, { category, datasetId });
  const trainGood = all.filter((i) => i.split === 'train' && i.label === 'good');
  if (trainGood.length === 0) throw new AppError('invalid_request', `no good training images for ${category !== undefined ? `category "${category}"` : `dataset ${datasetId}`}`);
  let train: ModelImage[] = trainGood;
  let valGood = all.filter((i) => i.split === 'val' && i.label === 'good');
  if (valGood.length === 0) {
    const nVal = Math.max(2, Math.round(trainGood.length * valFraction));
    if (trainGood.length - nVal < 2) throw new AppError('invalid_request', `only ${trainGood.length} good training images: at least ${nVal + 2} are needed to hold out ${nVal} for validation`);
    const order = permutation(seededRandom(seed ^ 0x5eed), trainGood.length);
    const held = new Set(order.slice(0, nVal));
    valGood = trainGood.filter((_, i) => held.has(i));
    train = trainGood.filter((_, i) => !held.has(i));
  }
  const valDefects = all.filter((i) => i.split === 'val' && i.label === 'defect');
  const trainDefects = selectTrainingDefects(project.db, { category, datasetId });
  const unmasked = trainDefects.filter((d) => !d.maskPath && !d.maskPolygonsJson);
  if (unmasked.length > 0) {
    throw new AppError('invalid_request', `${unmasked.length} training defect${unmasked.length === 1 ? ' has' : 's have'} no mask (image ${unmasked.slice(0, 5).map((d) => d.id).join(', ')}${unmasked.length > 5 ? ', …' : ''}): draw the defect's mask, or move the image to split val or test`);
  }
  // Without training defects the hash is what it always was (a run started before they existed still resumes).
  const hasher = createHash('sha256').update(train.map((i) => i.sha256).sort().join('\n'));
  if (trainDefects.length > 0) hasher.update(`\ndefects:${trainDefects.map((d) => `${d.sha256}:${d.maskPath ?? d.maskPolygonsJson}`).sort().join('\n')}`);
  const hash = hasher.digest('hex');
  const ds = new Set(all.map((i) => i.datasetId));
  return { datasetId: datasetId ?? (ds.size === 1 ? [...ds][0] : null), category: category ?? null, train, valGood, valDefects, trainDefects, hash };
}
