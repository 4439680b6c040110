import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { latestSchemaVersion } from '../../app/store/migrate.js';
import { tempDir } from '../helpers.js';

const BIN = fileURLToPath(new URL('../../bin/flowspect.js', import.meta.url));
const t = tempDir();
afterAll(() => t.cleanup());
const env = { ...process.env, FLOWSPECT_USER_DATA: path.join(t.dir, 'user') };

function flowspect(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, lastJson: () => JSON.parse(r.stdout.trim().split('\n').at(-1)!) };
}

describe('flowspect CLI', () => {
  it('creates a project and prints its info as JSON', () => {
    const dir = path.join(t.dir, 'p');
    const created = flowspect('project', 'create', dir, '--name', 'Housings', '--json');
    expect(created.code).toBe(0);
    expect(created.lastJson()).toMatchObject({ dir, name: 'Housings' });
    const info = flowspect('project', 'info', dir, '--json');
    expect(info.code).toBe(0);
    expect(info.lastJson()).toMatchObject({ dir, name: 'Housings', schemaVersion: latestSchemaVersion(), counts: { images: 0 } });
  });

  it('lists its commands with --help and rejects bad usage on stderr with a non-zero code', () => {
    const help = flowspect('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/serve/);
    expect(help.stdout).toMatch(/project/);
    const unknown = flowspect('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
    const missing = flowspect('project', 'info', path.join(t.dir, 'none'), '--json');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/is not a Flowspect project/);
    expect(missing.stdout).toBe('');
    const badFlag = flowspect('project', 'create', path.join(t.dir, 'q'), '--colour', 'red');
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/colour/);
  });

  it('serve answers 401 without the token and the API with it', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          if (out.includes('\n')) resolve(out.trim().split('\n')[0]!);
        });
        child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
      });
      const { url, token } = JSON.parse(line) as { url: string; token: string };
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
      const origin = new URL(url).origin;
      expect((await fetch(`${origin}/api/app.info`, { method: 'POST', body: '{}' })).status).toBe(401);
      const ok = await fetch(`${origin}/api/app.info`, {
        method: 'POST',
        headers: { 'x-flowspect-token': token, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ result: { transport: 'http' } });
    } finally {
      child.kill('SIGTERM');
    }
  }, 60_000);
});
