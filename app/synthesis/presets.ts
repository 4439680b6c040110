import type { DefectKind, Placement, SynthesisParams } from './params.js';
import { parseParams } from './params.js';

/**
 * The built-in presets. Each is a complete, valid SynthesisParams; a project starts with these rows and users tune
 * copies of them. `mixed` (every kind at once) is the default for training.
 */
export const PRESET_NAMES = ['scratch', 'crack', 'stain', 'hole', 'foreign-particle', 'missing-material', 'cutpaste', 'subtle', 'mixed'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];
export const DEFAULT_PRESET: PresetName = 'mixed';

/** Where the built-in presets place defects (and presets estimated from real defects, from-defects.ts). */
export const DEFAULT_PLACEMENT: Placement = { foreground: 'auto', borderMargin: 0.02 };
const placement = DEFAULT_PLACEMENT;
const soft = (lo: number, hi: number) => ({ mode: 'normal' as const, opacity: [lo, hi] as [number, number], feather: [0.001, 0.004] as [number, number], poisson: false });

const scratchKinds: DefectKind[] = (
  [
    [-0.4, -0.12],
    [0.12, 0.4],
  ] as const
).map(([lo, hi]) => ({
  weight: 1,
  shape: { kind: 'scratch', length: [0.1, 0.45], width: [0.003, 0.012], curvature: [0, 70], angle: [-180, 180] },
  content: { source: 'shift', intensity: [lo, hi], tint: 0.02, gain: [0.85, 1.15] },
  blend: soft(0.7, 1),
}));

const crackKind: DefectKind = {
  weight: 1,
  shape: { kind: 'crack', length: [0.15, 0.5], width: [0.005, 0.014], branching: 0.06, jaggedness: 18, angle: [-180, 180] },
  content: { source: 'hole', depth: [0.55, 0.9], rim: [0, 0.15], rimWidth: [0, 0.003] },
  blend: { mode: 'normal', opacity: [0.85, 1], feather: [0, 0.003], poisson: false },
};

const stainKind: DefectKind = {
  weight: 1,
  shape: { kind: 'perlin', area: [0.004, 0.05], aspect: [0.5, 2], angle: [-180, 180], scale: [1.5, 4], octaves: 3, roughness: 0.6 },
  content: { source: 'shift', intensity: [-0.28, 0.08], tint: 0.08, gain: [0.75, 1.05] },
  blend: { mode: 'normal', opacity: [0.55, 0.95], feather: [0.006, 0.02], poisson: false },
};

const holeKind: DefectKind = {
  weight: 1,
  shape: { kind: 'spot', area: [0.0006, 0.01], aspect: [0.6, 1.6], angle: [-180, 180] },
  content: { source: 'hole', depth: [0.6, 0.95], rim: [0.2, 0.6], rimWidth: [0.002, 0.006] },
  blend: { mode: 'normal', opacity: [0.9, 1], feather: [0.001, 0.004], poisson: false },
};

const particleKind: DefectKind = {
  weight: 1,
  shape: { kind: 'perlin', area: [0.0006, 0.008], aspect: [0.4, 2.5], angle: [-180, 180], scale: [1, 4], octaves: 2, roughness: 0.5 },
  content: { source: 'noise', base: [0.04, 0.9], saturation: 0.6, contrast: [0.05, 0.25], cell: [0.004, 0.03], octaves: 3 },
  blend: { mode: 'normal', opacity: [0.85, 1], feather: [0, 0.003], poisson: false },
};

const missingKind: DefectKind = {
  weight: 1,
  shape: {
    kind: 'union',
    parts: [
      { kind: 'box', area: [0.002, 0.02], aspect: [0.4, 2.5], angle: [-180, 180] },
      { kind: 'spot', area: [0.001, 0.01], aspect: [0.5, 2], angle: [-180, 180] },
    ],
    spread: 0.8,
  },
  content: { source: 'hole', depth: [0.35, 0.8], rim: [0.05, 0.3], rimWidth: [0.001, 0.004] },
  blend: { mode: 'normal', opacity: [0.85, 1], feather: [0, 0.003], poisson: false },
};

const cutpasteKinds: DefectKind[] = [
  {
    weight: 2,
    shape: { kind: 'box', area: [0.002, 0.04], aspect: [0.3, 3.3], angle: [-45, 45] },
    content: { source: 'cutpaste', otherImage: 0.3, rotate: [-45, 45], scale: [0.8, 1.25], flip: true, brightness: [-0.1, 0.1], contrast: [0.8, 1.25] },
    blend: { mode: 'normal', opacity: [1, 1], feather: [0, 0.003], poisson: false },
  },
  {
    // CutPaste's "scar": a thin rotated strip.
    weight: 1,
    shape: { kind: 'box', area: [0.0008, 0.006], aspect: [6, 14], angle: [-180, 180] },
    content: { source: 'cutpaste', otherImage: 0.3, rotate: [-180, 180], scale: [0.8, 1.25], flip: true, brightness: [-0.15, 0.15], contrast: [0.8, 1.25] },
    blend: { mode: 'normal', opacity: [1, 1], feather: [0, 0.002], poisson: false },
  },
];

/**
 * Defects a person sees only on a second look: faint stains (a few per cent of the intensity), smears (the surface
 * blurred or dragged, its mean unchanged) and colour shifts. Strong synthetic stains teach a model that a stain is
 * dark; these teach it that a small change of brightness, sharpness or hue over a patch is a defect too.
 * `minChange` keeps pixels a faint defect did not visibly change out of its mask.
 */
const faint = { mode: 'normal' as const, opacity: [0.6, 1] as [number, number], feather: [0.008, 0.025] as [number, number], poisson: false, minChange: 0.006 };
const blob = (lo: number, hi: number) => ({ kind: 'perlin' as const, area: [lo, hi] as [number, number], aspect: [0.5, 2] as [number, number], angle: [-180, 180] as [number, number], scale: [1.5, 4] as [number, number], octaves: 3, roughness: 0.6 });
const subtleKinds: DefectKind[] = [
  { weight: 1, shape: blob(0.004, 0.06), content: { source: 'shift', intensity: [-0.12, -0.03], tint: 0.02, gain: [0.92, 1.02] }, blend: faint },
  { weight: 1, shape: blob(0.004, 0.06), content: { source: 'shift', intensity: [0.03, 0.1], tint: 0.02, gain: [0.98, 1.08] }, blend: faint },
  { weight: 1, shape: blob(0.004, 0.05), content: { source: 'shift', intensity: [-0.02, 0.02], tint: 0.1, gain: [0.95, 1.05] }, blend: faint },
  {
    weight: 1,
    shape: { kind: 'scratch', length: [0.08, 0.3], width: [0.015, 0.05], curvature: [0, 40], angle: [-180, 180] },
    content: { source: 'blur', radius: [0.004, 0.015] },
    blend: { ...faint, opacity: [0.8, 1] },
  },
  { weight: 1, shape: blob(0.004, 0.04), content: { source: 'warp', amplitude: [0.004, 0.015], cell: [0.02, 0.08] }, blend: { ...faint, opacity: [0.8, 1] } },
];

const stain: SynthesisParams = { count: [1, 2], defects: [stainKind], placement };

export const BUILTIN_PRESETS: Readonly<Record<PresetName, SynthesisParams>> = {
  scratch: { count: [1, 3], defects: scratchKinds, placement },
  crack: { count: [1, 2], defects: [crackKind], placement },
  stain,
  hole: { count: [1, 3], defects: [holeKind], placement },
  'foreign-particle': { count: [1, 3], defects: [particleKind], placement },
  'missing-material': { count: [1, 2], defects: [missingKind], placement },
  cutpaste: { count: [1, 2], defects: cutpasteKinds, placement },
  subtle: { count: [1, 2], defects: subtleKinds, placement },
  mixed: {
    count: [1, 3],
    defects: [...scratchKinds, crackKind, stainKind, holeKind, particleKind, missingKind, ...cutpasteKinds].map((k) => ({ ...k, weight: 1 })),
    placement,
  },
};

export const PRESET_DESCRIPTIONS: Readonly<Record<PresetName, string>> = {
  scratch: 'Thin curved dark or bright lines (1–3).',
  crack: 'Branching dark random-walk cracks.',
  stain: 'Soft-edged irregular blobs (shaped by Perlin noise, a smooth random pattern) with an intensity / colour shift.',
  hole: 'Small round pits: darkened centre with a lit rim.',
  'foreign-particle': 'Small ragged particles of a foreign noisy material.',
  'missing-material': 'Chunks (box ∪ ellipse) darkened like missing material.',
  cutpaste: 'CutPaste: rectangles and thin scars cut from elsewhere in the image or another image.',
  subtle: 'Faint stains (3–12 % of the intensity), blurred or dragged smears, and colour shifts.',
  mixed: 'All of the above except subtle, equally likely (the default for training).',
};

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

/** The built-in preset's parameters, validated (a typo in this file fails loudly at first use). */
export function builtinPreset(name: PresetName): SynthesisParams {
  return parseParams(structuredClone(BUILTIN_PRESETS[name]));
}
