import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const BackboneLicence = z.object({
  name: z.string(),
  license: z.object({ spdx: z.string(), holder: z.string(), note: z.string().optional() }),
  source: z.object({ package: z.string(), version: z.string() }),
});

const PackageJson = z.object({
  name: z.string().optional(),
  version: z.string().optional(),
  license: z.string().optional(),
  dependencies: z.record(z.string(), z.string()).optional(),
});

export interface LicenceNotice {
  /** One line per component: name, version, SPDX licence. */
  readonly summary: string;
  /** The full texts that must travel with the app (the backbone weights' licence). */
  readonly texts: string;
}

function readJson(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function packageLine(root: string, name: string): string {
  try {
    const pkg = PackageJson.parse(readJson(path.join(root, 'node_modules', name, 'package.json')));
    return `${name} ${pkg.version ?? ''} — ${pkg.license ?? 'see its package'}`;
  } catch {
    return `${name} — not installed`;
  }
}

/**
 * What Help → Licences shows: Flowspect's own licence, the built-in backbones (weights from nsfwjs, MIT, with
 * its copyright holder from native-models/manifest.json and the full MIT text from native-models/LICENSE.nsfwjs), and
 * every runtime dependency with its declared licence. Chromium's notices ship beside the app as
 * LICENSES.chromium.html (Electron puts them there).
 */
export function licenceNotice(root: string): LicenceNotice {
  const app = PackageJson.parse(readJson(path.join(root, 'package.json')));
  const lines = [`Flowspect ${app.version ?? ''} — ${app.license ?? 'unlicensed'}`];
  const texts: string[] = [];

  const manifestFile = path.join(root, 'native-models', 'manifest.json');
  if (fs.existsSync(manifestFile)) {
    const backbone = BackboneLicence.parse(readJson(manifestFile));
    const { spdx, holder, note } = backbone.license;
    lines.push(`Built-in backbone ${backbone.name}: weights from ${backbone.source.package} ${backbone.source.version} — ${spdx}, ${holder}`);
    if (note) lines.push(`  ${note}`);
    // nsfwjs is a development dependency (it only feeds the backbone build), so its licence text ships beside the
    // manifest; the installed package's own file is the fallback in a development checkout.
    const vendored = path.join(root, 'native-models', `LICENSE.${backbone.source.package}`);
    const licenceFile = fs.existsSync(vendored) ? vendored : path.join(root, 'node_modules', backbone.source.package, 'LICENSE');
    const text = fs.existsSync(licenceFile) ? fs.readFileSync(licenceFile, 'utf8').trim() : `${spdx} License\n\n${holder}`;
    texts.push(`${backbone.source.package} (built-in backbone weights)\n\n${text}`);
  }

  lines.push(`electron — ${packageLine(root, 'electron').split(' — ')[1] ?? 'MIT'}`);
  for (const name of Object.keys(app.dependencies ?? {}).sort()) lines.push(packageLine(root, name));
  return { summary: lines.join('\n'), texts: texts.join('\n\n') };
}
