// `npm start` (bin/start.js) where the desktop window cannot come up: it says why and falls back to serve mode,
// which then answers on 127.0.0.1 with the printed token. The renderer build is skipped (FLOWSPECT_SKIP_BUILD=1).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const t = tempDir();
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  t.cleanup();
});

/**
 * Starts bin/start.js and resolves with its output once `until` matches (by default: serve mode printed its URL,
 * the first capture group).
 */
function startUntil(env: Record<string, string>, until = /Open: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/): Promise<{ child: ChildProcess; output: string; url: string }> {
  const base = { ...process.env };
  for (const k of ['DISPLAY', 'WAYLAND_DISPLAY', 'FLOWSPECT_SERVE', 'FLOWSPECT_ELECTRON', 'ELECTRON_OVERRIDE_DIST_PATH']) delete base[k];
  const child = spawn(process.execPath, [path.join(root, 'bin', 'start.js'), '--port', '0'], {
    cwd: root,
    env: { ...base, FLOWSPECT_SKIP_BUILD: '1', FLOWSPECT_NO_DEMO: '1', FLOWSPECT_USER_DATA: path.join(t.dir, `user-${children.length}`), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no ${until} within 45 s:\n${output}`)), 45_000);
    const onData = (d: Buffer): void => {
      output += d.toString();
      const m = until.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ child, output, url: m[1] ?? '' });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`start.js exited (${code}) before ${until}:\n${output}`)));
  });
}

async function expectWorkingServer(url: string): Promise<void> {
  const u = new URL(url);
  const token = u.searchParams.get('token')!;
  const res = await fetch(`${u.origin}/api/app.info`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{}' });
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ result: { transport: 'http' } });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

/** The fallback decision; serve mode itself is checked end to end once, in the first case. */
const FALLING_BACK = /starting serve mode instead/;

describe('npm start falls back to serve mode', () => {
  it('without a display, and the fallback server answers with the printed token', async () => {
    const { child, output, url } = await startUntil({});
    expect(output).toContain('cannot start the desktop window: no display');
    expect(output).toContain('starting serve mode instead');
    await expectWorkingServer(url);
    expect(await stop(child)).toBe(0);
  });

  it('when the Electron runtime is not downloaded and downloads are off', async () => {
    const emptyDist = path.join(t.dir, 'no-electron');
    fs.mkdirSync(emptyDist);
    const { child, output } = await startUntil({ DISPLAY: ':99', ELECTRON_SKIP_BINARY_DOWNLOAD: '1', ELECTRON_OVERRIDE_DIST_PATH: emptyDist }, FALLING_BACK);
    expect(output).toMatch(/cannot start the desktop window: the Electron runtime is (not downloaded|incomplete).*ELECTRON_SKIP_BINARY_DOWNLOAD is set/);
    await stop(child);
  });

  it.skipIf(process.platform === 'win32')('when Electron dies right after starting (missing libraries, no GPU)', async () => {
    const fake = path.join(t.dir, 'fake-electron');
    fs.writeFileSync(fake, '#!/bin/sh\necho "error while loading shared libraries: libnss3.so" >&2\nexit 127\n', { mode: 0o755 });
    const { child, output } = await startUntil({ DISPLAY: ':99', FLOWSPECT_ELECTRON: fake }, FALLING_BACK);
    expect(output).toContain('libnss3.so');
    expect(output).toContain('Electron exited with code 127 right after starting');
    await stop(child);
  });
});
