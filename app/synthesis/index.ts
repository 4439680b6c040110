/**
 * Anomaly synthesis: defects with exact masks, drawn into raw pixel buffers (the CL-Flow surrogate labels).
 *
 * Single sample (synchronous, raw buffers; 1–4 channels, 8/16-bit; deterministic per seed):
 *   synthesize(image: Raster, params: unknown, seed: number, resources?: SynthesisResources)
 *     → { image: Raster, mask: BinaryMap (255 where blend weight ≥ 0.5), defects: DefectInfo[] }
 *   `params` is validated with parseParams (throws InvalidParamsError naming field and allowed range);
 *   builtinPreset(name) gives one of PRESET_NAMES.
 *
 * Training batches (streaming, worker threads, seeded per epoch) — what the training loop consumes:
 *   synthesisBatches({
 *     sources: (string | Uint8Array)[],      // image file paths or encoded image buffers
 *     presets: (PresetName | SynthesisParams)[], // each sample picks one (seeded)
 *     batchSize: number, seed: number, epoch: number,
 *     size: { width, height },               // every image is resized to the model input
 *     ignoreMasks?: (string | Uint8Array | null)[], // per source: ignore-region mask image (white = no defects)
 *     workers?: number (default CPUs−1, ≤ 4; 0 = this thread), shuffle?: boolean (true), dropLast?: boolean (false),
 *     prefetch?: number (2 batches), signal?: AbortSignal,
 *   }): AsyncGenerator<SynthesisBatch>
 *   SynthesisBatch = { epoch, index, sourceIndices: number[], size,
 *                      clean: Float32Array (N, 3, H, W) RGB in [0, 1],
 *                      images: Float32Array (N, 3, H, W) RGB in [0, 1],
 *                      masks: Float32Array (N, 1, H, W) in {0, 1} }
 *   Example: for await (const b of synthesisBatches({ sources, presets: ['mixed'], batchSize: 8, seed: 1, epoch,
 *            size: { width: 256, height: 256 } })) { ... }
 *   Same (sources, presets, seed, epoch, size) → same bytes whatever the worker count; another epoch → new defects.
 *   The worker pool survives 20 s after an epoch ends, so the next epoch does not pay the worker start-up again.
 */
export { synthesize } from './synthesize.js';
export type { SynthesisResources, SynthesisResult, DefectInfo } from './synthesize.js';
export { synthesisBatches } from './batch.js';
export type { BatchOptions, SynthesisBatch } from './batch.js';
export { parseParams, InvalidParamsError, SynthesisParams as SynthesisParamsSchema } from './params.js';
export type { SynthesisParams } from './params.js';
export { BUILTIN_PRESETS, PRESET_NAMES, PRESET_DESCRIPTIONS, DEFAULT_PRESET, builtinPreset, isPresetName } from './presets.js';
export type { PresetName } from './presets.js';
export { decodeImage, encodePng, encodeMaskPng, decodeMask, loadTextures, loadTexturesFor } from './io.js';
export type { Raster, BinaryMap } from './raster.js';
export { demoImage } from './demo-image.js';
