import { describe, expect, it } from 'vitest';
import { decodeFloat32Base64, mapRange } from '../../renderer/src/lib/map-values';

/** How the Review view reads `results.map` values and picks the colour scale. */
describe('anomaly map values in the renderer', () => {
  const values = Float32Array.from([0, 0.5, 1.25, 5.75, -2]);
  const b64 = btoa(String.fromCharCode(...new Uint8Array(values.buffer)));

  it('decodes base64 float32 little-endian exactly', () => {
    expect(Array.from(decodeFloat32Base64(b64))).toEqual(Array.from(values));
  });

  it('draws model-unit maps on 0 … 2 × reject (the display PNG scale), else on their own min–max', () => {
    const map = { width: 5, height: 1, scale: 'score' as const, valuesBase64: b64 };
    expect(mapRange(map, values, 2.5)).toEqual([0, 5]);
    expect(mapRange(map, values, null)).toEqual([-2, 5.75]);
    expect(mapRange(map, values, Number.NaN)).toEqual([-2, 5.75]);
    expect(mapRange(map, new Float32Array([3, 3]), 0)).toEqual([0, 1]);
    expect(mapRange({ ...map, scale: 'relative' }, values, 2.5)).toEqual([0, 1]);
  });
});
