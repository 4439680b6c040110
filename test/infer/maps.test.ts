import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMapF16, writeMapF16 } from '../../app/model/maps.js';

describe('anomaly-map files', () => {
  it('round-trip float16 values, saturating far-off anomalies at ±65504 instead of Infinity', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-maps-'));
    const file = path.join(dir, 'm.f16');
    writeMapF16(file, Float32Array.from([0, 1.5, -2.25, 1e6, -1e9, 65504]), 3, 2);
    const back = readMapF16(file);
    expect(back).toMatchObject({ width: 3, height: 2 });
    expect(Array.from(back.map)).toEqual([0, 1.5, -2.25, 65504, -65504, 65504]);
    fs.rmSync(dir, { recursive: true });
  });
});
