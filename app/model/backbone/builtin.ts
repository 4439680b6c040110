/**
 * The built-in backbone (MobileNetV2 ImageNet features from nsfwjs), as a BackboneInfo the model code can splice
 * in front of the flows or run on its own.
 */
import path from 'node:path';
import { ensureBuiltinBackbone, readManifest } from '../../../native-models/build-mobilenetv2.js';
import { BACKBONE_INPUT_NAME, type BackboneInfo } from '../../core/backbone.js';

export const BUILTIN_BACKBONE_NAME = 'mobilenetv2-imagenet';

/**
 * Builds the ONNX file if it is missing or stale (≈1 s, offline) and describes it.
 * `outDir`: where to build when the install folder is read-only (a packaged app passes its user-data folder).
 */
export function builtinBackbone(options: { outDir?: string } = {}): BackboneInfo {
  const manifest = readManifest();
  const built = ensureBuiltinBackbone(options);
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
