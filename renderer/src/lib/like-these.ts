/**
 * "Like these defects" in the Synthesis view (issue 23): the name a derived preset gets, why the action is not
 * available, what the measurement found in words a quality engineer reads at a glance, and how a synthesized
 * preview is zoomed to its defect so it sits at the same scale as the real crops beside it.
 */
import type { ResponseOf } from '../../../app/api/contract';
import { defectSquare, type PixelBox } from '../../../app/core/defect-crop';
import { plural } from '../../../app/core/plural';

export type DefectMeasured = ResponseOf<'synthesis.presetFromDefects'>['measured'][number];

/** Preset names are at most 64 characters (synthesis.createPreset). */
const MAX_NAME = 64;

/** "like <category>", numbered when that name is taken ("like fabric 2", …). */
export function likeTheseName(category: string, taken: readonly string[]): string {
  const used = new Set(taken);
  for (let n = 1; ; n++) {
    const suffix = n === 1 ? '' : ` ${n}`;
    const name = `like ${category.trim() || 'these'}`.slice(0, MAX_NAME - suffix.length).trimEnd() + suffix;
    if (!used.has(name)) return name;
  }
}

/** Why "Like these defects" is disabled, or null when it can run. */
export function likeTheseBlocked(category: string | null, maskedDefects: number): string | null {
  if (category === null) return 'Choose a category first.';
  if (maskedDefects === 0) return `No confirmed defects with masks in ${category}; mask them in Review.`;
  return null;
}

/** Soft edge: the edge changes less than 60 % of the core (the rule app/synthesis/from-defects.ts feathers by). */
const SOFT_EDGE = 0.6;

const percent = (v: number): string => {
  const p = Math.abs(v * 100);
  return p >= 10 ? p.toFixed(0) : p >= 1 ? p.toFixed(1) : p.toPrecision(2);
};

function range(values: readonly number[], show: (v: number) => string): string {
  const lo = Math.min(...values), hi = Math.max(...values);
  return show(lo) === show(hi) ? show(lo) : `${show(lo)}–${show(hi)}`;
}

/** The intensity change inside the defects against the surface around them: "8–12 % darker", "−3 % to +5 %". */
function contrastWords(offsets: readonly number[]): string {
  const lo = Math.min(...offsets), hi = Math.max(...offsets);
  if (hi < 0) return `${range(offsets.map((v) => -v), percent)} % darker`;
  if (lo >= 0) return `${range(offsets, percent)} % brighter`;
  return `−${percent(lo)} % to +${percent(hi)} %`;
}

export interface MeasuredLine {
  readonly label: string;
  readonly value: string;
}

/** What "like these" measured, one short line per quantity (the preset's ranges are built to cover these). */
export function measuredSummary(measured: readonly DefectMeasured[]): MeasuredLine[] {
  if (!measured.length) return [];
  const lines = measured.filter((m) => m.lineLike).length;
  const blobs = measured.length - lines;
  const soft = measured.filter((m) => m.edgeSharpness < SOFT_EDGE).length;
  const tint = Math.max(...measured.map((m) => m.tint));
  const shapes = [blobs ? plural(blobs, 'blob') : '', lines ? plural(lines, 'line') : ''].filter(Boolean).join(', ');
  return [
    { label: 'Defects', value: `${measured.length} measured: ${shapes}` },
    { label: 'Area', value: `${range(measured.map((m) => m.area), percent)} % of the image` },
    { label: 'Elongation', value: `${range(measured.map((m) => m.aspect), (v) => v.toFixed(1))} : 1` },
    { label: 'Contrast', value: contrastWords(measured.map((m) => m.offset)) },
    { label: 'Colour change', value: tint < 0.005 ? 'none (grey change only)' : `up to ${percent(tint)} %` },
    { label: 'Edge', value: soft === 0 ? 'hard' : soft === measured.length ? 'soft' : `${soft} soft, ${measured.length - soft} hard` },
  ];
}

/** The comparison square around a preview's largest synthesized defect, or null when it has none. */
export function previewFocus(defects: readonly PixelBox[], width: number, height: number): PixelBox | null {
  if (!defects.length) return null;
  const largest = defects.reduce((a, d) => (d.w * d.h > a.w * a.h ? d : a));
  return defectSquare(largest, width, height);
}

/**
 * CSS placing a whole width × height image under a square frame so that `focus` fills the frame: the layer is the
 * image scaled by frame / focus side, moved by the focus's corner (percentages of the square frame's side).
 */
export function zoomLayerStyle(focus: PixelBox, width: number, height: number): string {
  const pc = (v: number) => `${((v / focus.w) * 100).toFixed(3)}%`;
  return `left: ${pc(-focus.x)}; top: ${pc(-focus.y)}; width: ${pc(width)}; height: ${pc(height)};`;
}
