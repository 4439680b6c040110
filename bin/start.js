#!/usr/bin/env node
// `npm start`: build the renderer, then launch the Electron workstation. Where Electron cannot be obtained or
// started (offline install, headless machine), say why and start serve mode instead, printing the URL.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const passThrough = process.argv.slice(2);

function run(cmd, args, label) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`flowspect: ${label} failed (exit ${r.status})`);
    process.exit(r.status ?? 1);
  }
}

function electronBinary() {
  try {
    const p = require('electron'); // the package's index resolves the downloaded binary's path
    if (typeof p === 'string' && fs.existsSync(p)) return { path: p };
    return { reason: 'the Electron binary is not installed' };
  } catch (err) {
    return { reason: `the Electron binary is not installed (${err.message.split('\n')[0]})` };
  }
}

function obtainElectron() {
  // Installs skip Electron's download (it needs the network); try once now, bounded in time.
  const installer = path.join(root, 'node_modules', 'electron', 'install.js');
  if (!fs.existsSync(installer)) return;
  console.log('flowspect: fetching the Electron runtime (one time)…');
  spawnSync(process.execPath, [installer], { cwd: root, stdio: 'inherit', timeout: 180_000, env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '' } });
}

function serveMode(reason) {
  console.log(`flowspect: cannot start the desktop window: ${reason}.`);
  console.log('flowspect: starting serve mode instead — open the URL below in a browser.');
  const child = spawn(process.execPath, [path.join(root, 'bin', 'flowspect.js'), 'serve', ...passThrough], { cwd: root, stdio: 'inherit' });
  const forward = (sig) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code) => process.exit(code ?? 0));
}

run(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'], 'building the renderer');
run(process.execPath, [path.join(root, 'bin', 'build-electron.js')], 'building the preload');

if (process.env.FLOWSPECT_SERVE === '1') serveMode('FLOWSPECT_SERVE=1 asks for serve mode');
else {
  let bin = electronBinary();
  if (!bin.path) {
    obtainElectron();
    bin = electronBinary();
  }
  if (!bin.path) serveMode(bin.reason);
  else if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) serveMode('no display (DISPLAY/WAYLAND_DISPLAY unset)');
  else {
    const started = Date.now();
    const child = spawn(bin.path, [root, ...passThrough], { cwd: root, stdio: 'inherit' });
    child.on('error', (err) => serveMode(`Electron failed to start: ${err.message}`));
    child.on('exit', (code) => {
      // An Electron that dies within seconds never showed a window (missing libraries, GPU/sandbox trouble).
      if (code !== 0 && Date.now() - started < 10_000) serveMode(`Electron exited with code ${code} right after starting`);
      else process.exit(code ?? 0);
    });
  }
}
