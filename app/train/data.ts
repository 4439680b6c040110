/**
 * Which images a model trains and validates on, read from the project:
 * - training: good images of split `train`, minus a seeded held-out fraction when the project has no `val` split;
 * - validation: good images of split `val` (or the held-out ones), their synthesized twins (always), and defective
 *   images of split `val` with their labels (real labelled defects, when present).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { AppError } from '../core/errors.js';
import { type ModelImage, selectModelImages, trainableCategories } from '../store/models.js';
import type { Project } from '../store/project.js';
import { permutation, seededRandom } from '../model/flow/random.js';

export interface TrainingData {
  readonly datasetId: number | null;
  readonly category: string | null;
  readonly train: readonly ModelImage[];
  readonly valGood: readonly ModelImage[];
  readonly valDefects: readonly ModelImage[];
  /** sha256 over the sorted training image hashes: says which data a model saw. */
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
  const hash = createHash('sha256').update(train.map((i) => i.sha256).sort().join('\n')).digest('hex');
  const ds = new Set(all.map((i) => i.datasetId));
  return { datasetId: datasetId ?? (ds.size === 1 ? [...ds][0] : null), category: category ?? null, train, valGood, valDefects, hash };
}
