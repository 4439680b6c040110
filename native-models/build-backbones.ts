/**
 * Builds the built-in backbones from the nsfwjs package, offline and deterministically, and checks each against its
 * manifest (source file hashes, output hash, taps):
 * - `manifest.json`: `generated/mobilenetv2-imagenet.onnx`, the fast default (MobileNetV2 up to block 9);
 * - `inceptionv3.json`: `generated/inceptionv3-imagenet.onnx`, the accurate one (InceptionV3 up to mixed5, wide
 *   layers pooled and projected, see TapSpec.projection).
 *
 *   npx tsx native-models/build-backbones.ts                    build both if missing or stale (postinstall-safe)
 *   npx tsx native-models/build-backbones.ts --force            rebuild
 *   npx tsx native-models/build-backbones.ts --update-manifest  rebuild and record new hashes (after a deliberate
 *                                                               change of converter, graph serializer or nsfwjs)
 * The app calls `ensureBuiltinBackbone()` lazily as well, so a failed postinstall only delays the build.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import onnxProto from 'onnx-proto';
import { type PaddingPolicy, type TapSpec, convertKeras, convertMobileNetV2 } from './keras/convert.js';
import { MODEL_DIR, loadNsfwjsKeras, sha256Hex } from './keras/source.js';

export const NATIVE_MODELS_DIR = path.dirname(fileURLToPath(import.meta.url));
export const MANIFEST_PATH = path.join(NATIVE_MODELS_DIR, 'manifest.json');
export const INCEPTION_MANIFEST_PATH = path.join(NATIVE_MODELS_DIR, 'inceptionv3.json');
/** Every built-in backbone's manifest, the default (fast) one first. */
export const BUILTIN_MANIFESTS = [MANIFEST_PATH, INCEPTION_MANIFEST_PATH] as const;

export interface BuiltinManifest {
  name: string;
  description: string;
  license: { spdx: string; holder: string; note: string };
  source: { package: string; version: string; lastImagenetLayer: string; files: { path: string; sha256: string }[]; modelDir?: string };
  /** How the Keras layers are converted (default: exactly as Keras pads). */
  convert?: { padding?: PaddingPolicy };
  input: { name: string; layout: string; channels: string; range: [number, number]; normalisation: string; multipleOf: number };
  taps: TapSpec[];
  output: { path: string; converter: number; sha256: string };
}

export function readManifest(file = MANIFEST_PATH): BuiltinManifest {
  const m = JSON.parse(fs.readFileSync(file, 'utf8')) as BuiltinManifest;
  if (!Array.isArray(m?.source?.files) || !Array.isArray(m.taps) || m.taps.length === 0 || !m.output?.path) {
    throw new Error(`${file}: not a backbone manifest (source.files, taps and output.path are required)`);
  }
  return m;
}

export interface BuildResult {
  readonly bytes: Uint8Array;
  readonly sha256: string;
  readonly sourceFiles: { path: string; sha256: string }[];
  readonly sourceVersion: string;
}

/** Converts without writing anything. Throws when the source files differ from the manifest (unless `anySource`). */
export function convertBuiltin(manifest = readManifest(), options: { anySource?: boolean } = {}): BuildResult {
  // Layers after lastImagenetLayer are never read, so a tap beyond the ImageNet weights fails as "not a layer".
  const source = loadNsfwjsKeras(manifest.source.modelDir ?? MODEL_DIR, manifest.source.lastImagenetLayer);
  if (!options.anySource) {
    const mismatch = manifest.source.files.filter((f) => source.files.find((s) => s.path === f.path)?.sha256 !== f.sha256);
    if (mismatch.length || source.packageVersion !== manifest.source.version) {
      throw new Error(
        `${manifest.name}: installed nsfwjs@${source.packageVersion} differs from the manifest (nsfwjs@${manifest.source.version}; ` +
          `${mismatch.map((f) => f.path).join(', ') || 'version'}); install nsfwjs@${manifest.source.version} or re-verify and run --update-manifest`,
      );
    }
  }
  const metadata = {
      'flowspect.backbone': manifest.name,
      'flowspect.source': `${source.packageName}@${source.packageVersion}`,
      'flowspect.license': `${manifest.license.spdx}; ${manifest.license.holder}`,
      'flowspect.taps': JSON.stringify(manifest.taps),
      'flowspect.converter': String(manifest.output.converter),
  };
  const model =
    manifest.name === 'mobilenetv2-imagenet'
      ? convertMobileNetV2(source, manifest.taps, { metadata })
      : convertKeras(source, manifest.taps, { name: manifest.name, docString: `Flowspect built-in backbone: ${manifest.description}`, metadata, padding: manifest.convert?.padding });
  const bytes = onnxProto.onnx.ModelProto.encode(model).finish();
  return { bytes, sha256: sha256Hex(bytes), sourceFiles: source.files.map((f) => ({ ...f })), sourceVersion: source.packageVersion };
}

function writeAtomic(file: string, bytes: Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

export interface EnsureResult {
  readonly path: string;
  readonly sha256: string;
  readonly rebuilt: boolean;
}

/** Files already hashed in this process, by path, with the stat they had then (a changed file is rehashed). */
const verified = new Map<string, string>();
const statKey = (file: string): string => {
  try {
    const st = fs.statSync(file);
    return `${st.size}:${st.mtimeMs}:${st.ino}`;
  } catch {
    return ''; // missing, or a path through a file (ENOTDIR): not there
  }
};

/** Where a read-only install (a packaged app) builds instead: FLOWSPECT_BACKBONE_DIR, else a per-user cache. */
export function fallbackBackboneDir(): string {
  return process.env.FLOWSPECT_BACKBONE_DIR || path.join(os.homedir(), '.cache', 'flowspect', 'backbones');
}

function validFile(file: string, sha256: string): boolean {
  const key = statKey(file);
  if (!key) return false;
  if (verified.get(file) === `${key}|${sha256}`) return true;
  if (sha256Hex(fs.readFileSync(file)) !== sha256) return false;
  verified.set(file, `${key}|${sha256}`);
  return true;
}

/**
 * Returns the built-in backbone file, building it (≈1 s) when missing or when its hash differs from the manifest.
 * Location: `outDir` when given, else `native-models/generated`; when that folder is not writable (a packaged
 * app), `fallbackDir` (default `fallbackBackboneDir()`).
 */
export function ensureBuiltinBackbone(options: { outDir?: string; fallbackDir?: string; force?: boolean; manifest?: string } = {}): EnsureResult {
  const manifest = readManifest(options.manifest);
  const name = path.basename(manifest.output.path);
  const candidates = [
    options.outDir ? path.join(options.outDir, name) : path.join(NATIVE_MODELS_DIR, manifest.output.path),
    path.join(options.fallbackDir ?? fallbackBackboneDir(), name),
  ];
  if (!options.force) {
    for (const file of candidates) if (validFile(file, manifest.output.sha256)) return { path: file, sha256: manifest.output.sha256, rebuilt: false };
  }
  const built = convertBuiltin(manifest);
  if (built.sha256 !== manifest.output.sha256) {
    throw new Error(
      `${manifest.name}: the converter produced sha256 ${built.sha256}, the manifest records ${manifest.output.sha256 || '(none)'}; ` +
        'the converter or the graph serializer changed — check the numerical test, then run `npx tsx native-models/build-backbones.ts --update-manifest`',
    );
  }
  let lastError: unknown;
  for (const file of candidates) {
    try {
      writeAtomic(file, built.bytes);
      verified.set(file, `${statKey(file)}|${built.sha256}`);
      return { path: file, sha256: built.sha256, rebuilt: true };
    } catch (err) {
      lastError = err; // read-only install: try the next location
    }
  }
  throw new Error(`${manifest.name}: cannot write the built-in backbone to ${candidates.join(' or ')}: ${(lastError as Error).message}`);
}

/** Rebuilds, writes the file and records the source and output hashes in the manifest. */
export function updateManifest(manifestPath = MANIFEST_PATH): EnsureResult {
  const manifest = readManifest(manifestPath);
  const built = convertBuiltin(manifest, { anySource: true });
  const file = path.join(NATIVE_MODELS_DIR, manifest.output.path);
  writeAtomic(file, built.bytes);
  manifest.source.version = built.sourceVersion;
  manifest.source.files = built.sourceFiles;
  manifest.output.sha256 = built.sha256;
  fs.writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  verified.set(file, `${statKey(file)}|${built.sha256}`);
  return { path: file, sha256: built.sha256, rebuilt: true };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const args = new Set(process.argv.slice(2));
  try {
    const t0 = performance.now();
    for (const file of BUILTIN_MANIFESTS) {
      const result = args.has('--update-manifest') ? updateManifest(file) : ensureBuiltinBackbone({ force: args.has('--force'), manifest: file });
      console.log(JSON.stringify({ ...result, path: path.relative(process.cwd(), result.path), ms: Math.round(performance.now() - t0) }));
    }
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
