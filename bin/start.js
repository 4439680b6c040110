#!/usr/bin/env node
// `npm start`: build the renderer and the preload, then launch the Electron workstation. Where Electron cannot be
// obtained or started (offline install, headless machine, missing system libraries), say why and start serve
// mode instead, printing the URL. Arguments after `npm start --` are passed to both (e.g. `-- --port 8080`).
//
// Environment: FLOWSPECT_SERVE=1 goes straight to serve mode; FLOWSPECT_NO_DEMO=1 skips opening the demo project; FLOWSPECT_SKIP_BUILD=1 reuses the existing build;
// FLOWSPECT_ELECTRON=/path/to/electron uses that Electron (e.g. a system-wide one) instead of the npm package's;
// ELECTRON_SKIP_BINARY_DOWNLOAD=1 never tries to download Electron.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const electronDir = path.join(root, 'node_modules', 'electron');
const passThrough = process.argv.slice(2);
const DOWNLOAD_TIMEOUT_MS = 180_000;
/** An Electron that exits non-zero this soon never showed a window (missing libraries, GPU or sandbox trouble). */
const EARLY_EXIT_MS = 10_000;
const say = (line) => console.log(`flowspect: ${line}`);
const truthy = (v) => v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';

function build(args, label) {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`flowspect: ${label} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

/**
 * Where the Electron binary is, without `require('electron')`: that call downloads the binary itself when it is
 * missing, with no time limit.
 */
function electronBinary() {
  const chosen = process.env.FLOWSPECT_ELECTRON;
  if (chosen) return fs.existsSync(chosen) ? { path: chosen } : { reason: `FLOWSPECT_ELECTRON points at ${chosen}, which does not exist` };
  if (!fs.existsSync(path.join(electronDir, 'package.json'))) return { reason: 'the electron package is not installed' };
  let relative;
  try {
    relative = fs.readFileSync(path.join(electronDir, 'path.txt'), 'utf8').trim();
  } catch {
    return { reason: 'the Electron runtime is not downloaded (npm installs skip it; it needs the network)' };
  }
  const distDir = process.env.ELECTRON_OVERRIDE_DIST_PATH || path.join(electronDir, 'dist');
  const binary = path.join(distDir, relative);
  return fs.existsSync(binary) ? { path: binary } : { reason: `the Electron runtime is incomplete (${binary} is missing)` };
}

/** One bounded attempt at Electron's own installer (needs the network). */
function obtainElectron() {
  if (truthy(process.env.ELECTRON_SKIP_BINARY_DOWNLOAD)) return 'ELECTRON_SKIP_BINARY_DOWNLOAD is set';
  const installer = path.join(electronDir, 'install.js');
  if (!fs.existsSync(installer)) return 'the electron package has no installer';
  say('fetching the Electron runtime (one time)…');
  const r = spawnSync(process.execPath, [installer], { cwd: electronDir, stdio: ['ignore', 'inherit', 'pipe'], timeout: DOWNLOAD_TIMEOUT_MS });
  if (r.error?.code === 'ETIMEDOUT') return `downloading it took longer than ${DOWNLOAD_TIMEOUT_MS / 1000} s`;
  if (r.status !== 0) {
    const last = String(r.stderr ?? '').trim().split('\n').find((l) => /error/i.test(l)) ?? `installer exit ${r.status ?? r.signal}`;
    return `downloading it failed (${last.trim().slice(0, 200)})`;
  }
  return undefined;
}

function serveMode(reason) {
  say(`cannot start the desktop window: ${reason}.`);
  say('starting serve mode instead — open the URL below in a browser.');
  // A newcomer lands in the demo project (built in the background on first start, with progress in the UI).
  const demo = passThrough.includes('--project') || truthy(process.env.FLOWSPECT_NO_DEMO) ? [] : ['--demo'];
  const child = spawn(process.execPath, [path.join(root, 'bin', 'flowspect.js'), 'serve', ...demo, ...passThrough], { cwd: root, stdio: 'inherit' });
  forwardSignals(child);
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
}

function forwardSignals(child) {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
}

function launchElectron(binary) {
  const started = Date.now();
  let fellBack = false;
  const fallBack = (reason) => {
    if (fellBack) return;
    fellBack = true;
    serveMode(reason);
  };
  // ELECTRON_RUN_AS_NODE inherited from a parent tool would turn the app into a plain Node process.
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(binary, [root, ...passThrough], { cwd: root, stdio: 'inherit', env });
  forwardSignals(child);
  child.on('error', (err) => fallBack(`Electron failed to start (${err.message})`));
  child.on('exit', (code, signal) => {
    if (fellBack) return;
    if (code !== 0 && signal === null && Date.now() - started < EARLY_EXIT_MS) fallBack(`Electron exited with code ${code} right after starting`);
    else process.exit(code ?? 0);
  });
}

if (!truthy(process.env.FLOWSPECT_SKIP_BUILD)) {
  build([path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'], 'building the renderer');
  build([path.join(root, 'bin', 'build-electron.js')], 'building the preload');
}

if (truthy(process.env.FLOWSPECT_SERVE)) serveMode('FLOWSPECT_SERVE asks for serve mode');
else if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) serveMode('no display (DISPLAY and WAYLAND_DISPLAY are unset)');
else {
  let bin = electronBinary();
  if (!bin.path && !process.env.FLOWSPECT_ELECTRON) {
    const failure = obtainElectron();
    bin = electronBinary();
    if (!bin.path && failure) bin = { reason: `${bin.reason}; ${failure}` };
  }
  if (bin.path) launchElectron(bin.path);
  else serveMode(bin.reason);
}
