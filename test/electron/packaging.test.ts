// electron-builder.yml checked against the repository: the packaging itself needs the network (Electron runtime,
// Electron headers), so CI validates that the config is complete and that every path in it means something here.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
// Both come with electron-builder; neither ships type declarations here.
const yaml = require('js-yaml') as { load(text: string): unknown };
const { minimatch } = require('minimatch') as { minimatch(file: string, pattern: string, options?: { dot?: boolean }): boolean };

interface BuilderConfig {
  appId: string;
  productName: string;
  directories: { output: string };
  files: string[];
  asar: boolean;
  asarUnpack: string[];
  extraResources: Array<{ from: string; to: string; filter: string[] }>;
  npmRebuild: boolean;
  linux: { target: string[]; maintainer: string };
  win: { target: string[] };
  mac: { target: string[] };
}

const config = yaml.load(fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string; dependencies: Record<string, string>; scripts: Record<string, string> };
const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; devOptional?: boolean }> };

/** Repository files (relative, forward slashes), without installed, built or generated folders. */
function repoFiles(): string[] {
  const skip = new Set(['node_modules', '.git', 'dist', 'test-results', 'build', 'renderer/dist', 'native-models/generated', 'bench/out']);
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (skip.has(r)) continue;
      if (e.isDirectory()) walk(r);
      else out.push(r);
    }
  };
  walk('');
  return out;
}

/** Every file of the production dependencies (what electron-builder copies into the app). */
function productionModuleFiles(): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else out.push(r);
    }
  };
  for (const [key, info] of Object.entries(lock.packages)) {
    if (!key.startsWith('node_modules/') || key.includes('/node_modules/', 1) || info.dev || info.devOptional) continue;
    if (fs.existsSync(path.join(root, key))) walk(key);
  }
  return out;
}

const isProductionPackage = (name: string): boolean => {
  const entry = lock.packages[`node_modules/${name}`];
  return !!entry && !entry.dev && !entry.devOptional;
};

describe('electron-builder.yml', () => {
  it('declares the app, the output folder and the four package formats', () => {
    expect(config.appId).toMatch(/^[a-z0-9.-]+$/);
    expect(config.productName).toBe('Flowspect');
    expect(config.directories.output).toBe('dist');
    expect(fs.readFileSync(path.join(root, '.gitignore'), 'utf8')).toMatch(/^dist\/$/m);
    expect(config.linux.target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(config.linux.maintainer).toBeTruthy(); // deb refuses to build without one
    expect(config.win.target).toContain('nsis');
    expect(config.mac.target).toContain('dmg');
    expect(config.asar).toBe(true);
    expect(config.npmRebuild).toBe(true);
    expect(pkg.scripts.dist).toMatch(/build:renderer.*build-electron\.js.*electron-builder --config electron-builder\.yml/);
  });

  it('ships every source file the main process and the job workers load, and the entry point', () => {
    const files = repoFiles();
    const included = (f: string) => config.files.some((p) => !p.startsWith('!') && minimatch(f, p, { dot: true })) && !config.files.some((p) => p.startsWith('!') && minimatch(f, p.slice(1), { dot: true }));
    for (const pattern of config.files.filter((p) => !p.startsWith('!'))) {
      if (pattern.startsWith('renderer/dist/') || pattern.startsWith('build/electron/')) continue; // build outputs, checked below
      expect(files.some((f) => minimatch(f, pattern, { dot: true })), `files pattern ${pattern} matches nothing`).toBe(true);
    }
    for (const needed of [pkg.main, 'app/main.ts', 'app/preload.ts', 'app/jobs/worker-boot.mjs', 'app/jobs/worker-host.ts', 'native-models/manifest.json', 'native-models/inceptionv3.json', 'native-models/LICENSE.nsfwjs', 'package.json']) {
      expect(included(needed), `${needed} is packaged`).toBe(true);
    }
    // nsfwjs (and the tfjs, node-fetch and core-js it pulls in) only feeds the backbone build: never a runtime dependency.
    expect(Object.keys(pkg.dependencies ?? {})).not.toContain('nsfwjs');
    expect(files.filter((f) => f.startsWith('app/')).every(included)).toBe(true);
    expect(included('test/electron/packaging.test.ts')).toBe(false);
    // The build outputs it lists are where the build scripts write.
    expect(fs.readFileSync(path.join(root, 'renderer', 'vite.config.ts'), 'utf8')).toContain("'./dist'");
    expect(included('renderer/dist/index.html') && included('renderer/dist/assets/index-abc.js') && !included('renderer/dist/assets/index-abc.js.map')).toBe(true);
    expect(fs.readFileSync(path.join(root, 'bin', 'build-electron.js'), 'utf8')).toContain('../build/electron/preload.cjs');
    expect(included('build/electron/preload.cjs')).toBe(true);
    // tsx runs the sources at run time, so it must be a production dependency (electron-builder drops dev ones).
    expect(isProductionPackage('tsx') && isProductionPackage('esbuild')).toBe(true);
  });

  it('unpacks every native file of the production dependencies from the asar, and only installed packages', () => {
    const moduleFiles = productionModuleFiles();
    const unpacked = (f: string) => config.asarUnpack.some((p) => minimatch(f, p, { dot: true }));
    const natives = moduleFiles.filter((f) => f.endsWith('.node') || /\.(so|dylib|dll)(\.\d+)*$/.test(f));
    expect(natives.some((f) => f.startsWith('node_modules/better-sqlite3/'))).toBe(true);
    expect(natives.some((f) => f.startsWith('node_modules/onnxruntime-node/'))).toBe(true);
    expect(natives.some((f) => f.startsWith('node_modules/@img/'))).toBe(true);
    expect(natives.filter((f) => !unpacked(f))).toEqual([]);
    const esbuildBinary = moduleFiles.find((f) => /^node_modules\/@esbuild\/[^/]+\/(bin\/esbuild|esbuild\.exe)$/.test(f));
    expect(esbuildBinary && unpacked(esbuildBinary)).toBeTruthy();
    for (const pattern of config.asarUnpack.filter((p) => p.startsWith('node_modules/'))) {
      const name = pattern.replace(/^node_modules\//, '').replace(/\/\*\*.*$/, '');
      if (name.startsWith('@') && !name.includes('/')) expect(moduleFiles.some((f) => minimatch(f, pattern)), `${pattern} matches installed files`).toBe(true);
      else expect(isProductionPackage(name), `${name} is a production dependency`).toBe(true);
    }
    expect(fs.readFileSync(path.join(root, 'bin', 'electron-main.js'), 'utf8')).toContain('ESBUILD_BINARY_PATH');
  });

  it('ships the built-in backbone as an extra resource from where its build writes it', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'native-models', 'manifest.json'), 'utf8')) as { output: { path: string } };
    const output = `native-models/${manifest.output.path}`;
    const [resource] = config.extraResources;
    expect(config.extraResources).toHaveLength(1);
    expect(resource!.from).toBe(path.posix.dirname(output));
    expect(resource!.to).toBe(resource!.from);
    expect(resource!.filter.some((p) => minimatch(path.posix.basename(output), p))).toBe(true);
    expect(config.files).toContain('!native-models/generated/**'); // not twice: outside the asar only
  });
});
