/** A square grain texture written as PNG through sharp, for the int8 tests; `spot` paints a bright square (the defect). */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { mulberry32 } from '../../app/core/mulberry32.js';

export async function writeGrainImage(file: string, o: { size: number; seed: number; spot: { x: number; y: number; size: number } | null }): Promise<void> {
  const { size, seed, spot } = o;
  const rnd = mulberry32(seed);
  const px = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = 95 + 38 * Math.sin((x + seed) / 3) * Math.cos(y / 4.5) + rnd() * 30;
      const hit = spot !== null && x >= spot.x && x < spot.x + spot.size && y >= spot.y && y < spot.y + spot.size;
      for (let c = 0; c < 3; c++) px[(y * size + x) * 3 + c] = hit ? 242 : Math.max(0, Math.min(255, v + c * 7));
    }
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(px, { raw: { width: size, height: size, channels: 3 } }).png().toFile(file);
}
