import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../app/api/dispatch.js';
import { AppContext } from '../../app/context.js';
import { createProject } from '../../app/store/project.js';
import { tempDir } from '../helpers.js';

/**
 * Where a new project may go: an absolute path to a new or empty folder. Everything else is refused with the path
 * and the reason before anything is written.
 */
const BIN = fileURLToPath(new URL('../../bin/flowspect.js', import.meta.url));
const t = tempDir();
const app = new AppContext(path.join(t.dir, 'user'), { logToFile: false });
const create = (dir: string) => dispatch('projects.create', { dir }, { app, transport: 'http' });
afterAll(async () => {
  await app.dispose();
  t.cleanup();
});

/** Every path below `dir`, so a test can say that nothing was written. */
const tree = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map(String).sort() : []);

describe('the folder of a new project', () => {
  it('refuses a folder below /proc at once, from the CLI too (no endless mkdir; the process exits)', () => {
    const started = Date.now();
    const r = spawnSync(process.execPath, [BIN, 'project', 'create', '/proc/nope'], {
      encoding: 'utf8',
      timeout: 20_000,
      env: { ...process.env, FLOWSPECT_USER_DATA: path.join(t.dir, 'cli-user') },
    });
    expect(r.signal).toBeNull();
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('cannot create the project folder /proc/nope');
    expect(r.stderr).toContain('ENOENT');
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('answers /proc/nope through the contract with the path and the reason', async () => {
    const r = await create('/proc/nope/deeper');
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(!r.ok && r.error.message).toMatch(/cannot create the project folder \/proc\/nope\/deeper: .*ENOENT/);
    expect(fs.existsSync('/proc/nope')).toBe(false);
  });

  it('refuses a relative path instead of creating the project in the working folder', async () => {
    const r = await create('line-3');
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(!r.ok && r.error.message).toMatch(/"line-3" is (a )?relative/);
    expect(() => createProject('line-3')).toThrow('project folder "line-3" is a relative path');
    expect(fs.existsSync(path.resolve('line-3'))).toBe(false);
  });

  it('refuses a folder that already holds other files (the source images), writing nothing into it', async () => {
    const dir = path.join(t.dir, 'images');
    fs.mkdirSync(dir);
    for (const f of ['a.png', 'b.png', 'README.md', 'labels.csv']) fs.writeFileSync(path.join(dir, f), 'x');
    const before = tree(dir);
    const r = await create(dir);
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(!r.ok && r.error.message).toContain(`${dir} is not empty (README.md, a.png, b.png, … (4 entries))`);
    expect(tree(dir)).toEqual(before);
  });

  it('refuses a file in the way, as the folder itself or above it', async () => {
    const file = path.join(t.dir, 'notes.txt');
    fs.writeFileSync(file, 'x');
    const r = await create(file);
    expect(!r.ok && r.error.message).toBe(`${file} is a file, not a folder: choose a new or empty folder`);
    const below = await create(path.join(file, 'project'));
    expect(!below.ok && below.error.message).toBe(`cannot create the project folder ${path.join(file, 'project')}: ${file} is a file, not a folder`);
    expect(fs.readFileSync(file, 'utf8')).toBe('x');
  });

  it('refuses a folder that already holds a project, and leaves that project alone', async () => {
    const dir = path.join(t.dir, 'existing');
    expect((await create(dir)).ok).toBe(true);
    app.closeProject();
    const r = await create(dir);
    expect(r).toMatchObject({ ok: false, error: { code: 'conflict', message: `${dir} already holds a Flowspect project: open it instead` } });
  });

  it('creates a project in an empty folder (OS litter aside) and in new nested folders', async () => {
    const empty = path.join(t.dir, 'empty');
    fs.mkdirSync(empty);
    fs.writeFileSync(path.join(empty, '.DS_Store'), '');
    expect((await create(empty)).ok).toBe(true);
    const nested = path.join(t.dir, 'a', 'b', 'line-4');
    expect(await create(nested)).toMatchObject({ ok: true, result: { dir: nested, name: 'line-4' } });
    expect(fs.existsSync(path.join(nested, 'flowspect.db'))).toBe(true);
  });
});
