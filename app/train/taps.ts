/** Which backbone taps a model puts a flow on, and their feature shapes at the model's input size. */
import { AppError } from '../core/errors.js';
import type { BackboneInfo } from '../core/backbone.js';
import type { TapShape } from '../model/flow/config.js';

/** Finest stride a model uses unless `strides` says otherwise (settings.ts). */
export const DEFAULT_MIN_STRIDE = 8;

/** The taps a model uses (those at `strides`; default: stride ≥ 8, or all when none is) at an input size. */
export function tapShapes(backbone: BackboneInfo, height: number, width: number, strides?: readonly number[]): TapShape[] {
  const missing = (strides ?? []).filter((s) => !backbone.taps.some((t) => t.stride === s));
  if (missing.length) {
    throw new AppError('invalid_request', `invalid training settings: strides: backbone ${backbone.name} has no tap at stride ${missing.join(', ')} (its taps: ${backbone.taps.map((t) => `${t.name} at ${t.stride}`).join(', ')})`);
  }
  const coarse = backbone.taps.filter((t) => t.stride >= DEFAULT_MIN_STRIDE);
  const chosen = strides ? backbone.taps.filter((t) => strides.includes(t.stride)) : coarse.length ? coarse : backbone.taps;
  return chosen.map((t) => ({ name: t.name, channels: t.channels, stride: t.stride, height: height / t.stride, width: width / t.stride }));
}
