/** Lookups the handlers share: a stored row by id, or a not_found error naming it. */
import type Database from 'better-sqlite3';
import { AppError } from '../../core/errors.js';
import { getDataset } from '../../store/datasets.js';
import { getModel } from '../../store/models.js';

export function mustDataset(db: Database.Database, id: number): NonNullable<ReturnType<typeof getDataset>> {
  const ds = getDataset(db, id);
  if (!ds) throw new AppError('not_found', `dataset ${id} does not exist`);
  return ds;
}

export function mustModel(db: Database.Database, id: number): NonNullable<ReturnType<typeof getModel>> {
  const m = getModel(db, id);
  if (!m) throw new AppError('not_found', `model ${id} does not exist`);
  return m;
}
