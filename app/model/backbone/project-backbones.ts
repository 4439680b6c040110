/**
 * Backbones of a project: the built-in one plus those imported into it. Importing prepares the file
 * (app/model/backbone/import.ts), writes it to `backbones/<sha256>.onnx` (temp + rename) and records it; if the
 * record cannot be written the new file is removed again, so nothing is half-stored.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { AppError } from '../../core/errors.js';
import { type BackboneRecord, findBackboneBySha, getBackbone, insertBackbone, listBackbones, validBackboneName } from '../../store/backbones.js';
import type { Project } from '../../store/project.js';
import { BUILTIN_BACKBONES, builtinBackbone, isBuiltinBackboneName } from './builtin.js';
import { type ImportOptions, type PreparedBackbone, prepareImportedBackbone } from './import.js';
import { BACKBONE_INPUT_NAME, type BackboneInfo } from '../../core/backbone.js';

export function recordToInfo(project: Project, r: BackboneRecord): BackboneInfo {
  return {
    name: r.name,
    kind: r.kind,
    sha256: r.sha256,
    path: project.path(r.path),
    taps: r.taps,
    input: { name: BACKBONE_INPUT_NAME, multipleOf: r.input.multipleOf },
    source: `imported from ${r.input.sourceFile}`,
  };
}

/** The built-in backbones first (the default one leading), then the project's imported ones (oldest first). */
export function projectBackbones(project: Project | null, options: { builtinDir?: string } = {}): BackboneInfo[] {
  const list = Object.keys(BUILTIN_BACKBONES).map((name) => builtinBackbone({ outDir: options.builtinDir, name }));
  if (project) for (const r of listBackbones(project.db)) if (r.kind === 'imported') list.push(recordToInfo(project, r));
  return list;
}

/** Finds a backbone by name (the built-in one or one imported into the project). */
export function resolveBackbone(project: Project | null, name: string, options: { builtinDir?: string } = {}): BackboneInfo {
  if (isBuiltinBackboneName(name)) return builtinBackbone({ outDir: options.builtinDir, name });
  const r = project ? getBackbone(project.db, name) : undefined;
  if (!r) throw new AppError('not_found', `no backbone named "${name}"${project ? ' in this project' : ''}`);
  return recordToInfo(project!, r);
}

export interface ImportBackboneOptions extends ImportOptions {
  /** Default: the file name without extension. */
  readonly name?: string;
}

export interface ImportBackboneResult {
  readonly backbone: BackboneInfo;
  readonly prepared: Omit<PreparedBackbone, 'bytes'>;
}

export async function importBackbone(project: Project, file: string, options: ImportBackboneOptions = {}): Promise<ImportBackboneResult> {
  const name = validBackboneName(options.name ?? path.basename(file).replace(/\.onnx$/i, '').replace(/[^A-Za-z0-9_.-]/g, '_'));
  if (isBuiltinBackboneName(name) || getBackbone(project.db, name)) throw new AppError('conflict', `a backbone named "${name}" already exists; choose another name`);
  const prepared = await prepareImportedBackbone(file, options);
  const existing = findBackboneBySha(project.db, prepared.sha256);
  if (existing) throw new AppError('conflict', `this backbone (with these taps) is already stored as "${existing.name}"`, { existing: existing.name });
  options.signal?.throwIfAborted();

  const rel = `backbones/${prepared.sha256}.onnx`;
  const abs = project.path(rel);
  const existed = fs.existsSync(abs);
  if (!existed) {
    try {
      writeFileAtomic(abs, prepared.bytes);
    } catch (err) {
      throw new AppError('internal', `cannot write ${rel}: ${(err as Error).message}`);
    }
  }
  let record: BackboneRecord;
  try {
    record = insertBackbone(project.db, {
      name,
      kind: 'imported',
      sha256: prepared.sha256,
      path: rel,
      taps: prepared.taps,
      input: {
        multipleOf: prepared.multipleOf,
        normalization: options.normalization ?? 'imagenet',
        channelOrder: options.channelOrder ?? 'rgb',
        sourceFile: path.basename(file),
      },
    });
  } catch (err) {
    if (!existed) fs.rmSync(abs, { force: true });
    throw err;
  }
  const { bytes: _bytes, ...summary } = prepared;
  return { backbone: recordToInfo(project, record), prepared: summary };
}
