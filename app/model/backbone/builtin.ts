/**
 * The built-in backbones (ImageNet features from nsfwjs), as BackboneInfo the model code can splice in front of the
 * flows or run on its own: `mobilenetv2-imagenet`, the fast default, and `inceptionv3-imagenet`, the accurate one
 * (wider, deeper features; slower — docs/model.md, "Backbones", gives the speed of each).
 */
import path from 'node:path';
import { INCEPTION_MANIFEST_PATH, MANIFEST_PATH, ensureBuiltinBackbone, readManifest } from '../../../native-models/build-backbones.js';
import { BACKBONE_INPUT_NAME, type BackboneInfo } from '../../core/backbone.js';
import { AppError } from '../../core/errors.js';

/** The default backbone. */
export const BUILTIN_BACKBONE_NAME = 'mobilenetv2-imagenet';

/** Every built-in backbone by name, with its manifest; the default first. */
export const BUILTIN_BACKBONES: Readonly<Record<string, string>> = {
  [BUILTIN_BACKBONE_NAME]: MANIFEST_PATH,
  'inceptionv3-imagenet': INCEPTION_MANIFEST_PATH,
};

export function isBuiltinBackboneName(name: string): boolean {
  return Object.hasOwn(BUILTIN_BACKBONES, name);
}

/**
 * Builds the ONNX file if it is missing or stale (≈1 s, offline) and describes it.
 * `outDir`: where to build when the install folder is read-only (a packaged app passes its user-data folder).
 * `name`: which built-in backbone (default: the fast MobileNetV2).
 */
export function builtinBackbone(options: { outDir?: string; name?: string } = {}): BackboneInfo {
  const manifestFile = BUILTIN_BACKBONES[options.name ?? BUILTIN_BACKBONE_NAME];
  if (!manifestFile) throw new AppError('not_found', `no built-in backbone named "${options.name}" (built in: ${Object.keys(BUILTIN_BACKBONES).join(', ')})`);
  const manifest = readManifest(manifestFile);
  const built = ensureBuiltinBackbone({ outDir: options.outDir, manifest: manifestFile });
  return {
    name: manifest.name,
    kind: 'builtin',
    sha256: built.sha256,
    path: path.resolve(built.path),
    taps: manifest.taps.map((t) => ({ ...t })),
    input: { name: BACKBONE_INPUT_NAME, multipleOf: manifest.input.multipleOf },
    source: `${manifest.source.package}@${manifest.source.version} (${manifest.license.spdx}, ${manifest.license.holder})`,
  };
}
