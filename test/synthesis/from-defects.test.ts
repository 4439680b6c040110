/**
 * "Like these": synthesis parameters estimated from confirmed defects. Measured on defects drawn with known size,
 * shape and contrast, and through the contract on a real project (stored images and masks, a stored preset that
 * the synthesis then renders with).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../app/api/dispatch.js';
import { AppContext } from '../../app/context.js';
import { measureDefect, presetFromMeasurements, type DefectSample } from '../../app/synthesis/from-defects.js';
import { encodeMaskPng, encodePng } from '../../app/synthesis/io.js';
import { tempDir } from '../helpers.js';

const W = 200;
const H = 160;

/** A grainy grey surface with a defect where `inside` holds: intensity × `factor`, edges softened over `soft` px. */
function sample(inside: (x: number, y: number) => boolean, factor: number): DefectSample {
  const rgb = new Uint8Array(W * H * 3);
  const mask = new Uint8Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const base = 140 + 10 * Math.sin(x * 0.9) * Math.cos(y * 1.1);
      const d = inside(x, y);
      mask[y * W + x] = d ? 1 : 0;
      for (let c = 0; c < 3; c++) rgb[(y * W + x) * 3 + c] = Math.round(base * (d ? factor * (c === 2 ? 0.97 : 1) : 1));
    }
  return { width: W, height: H, rgb, mask };
}

const stain = () => sample((x, y) => ((x - 80) / 20) ** 2 + ((y - 70) / 14) ** 2 <= 1, 0.9);
const scratch = () => sample((x, y) => Math.abs(y - (30 + 0.5 * x)) < 1.5 && x > 20 && x < 180, 0.6);

describe('measuring confirmed defects', () => {
  it('reads a stain: its area, elongation and 10 % darkening against the surface around it', () => {
    const m = measureDefect(stain());
    expect(m.area).toBeCloseTo((Math.PI * 20 * 14) / (W * H), 2);
    expect(m.aspect).toBeGreaterThan(1.2);
    expect(m.aspect).toBeLessThan(1.7);
    expect(m.lineLike).toBe(false);
    expect(m.offset).toBeCloseTo((-0.1 * 140) / 255, 1);
    expect(m.tint).toBeGreaterThan(0.005);
  });

  it('tells a thin scratch from a blob', () => {
    const m = measureDefect(scratch());
    expect(m.lineLike).toBe(true);
    expect(m.length).toBeGreaterThan(0.5);
    expect(m.width).toBeLessThan(0.03);
    expect(m.offset).toBeLessThan(-0.1);
  });

  it('makes a valid preset whose ranges cover what was measured, one kind per shape family', () => {
    const ms = [measureDefect(stain()), measureDefect(scratch())];
    const p = presetFromMeasurements(ms);
    expect(p.defects.map((d) => d.shape.kind)).toEqual(['perlin', 'scratch']);
    const blob = p.defects[0]!;
    if (blob.shape.kind !== 'perlin' || blob.content.source !== 'shift') throw new Error('unexpected kinds');
    expect(blob.shape.area[0]).toBeLessThanOrEqual(ms[0]!.area);
    expect(blob.shape.area[1]).toBeGreaterThanOrEqual(ms[0]!.area);
    expect(blob.content.intensity[0]).toBeLessThanOrEqual(ms[0]!.offset);
    expect(blob.content.intensity[1]).toBeGreaterThanOrEqual(ms[0]!.offset);
    expect(() => presetFromMeasurements([])).toThrow(/no defects/);
  });
});

describe('synthesis.presetFromDefects', () => {
  const t = tempDir();
  const app = new AppContext(path.join(t.dir, 'user'), { logToFile: false });
  const call = (method: string, params: unknown) => dispatch(method, params, { app, transport: 'http' });
  const ids: number[] = [];

  beforeAll(async () => {
    const r = await call('projects.create', { dir: path.join(t.dir, 'p') });
    if (!r.ok) throw new Error(r.error.message);
    const project = app.project();
    const now = new Date().toISOString();
    const ds = Number(project.db.prepare("INSERT INTO datasets (name, source_format, created_at) VALUES ('d', 'folder', ?)").run(now).lastInsertRowid);
    const ins = project.db.prepare(`INSERT INTO images (dataset_id, path, storage, sha256, width, height, channels, bit_depth, format, label, split, created_at) VALUES (?, ?, 'copy', ?, ?, ?, 3, 8, 'png', ?, 'test', ?)`);
    for (const [k, label] of [[0, 'defect'], [1, 'good']] as const) {
      const s = stain();
      fs.writeFileSync(project.path(`images/${k}.png`), await encodePng({ width: W, height: H, channels: 3, bitDepth: 8, data: s.rgb }));
      ids.push(Number(ins.run(ds, `images/${k}.png`, `sha${k}`, W, H, label, now).lastInsertRowid));
      if (label === 'defect') {
        fs.writeFileSync(project.path('masks/m0.png'), await encodeMaskPng({ width: W, height: H, data: s.mask.map((v) => v * 255) }));
        project.db.prepare("INSERT INTO masks (image_id, kind, format, path, updated_at) VALUES (?, 'defect', 'png', 'masks/m0.png', ?)").run(ids[0], now);
      }
    }
  });
  afterAll(async () => {
    await app.dispose();
    t.cleanup();
  });

  it('stores a preset estimated from the confirmed defects, which the synthesis renders', async () => {
    const r = await call('synthesis.presetFromDefects', { name: 'like-line-3', imageIds: [ids[0]] });
    if (!r.ok) throw new Error(r.error.message);
    const preset = r.result as { name: string; params: { defects: { shape: { kind: string } }[] } };
    expect(preset.name).toBe('like-line-3');
    expect(preset.params.defects.map((d) => d.shape.kind)).toEqual(['perlin']);
    // What was measured comes back with the preset (the Synthesis view shows it), per defect and by id.
    const { measured } = r.result as { measured: { imageId: number; area: number; offset: number; lineLike: boolean; edgeSharpness: number }[] };
    expect(measured).toHaveLength(1);
    expect(measured[0]).toMatchObject({ imageId: ids[0], lineLike: false });
    expect(measured[0]!.area).toBeCloseTo((Math.PI * 20 * 14) / (W * H), 2);
    expect(measured[0]!.offset).toBeCloseTo((-0.1 * 140) / 255, 1);
    expect(measured[0]!.edgeSharpness).toBeGreaterThan(0.6); // drawn with a hard edge
    const preview = await call('synthesis.preview', { preset: 'like-line-3', imageIds: [ids[1]], seed: 1 });
    expect(preview.ok).toBe(true);
  });

  it('refuses an image that is not a labelled defect, or has no mask, by id', async () => {
    const r = await call('synthesis.presetFromDefects', { name: 'nope', imageIds: [ids[1]] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(new RegExp(`image ${ids[1]} is labelled good, not defect`));
  });
});
