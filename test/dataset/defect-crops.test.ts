/**
 * Real defects beside synthesized ones (issue 23): `synthesis.defectCrops` on a real project — stored images and
 * masks (a PNG mask and a polygon mask) decoded by sharp — crops each confirmed defect to the comparison square
 * around its mask, the mask cut the same way; anything but a confirmed defect with a mask is refused by id.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../app/api/dispatch.js';
import { AppContext } from '../../app/context.js';
import { defectSquare, insideImage } from '../../app/core/defect-crop.js';
import { encodeMaskPng, encodePng } from '../../app/synthesis/io.js';
import { tempDir } from '../helpers.js';

const W = 400;
const H = 300;
/** A round stain of radius 20 at (300, 80): 60 grey levels darker than the surface. */
const inStain = (x: number, y: number) => (x - 300) ** 2 + (y - 80) ** 2 <= 20 ** 2;
const surface = (x: number, y: number) => 150 + Math.round(10 * Math.sin(x * 0.3));

function stainedImage(): Uint8Array {
  const rgb = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) rgb.fill(surface(x, y) - (inStain(x, y) ? 60 : 0), (y * W + x) * 3, (y * W + x) * 3 + 3);
  return rgb;
}

async function raw(dataUrl: string, channels: 1 | 3): Promise<{ data: Buffer; width: number; height: number }> {
  const png = Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64');
  const img = sharp(png);
  const out = await (channels === 1 ? img.greyscale() : img.removeAlpha()).raw().toBuffer({ resolveWithObject: true });
  return { data: out.data, width: out.info.width, height: out.info.height };
}

describe('the comparison square around a defect', () => {
  it('is twice the defect, at least a quarter of the short side, inside the image where it fits', () => {
    expect(defectSquare({ x: 280, y: 60, w: 41, h: 41 }, W, H)).toEqual({ x: 260, y: 40, w: 82, h: 82 });
    expect(defectSquare({ x: 100, y: 100, w: 4, h: 2 }, W, H)).toEqual({ x: 65, y: 64, w: 75, h: 75 });
    expect(defectSquare({ x: 390, y: 0, w: 10, h: 10 }, W, H)).toEqual({ x: 325, y: 0, w: 75, h: 75 });
    // Larger than the image's short side: centred on that axis, cut to the image by insideImage.
    const big = defectSquare({ x: 0, y: 0, w: 200, h: 250 }, W, H);
    expect(big).toEqual({ x: 0, y: -50, w: 400, h: 400 });
    expect(insideImage(big, W, H)).toEqual({ x: 0, y: 0, w: 400, h: 300 });
  });
});

describe('synthesis.defectCrops', () => {
  const t = tempDir();
  const app = new AppContext(path.join(t.dir, 'user'), { logToFile: false });
  const call = (method: string, params: unknown) => dispatch(method, params, { app, transport: 'http' });
  const ids: Record<'png' | 'polygons' | 'good' | 'unmasked', number> = { png: 0, polygons: 0, good: 0, unmasked: 0 };

  beforeAll(async () => {
    const r = await call('projects.create', { dir: path.join(t.dir, 'p') });
    if (!r.ok) throw new Error(r.error.message);
    const project = app.project();
    const now = new Date().toISOString();
    const ds = Number(project.db.prepare("INSERT INTO datasets (name, category, source_format, created_at) VALUES ('d', 'metal', 'folder', ?)").run(now).lastInsertRowid);
    const ins = project.db.prepare(
      `INSERT INTO images (dataset_id, path, original_path, storage, sha256, width, height, channels, bit_depth, format, label, split, defect_type, created_at)
       VALUES (?, ?, ?, 'copy', ?, ?, ?, 3, 8, 'png', ?, 'test', ?, ?)`,
    );
    fs.writeFileSync(project.path('images/stain.png'), await encodePng({ width: W, height: H, channels: 3, bitDepth: 8, data: stainedImage() }));
    for (const [k, label] of [['png', 'defect'], ['polygons', 'defect'], ['good', 'good'], ['unmasked', 'defect']] as const) {
      ids[k] = Number(ins.run(ds, 'images/stain.png', `metal/test/${k}.png`, `sha-${k}`, W, H, label, label === 'defect' ? 'stain' : null, now).lastInsertRowid);
    }
    const mask = new Uint8Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) mask[y * W + x] = inStain(x, y) ? 255 : 0;
    fs.writeFileSync(project.path('masks/stain.png'), await encodeMaskPng({ width: W, height: H, data: mask }));
    project.db.prepare("INSERT INTO masks (image_id, kind, format, path, updated_at) VALUES (?, 'defect', 'png', 'masks/stain.png', ?)").run(ids.png, now);
    // A polygon mask: the rectangle x 40–80, y 200–210 (a short, thin mark).
    project.db.prepare("INSERT INTO masks (image_id, kind, format, polygons_json, updated_at) VALUES (?, 'defect', 'polygons', ?, ?)")
      .run(ids.polygons, JSON.stringify([[[40, 200], [80, 200], [80, 210], [40, 210]]]), now);
  });
  afterAll(async () => {
    await app.dispose();
    t.cleanup();
  });

  it('crops a PNG-masked defect to the square around its mask, image and mask cut alike', async () => {
    const r = await call('synthesis.defectCrops', { imageIds: [ids.png], size: 512 });
    if (!r.ok) throw new Error(r.error.message);
    const [crop] = (r.result as { items: { imageId: number; originalPath: string; defectType: string; box: object; area: number; width: number; height: number; image: string; mask: string }[] }).items;
    expect(crop).toMatchObject({ imageId: ids.png, originalPath: 'metal/test/png.png', defectType: 'stain', box: { x: 260, y: 40, w: 82, h: 82 }, width: 82, height: 82 });
    expect(crop!.area).toBeCloseTo((Math.PI * 20 ** 2) / (W * H), 3);
    const image = await raw(crop!.image, 3);
    const mask = await raw(crop!.mask, 1);
    expect([image.width, image.height, mask.width, mask.height]).toEqual([82, 82, 82, 82]);
    // Every crop pixel is the source pixel at box + (x, y): dark exactly where the mask says defect.
    for (const [x, y] of [[41, 41], [5, 5], [41, 25], [70, 41]] as const) {
      const sx = 260 + x, sy = 40 + y;
      expect(image.data[(y * 82 + x) * 3], `${x},${y}`).toBe(surface(sx, sy) - (inStain(sx, sy) ? 60 : 0));
      expect(mask.data[y * 82 + x], `${x},${y}`).toBe(inStain(sx, sy) ? 255 : 0);
    }
  });

  it('crops a polygon-masked defect, shrinking the crop to `size` without enlarging small ones', async () => {
    const r = await call('synthesis.defectCrops', { imageIds: [ids.polygons, ids.png], size: 64 });
    if (!r.ok) throw new Error(r.error.message);
    const items = (r.result as { items: { imageId: number; box: { x: number; y: number; w: number; h: number }; width: number; height: number; mask: string }[] }).items;
    expect(items.map((i) => i.imageId)).toEqual([ids.polygons, ids.png]);
    const [line, stain] = items;
    // Twice the mark's 40–41 px length (whether the polygon's far edge counts as inside is the rasteriser's choice).
    expect(line!.box.w).toBeGreaterThanOrEqual(80);
    expect(line!.box.w).toBeLessThanOrEqual(82);
    expect(line!.box.y + line!.box.h / 2).toBeCloseTo(205, -0.5);
    expect([stain!.width, stain!.height]).toEqual([64, 64]);
    const mask = await raw(line!.mask, 1);
    const on = [...mask.data].filter((v) => v === 255).length;
    const scale = (line!.width / line!.box.w) ** 2;
    expect(on / scale).toBeGreaterThan(300);
    expect(on / scale).toBeLessThan(600);
  });

  it('refuses what is not a confirmed defect with a mask, by id, and a size out of range', async () => {
    const expectError = async (params: unknown, code: string, message: RegExp) => {
      const r = await call('synthesis.defectCrops', params);
      expect(r.ok).toBe(false);
      if (!r.ok) expect([r.error.code, r.error.message]).toEqual([code, expect.stringMatching(message)]);
    };
    await expectError({ imageIds: [ids.png, ids.good] }, 'invalid_request', new RegExp(`image ${ids.good} is labelled good, not defect`));
    await expectError({ imageIds: [ids.unmasked] }, 'invalid_request', new RegExp(`image ${ids.unmasked} has no defect mask`));
    await expectError({ imageIds: [999] }, 'not_found', /image 999 does not exist/);
    await expectError({ imageIds: [ids.png], size: 4 }, 'invalid_request', /size/);
    await expectError({ imageIds: [] }, 'invalid_request', /imageIds/);
  });
});
