/**
 * Builds one photo-suite category in the MVTec AD layout from photographs held in memory:
 *   <out>/<cat>/train/good/NNN.png, <out>/<cat>/test/good/NNN.png, <out>/<cat>/test/<defect>/NNN.png,
 *   <out>/<cat>/ground_truth/<defect>/NNN_mask.png
 * so that `importDataset(project, { source: out, format: 'mvtec' })` takes it.
 *
 * Textures: square crops at random positions, with a random symmetry (all 8, or only flips for surfaces whose rows
 * must stay horizontal), resized to the suite's size. Every photo is split into a training band and a test band
 * along its longer side, so no test pixel was ever in a training image. Several photos of one material are used in
 * turn.
 * Objects: the part (a fixed region of the photo) is re-captured for every image like a part on a fixture: a
 * sub-pixel shift of up to ±2 px, gain, offset and white-balance changes, then sensor noise (Gaussian read noise
 * plus shot noise). Defects are drawn on the capture before the noise, as they sit on the part.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEFECT_TYPES, type DefectContext, type DefectType, makeDefect } from './defects.js';
import { bilinear, cropResize, dihedral, type Rgb, Rng, subSeed, toFloat, writeMaskPng, writePng } from './raster.js';
import type { CategoryKind } from './sources.js';

export interface Rect {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

export interface BuildSpec {
  readonly name: string;
  readonly kind: CategoryKind;
  readonly photos: readonly Rgb[];
  /** Textures: crop side in photo pixels. */
  readonly cropPx: number;
  readonly transforms: 'dihedral' | 'flips';
  readonly backing: readonly [number, number, number];
  /** Photos foreign objects are cut from (never the category's own). */
  readonly donors: readonly Rgb[];
  /** Objects: the part's rectangle in photos[0] (default: all of it). */
  readonly region?: Rect;
}

export interface BuildCounts {
  readonly trainGood: number;
  readonly testGood: number;
  /** Defective test images, spread round-robin over the defect types. */
  readonly defective: number;
}

export interface BuildOptions {
  /** Output side in pixels (square). */
  readonly size: number;
  readonly counts: BuildCounts;
  readonly seed: number;
  readonly defectTypes?: readonly DefectType[];
}

export interface BuiltCategory {
  readonly name: string;
  readonly dir: string;
  readonly trainGood: number;
  readonly testGood: number;
  readonly defects: Readonly<Record<string, number>>;
  /** Mean defect area per type, in pixels. */
  readonly meanArea: Readonly<Record<string, number>>;
  /** How train and test were kept apart, in words. */
  readonly split: string;
}

/** Fraction of a photo's longer side given to the training band (at least one crop in each band). */
const TRAIN_SHARE = 0.6;

/**
 * Training and test bands of a `w × h` photo for square crops of side `crop`: split across the longer side (the
 * height when square), the training band first. Throws when the photo cannot hold one crop in each.
 */
export function splitBands(w: number, h: number, crop: number): { train: Rect; test: Rect } {
  const alongY = h >= w;
  const long = alongY ? h : w;
  const short = alongY ? w : h;
  if (short < crop || long < 2 * crop) throw new Error(`photo suite: a ${w}×${h} photo cannot hold two disjoint ${crop}-px crops (one for training, one for testing)`);
  const first = Math.min(Math.max(Math.round(TRAIN_SHARE * long), crop), long - crop);
  return alongY
    ? { train: { left: 0, top: 0, width: w, height: first }, test: { left: 0, top: first, width: w, height: h - first } }
    : { train: { left: 0, top: 0, width: first, height: h }, test: { left: first, top: 0, width: w - first, height: h } };
}

const pad3 = (i: number): string => String(i).padStart(3, '0');

export async function buildCategory(outRoot: string, spec: BuildSpec, options: BuildOptions): Promise<BuiltCategory> {
  const { size, counts, seed } = options;
  const types = options.defectTypes ?? DEFECT_TYPES;
  if (spec.photos.length === 0) throw new Error(`photo suite: category ${spec.name} has no photos`);
  const dir = path.join(outRoot, spec.name);
  const dirs = {
    train: path.join(dir, 'train', 'good'),
    testGood: path.join(dir, 'test', 'good'),
  };
  fs.mkdirSync(dirs.train, { recursive: true });
  fs.mkdirSync(dirs.testGood, { recursive: true });
  for (const t of types) {
    fs.mkdirSync(path.join(dir, 'test', t), { recursive: true });
    fs.mkdirSync(path.join(dir, 'ground_truth', t), { recursive: true });
  }
  const ctx: DefectContext = { donors: spec.donors, backing: spec.backing };
  const source = spec.kind === 'object' ? await objectSource(spec, size) : textureSource(spec, size);

  for (let i = 0; i < counts.trainGood; i++) {
    const rng = new Rng(subSeed(seed, 1, i));
    await writePng(path.join(dirs.train, `${pad3(i)}.png`), source.finish(await source.sample('train', rng, i), rng));
  }
  for (let i = 0; i < counts.testGood; i++) {
    const rng = new Rng(subSeed(seed, 2, i));
    await writePng(path.join(dirs.testGood, `${pad3(i)}.png`), source.finish(await source.sample('test', rng, i), rng));
  }
  const perType: Record<string, number> = {};
  const areaSum: Record<string, number> = {};
  for (let j = 0; j < counts.defective; j++) {
    const type = types[j % types.length];
    const rng = new Rng(subSeed(seed, 3, j));
    const clean = await source.sample('test', rng, counts.testGood + j);
    const d = makeDefect(type, clean, subSeed(seed, 4, j), ctx);
    const n = perType[type] ?? 0;
    perType[type] = n + 1;
    areaSum[type] = (areaSum[type] ?? 0) + d.area;
    await writePng(path.join(dir, 'test', type, `${pad3(n)}.png`), source.finish({ width: clean.width, height: clean.height, data: d.image }, rng));
    await writeMaskPng(path.join(dir, 'ground_truth', type, `${pad3(n)}_mask.png`), d.mask, clean.width, clean.height);
  }
  const meanArea = Object.fromEntries(Object.entries(areaSum).map(([t, a]) => [t, a / perType[t]]));
  return { name: spec.name, dir, trainGood: counts.trainGood, testGood: counts.testGood, defects: perType, meanArea, split: source.split };
}

interface ImageSource {
  /** A clean image for the training or the test split (the `index`-th of that split). */
  sample(split: 'train' | 'test', rng: Rng, index: number): Promise<Rgb>;
  /** What happens after the defect, on every image (sensor noise for objects; nothing for textures). */
  finish(img: Rgb, rng: Rng): Rgb;
  readonly split: string;
}

function textureSource(spec: BuildSpec, size: number): ImageSource {
  const crop = spec.cropPx;
  const bands = spec.photos.map((p) => splitBands(p.width, p.height, crop));
  const along = bands.map((b, k) => (b.train.width === spec.photos[k].width ? 'top/bottom' : 'left/right'));
  const used = new Set<string>();
  return {
    async sample(split, rng, index) {
      const k = index % spec.photos.length;
      const band = bands[k][split];
      // No two images of a split share position and symmetry (the importer would drop byte-identical copies).
      let left = 0;
      let top = 0;
      let turns = 0;
      let flip = false;
      for (let tries = 0; ; tries++) {
        left = band.left + rng.int(0, band.width - crop);
        top = band.top + rng.int(0, band.height - crop);
        turns = spec.transforms === 'dihedral' ? rng.int(0, 3) : 2 * rng.int(0, 1);
        flip = rng.unit() < 0.5;
        const key = `${split}/${k}/${left}/${top}/${turns}/${flip}`;
        if (!used.has(key) || tries >= 200) {
          used.add(key);
          break;
        }
      }
      return dihedral(await cropResize(spec.photos[k], left, top, crop, crop, size, size), turns, flip);
    },
    finish: (img) => img,
    split: `${spec.photos.length} photo(s), each split ${along.join(', ')} (${Math.round(TRAIN_SHARE * 100)} % of the longer side, at least one ${crop}-px crop, for training; the rest for testing): no test pixel is in a training image`,
  };
}

/** Margin around the part in the resized capture, in output pixels (room for the ±2 px jitter). */
const CAPTURE_PAD = 3;
const JITTER = 2;

async function objectSource(spec: BuildSpec, size: number): Promise<ImageSource> {
  const photo = spec.photos[0];
  const r = spec.region ?? { left: 0, top: 0, width: photo.width, height: photo.height };
  // The part resized so that the output frame plus the jitter margin sees the region.
  const scale = (size + 2 * CAPTURE_PAD) / size;
  const gw = Math.round(size * scale);
  const base = await cropResize(photo, r.left, r.top, r.width, r.height, gw, gw);
  const f = toFloat(base);
  return {
    async sample(_split, rng) {
      const dx = rng.range(-JITTER, JITTER);
      const dy = rng.range(-JITTER, JITTER);
      const gain = rng.range(0.92, 1.08);
      const offset = rng.range(-6, 6);
      const wb = [rng.range(0.98, 1.02), 1, rng.range(0.98, 1.02)];
      const out = new Uint8Array(size * size * 3);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          for (let c = 0; c < 3; c++) {
            const v = bilinear(f, gw, gw, x + CAPTURE_PAD + dx, y + CAPTURE_PAD + dy, c) * gain * wb[c] + offset;
            out[(y * size + x) * 3 + c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
          }
        }
      }
      return { width: size, height: size, data: out };
    },
    finish(img, rng) {
      const read = rng.range(1, 2.5);
      const out = new Uint8Array(img.data.length);
      for (let i = 0; i < out.length; i++) {
        const v = img.data[i];
        const n = v + Math.sqrt(read * read + 0.015 * v) * rng.normal();
        out[i] = n <= 0 ? 0 : n >= 255 ? 255 : Math.round(n);
      }
      return { width: img.width, height: img.height, data: out };
    },
    split: `one part (${r.width}×${r.height} px of the photo), re-captured per image: shift ±${JITTER} px, gain ±8 %, offset ±6, white balance ±2 %, read + shot noise`,
  };
}
