import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SynthesisBatch } from '../../app/synthesis/batch.js';
import { synthesisBatches } from '../../app/synthesis/batch.js';
import { demoImage } from '../../app/synthesis/demo-image.js';
import { encodeMaskPng, encodePng } from '../../app/synthesis/io.js';

let dir: string;
let files: string[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'synth-batch-'));
  files = [];
  const layouts = [
    { channels: 3, bitDepth: 8 },
    { channels: 1, bitDepth: 16 },
    { channels: 4, bitDepth: 8 },
    { channels: 1, bitDepth: 8 },
    { channels: 3, bitDepth: 16 },
  ] as const;
  for (const [i, l] of layouts.entries()) {
    const f = path.join(dir, `img${i}.png`);
    writeFileSync(f, await encodePng(demoImage(72, 60, { ...l, seed: i + 1 })));
    files.push(f);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collect(gen: AsyncGenerator<SynthesisBatch>): Promise<SynthesisBatch[]> {
  const out: SynthesisBatch[] = [];
  for await (const b of gen) out.push(b);
  return out;
}

describe('synthesisBatches', () => {
  const base = { presets: ['mixed', 'cutpaste'], batchSize: 2, seed: 7, size: { width: 48, height: 40 } };

  it('streams (N, 3, H, W) images and (N, 1, H, W) masks, identical with and without worker threads', async () => {
    const inline = await collect(synthesisBatches({ ...base, sources: files, epoch: 0, workers: 0 }));
    const threaded = await collect(synthesisBatches({ ...base, sources: files, epoch: 0, workers: 2 }));
    expect(inline.map((b) => b.sourceIndices.length)).toEqual([2, 2, 1]);
    expect(inline.flatMap((b) => b.sourceIndices).sort()).toEqual([0, 1, 2, 3, 4]);
    const plane = 48 * 40;
    for (const [i, b] of inline.entries()) {
      const n = b.sourceIndices.length;
      expect(b.images.length).toBe(n * 3 * plane);
      expect(b.clean.length).toBe(n * 3 * plane);
      expect(b.masks.length).toBe(n * plane);
      for (let k = 0; k < n; k++) {
        const m = b.masks.subarray(k * plane, (k + 1) * plane);
        expect(m.some((v) => v === 1), `batch ${i} sample ${k} has a defect`).toBe(true);
        expect(m.every((v) => v === 0 || v === 1)).toBe(true);
      }
      expect(b.images.every((v) => v >= 0 && v <= 1)).toBe(true);
      const t = threaded[i];
      expect(t.sourceIndices).toEqual(b.sourceIndices);
      expect(Buffer.from(t.images.buffer).equals(Buffer.from(b.images.buffer))).toBe(true);
      expect(Buffer.from(t.masks.buffer).equals(Buffer.from(b.masks.buffer))).toBe(true);
      expect(Buffer.from(t.clean.buffer).equals(Buffer.from(b.clean.buffer))).toBe(true);
    }
    // The next epoch reuses the idle worker pool and still matches the inline rendering.
    const next = await collect(synthesisBatches({ ...base, sources: files, epoch: 1, workers: 2 }));
    const nextInline = await collect(synthesisBatches({ ...base, sources: files, epoch: 1, workers: 0 }));
    expect(Buffer.concat(next.map((b) => Buffer.from(b.images.buffer))).equals(Buffer.concat(nextInline.map((b) => Buffer.from(b.images.buffer))))).toBe(true);
  });

  it('draws new defects and a new order in another epoch, and accepts encoded buffers', async () => {
    const { readFileSync } = await import('node:fs');
    const buffers = files.map((f) => new Uint8Array(readFileSync(f)));
    const e0 = await collect(synthesisBatches({ ...base, sources: buffers, epoch: 0, workers: 0 }));
    const e0files = await collect(synthesisBatches({ ...base, sources: files, epoch: 0, workers: 0 }));
    const e1 = await collect(synthesisBatches({ ...base, sources: buffers, epoch: 1, workers: 0, dropLast: true }));
    expect(Buffer.from(e0[0].masks.buffer).equals(Buffer.from(e0files[0].masks.buffer))).toBe(true);
    expect(e1.length).toBe(2);
    const masks0 = Buffer.concat(e0.slice(0, 2).map((b) => Buffer.from(b.masks.buffer)));
    const masks1 = Buffer.concat(e1.map((b) => Buffer.from(b.masks.buffer)));
    expect(masks0.equals(masks1)).toBe(false);
  });

  it('keeps defects out of per-source ignore masks (scaled to the batch size)', async () => {
    const ignorePng = path.join(dir, 'ignore.png');
    const m = new Uint8Array(72 * 60).fill(255);
    for (let y = 15; y < 45; y++) for (let x = 18; x < 54; x++) m[y * 72 + x] = 0;
    writeFileSync(ignorePng, await encodeMaskPng({ width: 72, height: 60, data: m }));
    const batches = await collect(
      synthesisBatches({ ...base, sources: files, ignoreMasks: files.map(() => ignorePng), epoch: 3, workers: 0, presets: ['mixed'] }),
    );
    let inside = 0;
    let outside = 0;
    for (const b of batches) {
      for (let i = 0; i < b.masks.length; i++) {
        if (!b.masks[i]) continue;
        const x = i % 48;
        const y = Math.floor(i / 48) % 40;
        if (x >= 11 && x < 37 && y >= 9 && y < 31) inside++;
        else outside++;
      }
    }
    expect(inside).toBeGreaterThan(0);
    expect(outside).toBe(0);
    await expect(collect(synthesisBatches({ ...base, sources: files, ignoreMasks: [ignorePng], epoch: 0, workers: 0 }))).rejects.toThrow(/1 entries for 5 sources/);
  });

  it('reports bad inputs and stops on abort', async () => {
    await expect(collect(synthesisBatches({ ...base, sources: files, epoch: 0, presets: ['sparkle'] }))).rejects.toThrow(/unknown preset 'sparkle'/);
    await expect(collect(synthesisBatches({ ...base, sources: [path.join(dir, 'missing.png')], epoch: 0, workers: 1 }))).rejects.toThrow(/missing\.png/);
    const ac = new AbortController();
    const gen = synthesisBatches({ ...base, sources: files, epoch: 0, workers: 0, signal: ac.signal });
    await gen.next();
    ac.abort(new Error('stop now'));
    await expect(gen.next()).rejects.toThrow(/stop now/);
  });
});
