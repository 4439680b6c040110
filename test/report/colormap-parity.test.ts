/**
 * The report's heatmap and the UI's show a part in the same colours: the report's overlay, drawn opaque over a
 * black picture, paints each anomaly value in the RGB that the renderer's heatmap (colorize) gives it. The values
 * sit where the two colour maps the app used to carry differed most (up to 14 levels per channel).
 */
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { colorize } from '../../app/core/colormap.js';
import { composeOverlay } from '../../app/report/overlay.js';
import { tempDir } from '../helpers.js';

const t = tempDir('flowspect-colormap-');
afterAll(() => t.cleanup());

describe('heatmap colours', () => {
  it('are the same RGB in the report and in the renderer for the same values', async () => {
    const values = [0.68, 0.86, 0.92, 0.94, 1]; // table indices 173, 219, 235, 240, 255
    const block = 12; // map pixels per value: flat blocks survive the resize and the JPEG
    const map = new Float32Array(values.length * block * block);
    for (let y = 0; y < block; y++) for (let x = 0; x < values.length * block; x++) map[y * values.length * block + x] = values[Math.floor(x / block)]!;
    const img = path.join(t.dir, 'black.png');
    await sharp({ create: { width: values.length * block, height: block, channels: 3, background: '#000000' } }).png().toFile(img);

    const o = await composeOverlay(img, { data: map, width: values.length * block, height: block }, { size: values.length * block * 8, scale: { lo: 0, hi: 1 }, maxAlpha: 1, quality: 100 });
    const { data, info } = await sharp(Buffer.from(o.overlay.split(',')[1]!, 'base64')).raw().toBuffer({ resolveWithObject: true });
    const ui = colorize(values, 0, 1, 'inferno');
    values.forEach((v, k) => {
      const x = Math.round((k + 0.5) * block * 8);
      const y = Math.round(info.height / 2);
      const report = Array.from(data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3));
      const renderer = Array.from(ui.subarray(k * 4, k * 4 + 3));
      for (let c = 0; c < 3; c++) expect(Math.abs(report[c]! - renderer[c]!), `value ${v}, channel ${c}: report ${report} vs renderer ${renderer}`).toBeLessThanOrEqual(3);
    });
  });
});
