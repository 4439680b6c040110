import type Database from 'better-sqlite3';
import { AppError } from '../core/errors.js';
import type { BackboneTap } from '../core/backbone.js';
import { writeTransaction } from './write-transaction.js';

/**
 * Backbones repository: the `backbones` table. A row points at an ONNX file inside the project
 * (`backbones/<sha256>.onnx`), with its taps and how its input was wrapped (normalisation, channel order).
 */

export interface BackboneInputRecord {
  readonly multipleOf: number;
  readonly normalization: string;
  readonly channelOrder: 'rgb' | 'bgr';
  /** File name the user imported (provenance only). */
  readonly sourceFile: string;
}

export interface BackboneRecord {
  readonly id: number;
  readonly name: string;
  readonly kind: 'builtin' | 'imported';
  readonly sha256: string;
  /** Project-relative path of the ONNX file. */
  readonly path: string;
  readonly taps: readonly BackboneTap[];
  readonly input: BackboneInputRecord;
  readonly createdAt: string;
}

interface BackboneRow {
  id: number;
  name: string;
  kind: 'builtin' | 'imported';
  sha256: string;
  path: string;
  taps_json: string;
  input_json: string;
  created_at: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function validBackboneName(name: string): string {
  if (!NAME.test(name)) {
    throw new AppError('invalid_request', `backbone name "${name}" must be 1–64 characters: letters, digits, '_', '-', '.' (starting with a letter or digit)`);
  }
  return name;
}

function toRecord(row: BackboneRow): BackboneRecord {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    sha256: row.sha256,
    path: row.path,
    taps: JSON.parse(row.taps_json) as BackboneTap[],
    input: JSON.parse(row.input_json) as BackboneInputRecord,
    createdAt: row.created_at,
  };
}

export function listBackbones(db: Database.Database): BackboneRecord[] {
  return (db.prepare('SELECT * FROM backbones ORDER BY created_at, id').all() as BackboneRow[]).map(toRecord);
}

export function getBackbone(db: Database.Database, name: string): BackboneRecord | undefined {
  const row = db.prepare('SELECT * FROM backbones WHERE name = ?').get(name) as BackboneRow | undefined;
  return row && toRecord(row);
}

export function findBackboneBySha(db: Database.Database, sha256: string): BackboneRecord | undefined {
  const row = db.prepare('SELECT * FROM backbones WHERE sha256 = ?').get(sha256) as BackboneRow | undefined;
  return row && toRecord(row);
}

export type NewBackbone = Omit<BackboneRecord, 'id' | 'createdAt'>;

/** Inserts a backbone; a taken name or an already stored file (same sha256) is a conflict. */
export function insertBackbone(db: Database.Database, b: NewBackbone): BackboneRecord {
  validBackboneName(b.name);
  return writeTransaction(db, () => {
    if (getBackbone(db, b.name)) throw new AppError('conflict', `a backbone named "${b.name}" already exists in this project`);
    const same = findBackboneBySha(db, b.sha256);
    if (same) throw new AppError('conflict', `this backbone is already stored as "${same.name}"`, { existing: same.name });
    const info = db
      .prepare('INSERT INTO backbones (name, kind, sha256, path, taps_json, input_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(b.name, b.kind, b.sha256, b.path, JSON.stringify(b.taps), JSON.stringify(b.input), new Date().toISOString());
    return toRecord(db.prepare('SELECT * FROM backbones WHERE id = ?').get(info.lastInsertRowid) as BackboneRow);
  });
}
