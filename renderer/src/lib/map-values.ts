/**
 * Decoded anomaly-map values and their colour scale (pure: no client), for the Review view's heatmap
 * (lib/result-map.ts loads them through `results.map`).
 */
import type { ResponseOf } from '../../../app/api/contract';

/** Decoded map values and the value range the colour map spans. */
export interface HeatValues {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
  /** [lo, hi] of the colour scale; values outside are clamped to its ends. */
  readonly range: readonly [number, number];
}

/** Something the heatmap can load; `key` says when it is a different map (the heatmap reloads only then). */
export interface MapSource {
  readonly key: string;
  load(): Promise<HeatValues>;
}

/** Float32 little-endian values from base64 (DataView, so the host's byte order does not matter). */
export function decodeFloat32Base64(b64: string): Float32Array {
  const bin = atob(b64);
  const view = new DataView(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) view.setUint8(i, bin.charCodeAt(i));
  const out = new Float32Array(bin.length >> 2);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** The finite min–max of a map; [0, 1] when it has no finite value or is flat. */
function ownRange(data: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of data) if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  return hi > lo ? [lo, hi] : [0, 1];
}

/**
 * The colour scale of a map. A map in the model's units is drawn on 0 … 2 × the reject threshold — the scale the
 * display PNGs are written with (app/model/maps.ts: the reject threshold is mid-scale) — so a map looks the same
 * however it was stored and heat is comparable between parts; without a usable reject threshold, the map's own
 * min–max. A display PNG holds 0–1 grey levels already on that scale.
 */
export function mapRange(map: ResponseOf<'results.map'>, data: Float32Array, reject: number | null | undefined): [number, number] {
  if (map.scale === 'relative') return [0, 1];
  if (reject !== null && reject !== undefined && Number.isFinite(reject) && reject > 0) return [0, 2 * reject];
  return ownRange(data);
}
