import type Database from 'better-sqlite3';
import { AppError } from '../core/errors.js';
import type { SynthesisParams } from '../synthesis/params.js';
import { parseParams } from '../synthesis/params.js';
import { BUILTIN_PRESETS, PRESET_NAMES } from '../synthesis/presets.js';
import { writeTransaction } from './write-transaction.js';

/**
 * Synthesis presets repository: the `synthesis_presets` table. A project holds the eight built-in presets
 * (read-only, kept in step with the code) and any presets its users create; params are validated on every write.
 */

export interface PresetRecord {
  readonly id: number;
  readonly name: string;
  readonly params: SynthesisParams;
  readonly builtin: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

interface PresetRow {
  id: number;
  name: string;
  params_json: string;
  builtin: number;
  created_at: string;
  updated_at: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/;

function toRecord(row: PresetRow): PresetRecord {
  return {
    id: row.id,
    name: row.name,
    params: JSON.parse(row.params_json) as SynthesisParams,
    builtin: row.builtin === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function validName(name: string): string {
  const n = name.trim();
  if (!NAME.test(n)) {
    throw new AppError('invalid_request', `preset name "${name}" must be 1–64 characters: letters, digits, space, '_', '-', '.' (starting with a letter or digit)`);
  }
  return n;
}

/** Inserts missing built-in presets and refreshes their params when the code's defaults changed. */
export function ensureBuiltinPresets(db: Database.Database): void {
  if (db.readonly) return;
  const now = new Date().toISOString();
  const upsert = db.prepare(
    `INSERT INTO synthesis_presets (name, params_json, builtin, created_at, updated_at) VALUES (?, ?, 1, ?, ?)
     ON CONFLICT(name) DO UPDATE SET params_json = excluded.params_json, updated_at = excluded.updated_at
     WHERE synthesis_presets.builtin = 1 AND synthesis_presets.params_json <> excluded.params_json`,
  );
  writeTransaction(db, () => {
    for (const name of PRESET_NAMES) upsert.run(name, JSON.stringify(BUILTIN_PRESETS[name]), now, now);
  });
}

/** Built-ins first (in their canonical order), then user presets by name. */
export function listPresets(db: Database.Database): PresetRecord[] {
  ensureBuiltinPresets(db);
  const rows = db.prepare('SELECT * FROM synthesis_presets ORDER BY builtin DESC, name').all() as PresetRow[];
  const order = (r: PresetRow): number => (r.builtin ? (PRESET_NAMES as readonly string[]).indexOf(r.name) : PRESET_NAMES.length);
  return rows.map((r, i) => [r, i] as const).sort((a, b) => order(a[0]) - order(b[0]) || a[1] - b[1]).map(([r]) => toRecord(r));
}

export function getPreset(db: Database.Database, id: number): PresetRecord | undefined {
  ensureBuiltinPresets(db);
  const row = db.prepare('SELECT * FROM synthesis_presets WHERE id = ?').get(id) as PresetRow | undefined;
  return row && toRecord(row);
}

export function getPresetByName(db: Database.Database, name: string): PresetRecord | undefined {
  ensureBuiltinPresets(db);
  const row = db.prepare('SELECT * FROM synthesis_presets WHERE name = ?').get(name.trim()) as PresetRow | undefined;
  return row && toRecord(row);
}

function requirePreset(db: Database.Database, id: number): PresetRecord {
  const p = getPreset(db, id);
  if (!p) throw new AppError('not_found', `synthesis preset ${id} does not exist`);
  return p;
}

function assertNameFree(db: Database.Database, name: string, exceptId?: number): void {
  const row = db.prepare('SELECT id FROM synthesis_presets WHERE name = ?').get(name) as { id: number } | undefined;
  if (row && row.id !== exceptId) throw new AppError('conflict', `a synthesis preset named "${name}" already exists`);
}

export function createPreset(db: Database.Database, name: string, params: unknown): PresetRecord {
  const n = validName(name);
  const p = parseParams(params);
  ensureBuiltinPresets(db);
  const id = writeTransaction(db, () => {
    assertNameFree(db, n);
    const now = new Date().toISOString();
    const info = db
      .prepare('INSERT INTO synthesis_presets (name, params_json, builtin, created_at, updated_at) VALUES (?, ?, 0, ?, ?)')
      .run(n, JSON.stringify(p), now, now);
    return Number(info.lastInsertRowid);
  });
  return requirePreset(db, id);
}

export function updatePreset(db: Database.Database, id: number, change: { name?: string; params?: unknown }): PresetRecord {
  const existing = requirePreset(db, id);
  if (existing.builtin) {
    throw new AppError('forbidden', `the built-in preset "${existing.name}" cannot be changed; create a copy under another name`);
  }
  const n = change.name === undefined ? existing.name : validName(change.name);
  const p = change.params === undefined ? existing.params : parseParams(change.params);
  writeTransaction(db, () => {
    assertNameFree(db, n, id);
    db.prepare('UPDATE synthesis_presets SET name = ?, params_json = ?, updated_at = ? WHERE id = ?').run(
      n,
      JSON.stringify(p),
      new Date().toISOString(),
      id,
    );
  });
  return requirePreset(db, id);
}

export function deletePreset(db: Database.Database, id: number): void {
  const existing = requirePreset(db, id);
  if (existing.builtin) throw new AppError('forbidden', `the built-in preset "${existing.name}" cannot be deleted`);
  writeTransaction(db, () => {
    db.prepare('DELETE FROM synthesis_presets WHERE id = ? AND builtin = 0').run(id);
  });
}

/** What synthesis needs to know of a stored image (read model; the images aggregate is owned elsewhere). */
export interface SynthesisSourceRow {
  readonly id: number;
  readonly path: string;
  readonly storage: 'copy' | 'reference';
  readonly width: number;
  readonly height: number;
  /** Project-relative PNG of the image's own ignore mask (masks.kind = 'ignore', format png), if any. */
  readonly ignoreMaskPath: string | null;
  /** The dataset-wide ignore mask, if any. */
  readonly datasetIgnoreMaskPath: string | null;
}

/** The rows of the given images, in the order asked; missing ids are left out (the caller reports them). */
export function readSynthesisSources(db: Database.Database, imageIds: readonly number[]): SynthesisSourceRow[] {
  const stmt = db.prepare(
    `SELECT i.id, i.path, i.storage, i.width, i.height,
            (SELECT m.path FROM masks m WHERE m.image_id = i.id AND m.kind = 'ignore' AND m.format = 'png') AS ignoreMaskPath,
            d.ignore_mask_path AS datasetIgnoreMaskPath
       FROM images i JOIN datasets d ON d.id = i.dataset_id
      WHERE i.id = ?`,
  );
  return imageIds.flatMap((id) => {
    const row = stmt.get(id) as SynthesisSourceRow | undefined;
    return row ? [row] : [];
  });
}
