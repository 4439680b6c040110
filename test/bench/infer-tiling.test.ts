/** `bench infer --tiling --quick` runs end to end on real parts and reports what the README quotes. */
import { describe, expect, it } from 'vitest';
import { run } from '../../bench/infer-tiling.js';

describe('bench infer --tiling', () => {
  it('scores 1024² and 2048² parts tile by tile and reports parts/s, the cost against untiled scoring and peak memory', async () => {
    const r = (await run({ quick: true, log: () => {}, args: ['--tiling'] })) as { sizes: { side: number; tiles: number; partsPerSecond: number; costVsUntiled: number; peakRssMiB: number; rssBeforeMiB: number }[] };
    expect(r.sizes.map((s) => [s.side, s.tiles])).toEqual([[1024, 25], [2048, 81]]);
    for (const s of r.sizes) {
      expect(s.partsPerSecond).toBeGreaterThan(0);
      // Tiling costs about one model run per tile; a whole part resized to one input is cheaper.
      expect(s.costVsUntiled).toBeGreaterThan(1);
      expect(s.peakRssMiB).toBeGreaterThanOrEqual(s.rssBeforeMiB - 64);
    }
  }, 120_000);
});
