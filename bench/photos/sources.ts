/**
 * Where the photo suite's photographs come from: files installed by Debian packages (nothing is stored in git).
 * Each category names its package, its file(s) and how crops are cut; the licence of every file is read at run
 * time from the package's /usr/share/doc/<pkg>/copyright (machine-readable DEP-5: the last stanza whose `Files`
 * pattern matches) and, for KDE wallpapers, from the wallpaper's own metadata.json.
 *
 * bench/photos/install-sources.sh installs the packages (docs/photo-suite.md has the same line).
 */
import fs from 'node:fs';
import path from 'node:path';
import { decodeRgb, type Rgb } from './raster.js';
import { ZipReader } from './zip.js';

export type CategoryKind = 'stochastic' | 'regular' | 'object';

export interface PhotoSource {
  /** The Debian package that installs the file. */
  readonly package: string;
  /** Absolute path of the installed file (an image, or a zip/pk3 archive holding it). */
  readonly file: string;
  /** Member inside `file` when it is an archive. */
  readonly member?: string;
}

export interface PhotoCategory {
  readonly name: string;
  readonly kind: CategoryKind;
  /** Whether the surface has colour (not just grey). */
  readonly colour: boolean;
  /** Photos of the material (textures) or of the part (object). */
  readonly photos: readonly PhotoSource[];
  /**
   * Textures: side of a crop in photo pixels (resized to the suite's size). Objects: ignored, the part is the
   * photo's `region`.
   */
  readonly cropPx: number;
  /** Which symmetries a crop may get: all 8 (`dihedral`) or only those that keep rows horizontal (`flips`). */
  readonly transforms: 'dihedral' | 'flips';
  /** What a hole shows (the colour behind the material or the part). */
  readonly backing: readonly [number, number, number];
  /** Objects: the part's rectangle in the photo (default: the whole photo). */
  readonly region?: { readonly left: number; readonly top: number; readonly width: number; readonly height: number };
}

const UFOAI = { package: 'ufoai-textures', file: '/usr/share/games/ufoai/base/0textures.pk3' } as const;
const ufoai = (member: string): PhotoSource => ({ ...UFOAI, member: `textures/${member}` });
const plasma = (wallpaper: string, size = '2560x1600'): PhotoSource => ({ package: 'plasma-workspace-wallpapers', file: `/usr/share/wallpapers/${wallpaper}/contents/images/${size}.jpg` });
const mypaint = (name: string): PhotoSource => ({ package: 'mypaint-data-extras', file: `/usr/share/mypaint/backgrounds/ramon/${name}` });

/** The full suite, in run order. */
export const PHOTO_CATEGORIES: readonly PhotoCategory[] = [
  { name: 'grass', kind: 'stochastic', colour: true, photos: ['a', 'b', 'c'].map((v) => ufoai(`tex_nature/grass_tall_green_${v}.jpg`)), cropPx: 256, transforms: 'dihedral', backing: [70, 52, 36] },
  { name: 'gravel', kind: 'stochastic', colour: false, photos: [ufoai('tex_nature/railway.png')], cropPx: 256, transforms: 'dihedral', backing: [60, 48, 40] },
  { name: 'moss', kind: 'stochastic', colour: true, photos: [plasma('OneStandsOut')], cropPx: 384, transforms: 'dihedral', backing: [40, 30, 22] },
  { name: 'brick', kind: 'regular', colour: true, photos: [ufoai('tex_buildings/wall_brick01.png'), ufoai('tex_buildings/wall044.png')], cropPx: 256, transforms: 'flips', backing: [150, 150, 145] },
  { name: 'canvas', kind: 'regular', colour: false, photos: [mypaint('HR_Canvas 01.png')], cropPx: 256, transforms: 'flips', backing: [40, 40, 40] },
  { name: 'wood', kind: 'regular', colour: true, photos: [ufoai('tex_material/wood003.png')], cropPx: 256, transforms: 'flips', backing: [20, 20, 20] },
  { name: 'rug', kind: 'object', colour: true, photos: [ufoai('tex_buildings/carpet022.png')], cropPx: 0, transforms: 'flips', backing: [0, 0, 0] },
];

/** Extra photos that only lend foreign objects (leaves, cups: things that do not belong on any of the surfaces). */
export const EXTRA_DONORS: readonly PhotoSource[] = [plasma('FallenLeaf'), plasma('ColorfulCups'), mypaint('HR_Cork.png')];

/** `--quick`: one stochastic, one regular and the object category. */
export const QUICK_CATEGORIES: readonly string[] = ['grass', 'brick', 'rug'];

export function categoryByName(name: string): PhotoCategory {
  const c = PHOTO_CATEGORIES.find((k) => k.name === name);
  if (!c) throw new Error(`photo suite: unknown category "${name}"; known: ${PHOTO_CATEGORIES.map((k) => k.name).join(', ')}`);
  return c;
}

/** Donors for a category's foreign objects: photos from other packages (other categories' photos and the extras). */
export function donorsFor(cat: PhotoCategory): PhotoSource[] {
  const own = new Set(cat.photos.map((p) => p.package));
  const all = [...PHOTO_CATEGORIES.filter((c) => c.name !== cat.name).flatMap((c) => c.photos), ...EXTRA_DONORS];
  const seen = new Set<string>();
  return all.filter((p) => {
    const key = `${p.file}#${p.member ?? ''}`;
    if (own.has(p.package) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function sourceLabel(s: PhotoSource): string {
  return s.member ? `${s.file}:${s.member}` : s.file;
}

/** Every package needed for these categories (their photos and their donors), sorted. */
export function packagesFor(cats: readonly PhotoCategory[]): string[] {
  return [...new Set(cats.flatMap((c) => [...c.photos, ...donorsFor(c)]).map((s) => s.package))].sort();
}

/**
 * Throws one clear error naming every missing package (with the apt-get line) when a source file is absent — the
 * suite never skips a category silently.
 */
export function requireSources(cats: readonly PhotoCategory[]): void {
  const missing = new Map<string, string[]>();
  for (const s of cats.flatMap((c) => [...c.photos, ...donorsFor(c)])) {
    let ok = fs.existsSync(s.file);
    if (ok && s.member) ok = archive(s.file).has(s.member);
    if (!ok) missing.set(s.package, [...(missing.get(s.package) ?? []), sourceLabel(s)]);
  }
  if (missing.size === 0) return;
  const pkgs = [...missing.keys()].sort();
  const detail = pkgs.map((p) => `${p} (${missing.get(p)!.slice(0, 2).join(', ')}${missing.get(p)!.length > 2 ? ', …' : ''})`).join('; ');
  throw new Error(`photo suite: missing source photos from Debian package(s) ${pkgs.join(', ')}: ${detail}. Install them with: apt-get install ${pkgs.join(' ')}   (or run bench/photos/install-sources.sh)`);
}

const archives = new Map<string, ZipReader>();
function archive(file: string): ZipReader {
  let z = archives.get(file);
  if (!z) {
    z = ZipReader.open(file);
    archives.set(file, z);
  }
  return z;
}

/** Closes the archives opened by loadPhoto / requireSources. */
export function closeArchives(): void {
  for (const z of archives.values()) z.close();
  archives.clear();
}

export async function loadPhoto(s: PhotoSource): Promise<Rgb> {
  return decodeRgb(s.member ? archive(s.file).read(s.member) : s.file, sourceLabel(s));
}

export interface Licence {
  /** SPDX-like name(s) as the package states them. */
  readonly licence: string;
  /** Copyright holders (shortened). */
  readonly copyright: string;
  /** Where it was read. */
  readonly from: string;
}

interface Stanza {
  readonly files: string[];
  readonly fields: Record<string, string>;
}

/** DEP-5 stanzas of a copyright file (field values joined over continuation lines). */
export function parseDep5(text: string): Stanza[] {
  return text.split(/\n\s*\n/).map((block) => {
    const fields: Record<string, string> = {};
    let key = '';
    for (const line of block.split('\n')) {
      const m = /^([A-Za-z-]+):\s?(.*)$/.exec(line);
      if (m) {
        key = m[1];
        fields[key] = m[2];
      } else if (key && /^\s/.test(line)) fields[key] += `\n${line.trim()}`;
    }
    return { files: (fields.Files ?? '').split(/\s+/).filter(Boolean), fields };
  }).filter((s) => s.files.length > 0);
}

const globRe = (g: string): RegExp => new RegExp(`(^|/)${g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);

/** The licence of one source file, from its package's copyright file (the last matching stanza wins, as in DEP-5). */
export function licenceOf(s: PhotoSource): Licence {
  const copyrightFile = `/usr/share/doc/${s.package}/copyright`;
  // An archive member is matched as if unpacked next to the archive (ufoai's copyright lists base/textures/…).
  const subject = s.member ? path.posix.join(path.posix.dirname(s.file), s.member) : s.file;
  let licence = 'unknown';
  let copyright = '';
  try {
    for (const st of parseDep5(fs.readFileSync(copyrightFile, 'utf8'))) {
      if (st.files.some((g) => globRe(g).test(subject))) {
        licence = (st.fields.License ?? 'unknown').split('\n')[0].trim();
        copyright = (st.fields.Copyright ?? '').replace(/\s+/g, ' ').trim();
      }
    }
  } catch {
    licence = `unknown (${copyrightFile} unreadable)`;
  }
  // KDE wallpapers carry their own licence and author in metadata.json, more specific than Debian's `Files: *`.
  const meta = /^(\/usr\/share\/wallpapers\/[^/]+)\//.exec(s.file);
  if (meta && fs.existsSync(path.join(meta[1], 'metadata.json'))) {
    try {
      const k = JSON.parse(fs.readFileSync(path.join(meta[1], 'metadata.json'), 'utf8')).KPlugin ?? {};
      const authors = (k.Authors ?? []).map((a: { Name?: string }) => a.Name).filter(Boolean).join(', ');
      if (k.License) return { licence: `${k.License} (Debian copyright: ${licence})`, copyright: authors || copyright, from: `${path.join(meta[1], 'metadata.json')}, ${copyrightFile}` };
    } catch {
      // fall back to the Debian copyright file
    }
  }
  return { licence, copyright: copyright.length > 160 ? `${copyright.slice(0, 157)}…` : copyright, from: copyrightFile };
}
