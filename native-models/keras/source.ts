/**
 * Reads the Keras MobileNetV2 shipped by the npm package `nsfwjs` (MIT, © Infinite Red) and dequantizes its weights.
 *
 * The package stores the model as two UMD/browserify modules:
 * - `model.min.js` exports the tfjs "layers model" JSON ({ modelTopology, weightsManifest });
 * - `group1-shard1of1.min.js` exports the weight shard as one base64 string.
 * Every weight is quantized to uint8 with a per-tensor affine map: value = min + scale · q (tfjs' own rule).
 * We evaluate the modules in an empty `vm` context (no globals, no require) because they are plain data wrapped in
 * UMD boilerplate and the package does not export them to Node.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import vm from 'node:vm';

/** One Keras layer as the model JSON describes it, with its inbound layer names (single-node graphs only). */
export interface KerasLayer {
  readonly name: string;
  readonly className: string;
  readonly config: Record<string, unknown>;
  readonly inbound: readonly string[];
}

/** A dequantized weight tensor in Keras layout (Conv2D kernels HWIO, depthwise kernels H W C 1). */
export interface KerasWeight {
  readonly shape: readonly number[];
  /** Kept in float64: the quantized grid min + scale·q is exact there; folding happens before rounding to float32. */
  readonly data: Float64Array;
}

export interface SourceFile {
  /** Path relative to the package root, e.g. `dist/models/mobilenet_v2/model.min.js`. */
  readonly path: string;
  readonly sha256: string;
}

export interface MobileNetV2Source {
  readonly packageName: 'nsfwjs';
  readonly packageVersion: string;
  readonly license: string;
  readonly files: readonly SourceFile[];
  /** Layers in model order, from the input up to and including `lastLayer`. */
  readonly layers: readonly KerasLayer[];
  /** Weights of those layers only, keyed by tfjs name (`block_1_expand/kernel`, `bn_Conv1/moving_mean`, …). */
  readonly weights: ReadonlyMap<string, KerasWeight>;
}

export const MODEL_DIR = 'dist/models/mobilenet_v2';
export const MODEL_FILES = [`${MODEL_DIR}/model.min.js`, `${MODEL_DIR}/group1-shard1of1.min.js`] as const;

/** Root folder of the installed `nsfwjs` package (it does not export its package.json, so walk up from its entry). */
export function nsfwjsPackageDir(): string {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve('nsfwjs');
  } catch {
    throw new Error(
      'nsfwjs is not installed: it is the development dependency that holds the backbone weights, needed only to build ' +
        'native-models/generated/*.onnx; run `npm ci` (with dev dependencies) and `npm run build:backbone`, or ship the generated files',
    );
  }
  let dir = dirname(entry);
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'nsfwjs') return dir;
    } catch {
      // not the package root yet
    }
    dir = resolve(dir, '..');
  }
  throw new Error('nsfwjs: package root not found above its entry point; is the package installed?');
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Evaluates a UMD module text in an empty context and returns what it assigns to `module.exports`. */
function evaluateUmd(text: string, what: string): unknown {
  const module = { exports: {} as unknown };
  try {
    vm.runInNewContext(text, { module, exports: module.exports }, { timeout: 10_000, filename: what });
  } catch (err) {
    throw new Error(`nsfwjs: cannot evaluate ${what}: ${(err as Error).message}`);
  }
  return module.exports;
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { min?: number; scale?: number; dtype?: string };
}

/** Decodes the whole shard: returns every weight of the manifest, dequantized, in manifest order. */
export function decodeQuantizedShard(specs: readonly WeightSpec[], bytes: Uint8Array): Map<string, KerasWeight> {
  const out = new Map<string, KerasWeight>();
  let offset = 0;
  for (const spec of specs) {
    const q = spec.quantization;
    if (spec.dtype !== 'float32' || !q || q.dtype !== 'uint8' || typeof q.min !== 'number' || typeof q.scale !== 'number') {
      throw new Error(`nsfwjs: weight ${spec.name} is not uint8-quantized float32 (dtype ${spec.dtype}, quantization ${JSON.stringify(q)})`);
    }
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (offset + size > bytes.length) throw new Error(`nsfwjs: weight shard too short at ${spec.name}`);
    const data = new Float64Array(size);
    for (let i = 0; i < size; i++) data[i] = q.min + q.scale * bytes[offset + i];
    out.set(spec.name, { shape: spec.shape.slice(), data });
    offset += size;
  }
  if (offset !== bytes.length) throw new Error(`nsfwjs: weight shard has ${bytes.length - offset} unexplained trailing bytes`);
  return out;
}

/**
 * Loads one tfjs layers model of the package (`modelDir`, e.g. `dist/models/inception_v3`) and keeps the layers up to
 * `lastLayer` (inclusive) and their weights. The weights may span several shards (`group1-shardKofN.min.js`), each a
 * base64 string; tfjs lays the weights out over the shards' concatenated bytes in manifest order.
 */
export function loadNsfwjsKeras(modelDir: string, lastLayer: string, packageDir = nsfwjsPackageDir()): MobileNetV2Source {
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string; license?: string };
  const modelPath = `${modelDir}/model.min.js`;
  const modelText = readFileSync(join(packageDir, modelPath));
  const model = evaluateUmd(modelText.toString('utf8'), modelPath) as {
    modelTopology?: { model_config?: { config?: { layers?: unknown[] } } };
    weightsManifest?: { paths: string[]; weights: WeightSpec[] }[];
  };
  const rawLayers = model.modelTopology?.model_config?.config?.layers;
  if (!Array.isArray(rawLayers) || !Array.isArray(model.weightsManifest) || model.weightsManifest.length !== 1) {
    throw new Error(`nsfwjs: ${modelPath} is not a tfjs layers model with one weight group`);
  }
  const files = [{ path: modelPath, sha256: sha256Hex(modelText) }];
  const shards: Buffer[] = [];
  for (const shard of model.weightsManifest[0].paths) {
    const shardPath = `${modelDir}/${shard}.min.js`;
    const shardText = readFileSync(join(packageDir, shardPath));
    files.push({ path: shardPath, sha256: sha256Hex(shardText) });
    const base64 = evaluateUmd(shardText.toString('utf8'), shardPath);
    if (typeof base64 !== 'string') throw new Error(`nsfwjs: ${shardPath} does not export a base64 string`);
    shards.push(Buffer.from(base64, 'base64'));
  }
  const all = decodeQuantizedShard(model.weightsManifest[0].weights, Buffer.concat(shards));
  const layers = layersUpTo(rawLayers as RawLayer[], lastLayer, modelPath);
  const weights = new Map<string, KerasWeight>();
  for (const layer of layers) {
    for (const [name, w] of all) if (name.startsWith(`${layer.name}/`)) weights.set(name, w);
  }
  return { packageName: 'nsfwjs', packageVersion: pkg.version, license: pkg.license ?? 'unknown', files, layers, weights };
}

interface RawLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes: unknown[][][];
}

function layersUpTo(rawLayers: readonly RawLayer[], lastLayer: string, modelPath: string): KerasLayer[] {
  const layers: KerasLayer[] = [];
  for (const raw of rawLayers) {
    const nodes = raw.inbound_nodes ?? [];
    if (nodes.length > 1) throw new Error(`nsfwjs: layer ${raw.name} is shared; not supported`);
    layers.push({ name: raw.name, className: raw.class_name, config: raw.config, inbound: (nodes[0] ?? []).map((n) => String(n[0])) });
    if (raw.name === lastLayer) break;
  }
  if (layers[layers.length - 1]?.name !== lastLayer) throw new Error(`nsfwjs: layer ${lastLayer} not found in ${modelPath}`);
  return layers;
}

/**
 * Loads the MobileNetV2 and keeps the layers up to `lastLayer` (inclusive) and their weights. Only layers up to
 * `block_10_project_BN` hold the original ImageNet weights; later ones were retrained by nsfwjs.
 */
export function loadNsfwjsMobileNetV2(lastLayer: string, packageDir = nsfwjsPackageDir()): MobileNetV2Source {
  return loadNsfwjsKeras(MODEL_DIR, lastLayer, packageDir);
}
