import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../core/errors.js';
import { openProject } from '../store/project.js';
import { getPresetByName } from '../store/presets.js';
import { decodeImage, decodeMask, encodeMaskPng, encodePng, loadTexturesFor } from '../synthesis/io.js';
import { parseParams } from '../synthesis/params.js';
import type { SynthesisParams } from '../synthesis/params.js';
import { BUILTIN_PRESETS, isPresetName, PRESET_NAMES } from '../synthesis/presets.js';
import { synthesize } from '../synthesis/synthesize.js';
import { CliUsageError, intFlag, jsonFlag, parseCommandArgs, printResult, type CliCommand } from './types.js';

/** Objects merge key by key; arrays and scalars in `patch` replace what they override. */
function deepMerge(base: unknown, patch: unknown): unknown {
  if (typeof base !== 'object' || base === null || Array.isArray(base)) return patch;
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(patch)) out[k] = k in out ? deepMerge(out[k], v) : v;
  return out;
}

function presetParams(name: string, projectDir: string | undefined): SynthesisParams {
  if (projectDir) {
    const p = openProject(path.resolve(projectDir), { readonly: true });
    try {
      const stored = getPresetByName(p.db, name);
      if (stored) return stored.params;
    } finally {
      p.close();
    }
  }
  if (isPresetName(name)) return structuredClone(BUILTIN_PRESETS[name]);
  throw new AppError('not_found', `unknown preset "${name}"; built-in presets: ${PRESET_NAMES.join(', ')}${projectDir ? '' : ' (add --project DIR for project presets)'}`);
}

/** Input files that cannot be read are the user's to fix: report them as invalid_file, not as internal errors. */
async function readInput<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    throw new AppError('invalid_file', (err as Error).message);
  }
}

export const synthCommand: CliCommand = {
  name: 'synth',
  summary: 'Synthesize defects into one image: writes image.png and mask.png',
  usage: [
    'flowspect synth --preset NAME [--params JSON] --image FILE [--seed N] --out DIR [--json]',
    '    [--project DIR] [--ignore MASK] [--foreground MASK] [--donor FILE]...',
    `  NAME: ${PRESET_NAMES.join(', ')} (or a preset of --project DIR)`,
    '  --params JSON is merged into the preset (objects key by key, arrays replaced); without --preset it is the full set.',
    '  --ignore / --foreground: mask images of the same size (white = ignore / object); --donor: CutPaste source images.',
  ].join('\n'),
  async run(argv, io, globals) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        preset: { type: 'string' },
        params: { type: 'string' },
        image: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        project: { type: 'string' },
        ignore: { type: 'string' },
        foreground: { type: 'string' },
        donor: { type: 'string', multiple: true },
      },
      false,
    );
    if (positionals.length > 0) throw new CliUsageError(`unexpected argument "${positionals[0]}"`);
    if (!values.image) throw new CliUsageError('--image FILE is required');
    if (!values.out) throw new CliUsageError('--out DIR is required');
    if (!values.preset && values.params === undefined) throw new CliUsageError('give --preset NAME, --params JSON, or both');
    const seed = intFlag(values.seed, 'seed', { min: 0, max: 4294967295 }) ?? 0;
    const patch = jsonFlag(values.params, 'params');
    const merged = values.preset ? (patch === undefined ? presetParams(values.preset, values.project) : deepMerge(presetParams(values.preset, values.project), patch)) : patch;
    let params: SynthesisParams = parseParams(merged);

    const t0 = performance.now();
    const image = await readInput(() => decodeImage(path.resolve(values.image!)));
    const ignore = values.ignore ? await readInput(() => decodeMask(path.resolve(values.ignore!), image.width, image.height)) : undefined;
    const foreground = values.foreground ? await readInput(() => decodeMask(path.resolve(values.foreground!), image.width, image.height)) : undefined;
    if (foreground && params.placement.foreground !== 'supplied') params = { ...params, placement: { ...params.placement, foreground: 'supplied' } };
    const donors = await Promise.all((values.donor ?? []).map((f) => readInput(() => decodeImage(path.resolve(f)))));
    const textures = await readInput(() => loadTexturesFor(params));
    const result = synthesize(image, params, seed, { ignore, foreground, donors, textures });
    const outDir = path.resolve(values.out);
    fs.mkdirSync(outDir, { recursive: true });
    const imageFile = path.join(outDir, 'image.png');
    const maskFile = path.join(outDir, 'mask.png');
    const [png, mask] = await Promise.all([encodePng(result.image), encodeMaskPng(result.mask)]);
    fs.writeFileSync(imageFile, png);
    fs.writeFileSync(maskFile, mask);
    const seconds = (performance.now() - t0) / 1000;
    let masked = 0;
    for (const v of result.mask.data) if (v) masked++;
    const summary = {
      mask_fraction: masked / result.mask.data.length,
      seconds,
      defects: result.defects.length,
      preset: values.preset ?? null,
      seed,
      width: image.width,
      height: image.height,
      channels: image.channels,
      bit_depth: image.bitDepth,
      image: imageFile,
      mask: maskFile,
    };
    printResult(io, globals, summary, () => [
      `${result.defects.length} defect${result.defects.length === 1 ? '' : 's'} (${result.defects.map((d) => `${d.shape}/${d.content}`).join(', ')}), mask ${(summary.mask_fraction * 100).toFixed(2)}% of ${image.width}×${image.height}`,
      `wrote ${imageFile}`,
      `wrote ${maskFile}`,
      `${(seconds * 1000).toFixed(1)} ms`,
    ]);
    return 0;
  },
};
