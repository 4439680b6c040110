import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../app/core/errors.js';
import { getJob } from '../../app/store/jobs.js';
import { LOCK_FILE, readProjectLock } from '../../app/store/lock.js';
import { getModel } from '../../app/store/models.js';
import { BLOB_DIRS, createProject, openProject } from '../../app/store/project.js';
import { readProjectInfo } from '../../app/store/projects.js';
import { tempDir } from '../helpers.js';

const BIN = fileURLToPath(new URL('../../bin/flowspect.js', import.meta.url));
const HOLDER = fileURLToPath(new URL('../fixtures/project-holder.ts', import.meta.url));
const t = tempDir('flowspect-lock-');
const children: ReturnType<typeof spawn>[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  t.cleanup();
});

let count = 0;
function newProject(): string {
  const dir = path.join(t.dir, `p${++count}`);
  createProject(dir).close();
  return dir;
}

/** Another process that opens the project on command (test/fixtures/project-holder.ts). */
async function startHolder(dir: string): Promise<{ pid: number; ask(command: string): Promise<string>; kill(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, dir], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const lines: string[] = [];
  const waiting: { resolve(line: string): void; reject(err: Error): void }[] = [];
  readline.createInterface({ input: child.stdout! }).on('line', (line) => (waiting.length ? waiting.shift()!.resolve(line) : lines.push(line)));
  child.once('exit', (code, signal) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`holder exited (${code ?? signal}): ${stderr}`));
  });
  const next = (): Promise<string> => (lines.length ? Promise.resolve(lines.shift()!) : new Promise((resolve, reject) => waiting.push({ resolve, reject })));
  const ready = await next();
  expect(ready).toBe(`ready ${child.pid}`);
  return {
    pid: child.pid!,
    ask(command) {
      child.stdin!.write(`${command}\n`);
      return next();
    },
    kill: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

function flowspect(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, FLOWSPECT_USER_DATA: path.join(t.dir, 'user') } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file below `dir` with its bytes (SQLite's -shm is compared by name only: every reader writes its read marks there). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[]) {
    const rel = path.relative(dir, path.join(e.parentPath, e.name));
    out[rel] = e.isDirectory() ? 'dir' : e.name.endsWith('-shm') ? 'shm' : fs.readFileSync(path.join(dir, rel)).toString('base64');
  }
  return out;
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

function writeLock(dir: string, content: object | string): void {
  fs.writeFileSync(path.join(dir, LOCK_FILE), typeof content === 'string' ? content : JSON.stringify(content));
}

function lockedCode(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    return (err as AppError).code;
  }
  return undefined;
}

describe('project lock: one writer per project', () => {
  it('refuses a second writer process with who holds the project; a read-only command still works', () => {
    const dir = newProject();
    const p = openProject(dir);
    try {
      expect(readProjectLock(dir)).toMatchObject({ pid: process.pid, host: os.hostname() });
      const train = flowspect('train', dir, '--json');
      expect(train.code).toBe(1);
      expect(train.stderr).toMatch(new RegExp(`project is in use by pid ${process.pid} on ${os.hostname()} since \\d{4}-`));
      expect(JSON.parse(train.stderr.trim().split('\n').at(-1)!)).toMatchObject({ error: { code: 'project_locked' } });
      const info = flowspect('project', 'info', dir, '--json');
      expect(info.code, info.stderr).toBe(0);
      expect(JSON.parse(info.stdout.trim().split('\n').at(-1)!)).toMatchObject({ dir, counts: { jobs: 0 } });
      expect(readProjectLock(dir)?.pid).toBe(process.pid); // the refused process left our lock alone
    } finally {
      p.close();
    }
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  }, 60_000);

  it('takes over a lock whose process is gone, or that cannot be read; not one from another host', async () => {
    const dir = newProject();
    const base = { app: 'flowspect', host: os.hostname(), processStartedAt: 1, startedAt: '2020-01-01T00:00:00.000Z', token: 'old' };
    const stale: [string, object | string][] = [
      ['a pid that has exited', { ...base, pid: await deadPid() }],
      ['this pid from an earlier start (pid reuse)', { ...base, pid: process.pid }],
      ['garbage from a crash mid-write', '{"app":"flow'],
    ];
    for (const [why, content] of stale) {
      writeLock(dir, content);
      if (typeof content === 'string') fs.utimesSync(path.join(dir, LOCK_FILE), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
      const p = openProject(dir);
      expect(readProjectLock(dir), why).toMatchObject({ pid: process.pid, host: os.hostname() });
      p.close();
      expect(fs.existsSync(path.join(dir, LOCK_FILE)), why).toBe(false);
    }
    writeLock(dir, { ...base, pid: 4242, host: 'line-7-pc' });
    let error: AppError | undefined;
    try {
      openProject(dir);
    } catch (err) {
      error = err as AppError;
    }
    expect(error?.code).toBe('project_locked');
    expect(error?.message).toMatch(/^project is in use by pid 4242 on line-7-pc since 2020-01-01T00:00:00.000Z/);
    expect(error?.message).toContain(path.join(dir, LOCK_FILE)); // what to delete if that machine is gone
    expect(readProjectLock(dir)?.host).toBe('line-7-pc');
  });

  it('shares the lock within the process and never deletes a lock it does not own', () => {
    const dir = newProject();
    const a = openProject(dir);
    const b = openProject(dir); // another handle of this process (a job, a reopen): shared, not refused
    a.close();
    expect(readProjectLock(dir)?.pid).toBe(process.pid); // b still holds it
    const theirs = { app: 'flowspect', pid: 4242, host: 'elsewhere', processStartedAt: 1, startedAt: '2020-01-01T00:00:00.000Z', token: 'theirs' };
    writeLock(dir, theirs); // someone took it over (by hand)
    b.close();
    expect(readProjectLock(dir)).toEqual(theirs);
  });

  it('opens a held project read-only: it reads, marks nothing, creates nothing and leaves every byte as it was', async () => {
    const dir = newProject();
    const holder = await startHolder(dir);
    expect(await holder.ask('open')).toBe('won');
    const [, jobId, modelId] = (await holder.ask('busy')).split(' ').map(Number);
    for (const d of BLOB_DIRS) fs.rmdirSync(path.join(dir, d)); // a read-only open must not bring them back
    const before = snapshot(dir);

    const err = lockedCode(() => openProject(dir));
    expect(err).toBe('project_locked');
    const ro = openProject(dir, { readonly: true });
    expect(ro.readonly).toBe(true);
    expect(readProjectInfo(ro.db, ro.dir).counts).toMatchObject({ jobs: 1, models: 1 });
    expect(getJob(ro.db, jobId!)?.status).toBe('running'); // the live holder's job is left alone
    expect(getModel(ro.db, modelId!)?.status).toBe('training');
    expect(() => ro.db.prepare("UPDATE jobs SET status = 'failed'").run()).toThrow(/readonly/);
    ro.close();
    expect(snapshot(dir)).toEqual(before);
    expect(readProjectLock(dir)?.pid).toBe(holder.pid);

    // The holder dies without a word: the next writer takes its lock and marks what it left as interrupted.
    await holder.kill();
    const p = openProject(dir);
    expect(p.recovered).toEqual({ jobs: [jobId], models: [modelId] });
    expect(getJob(p.db, jobId!)?.status).toBe('interrupted');
    expect(getModel(p.db, modelId!)?.status).toBe('interrupted');
    const again = openProject(dir); // a second handle of the same writer recovers nothing more
    expect(again.recovered).toEqual({ jobs: [], models: [] });
    again.close();
    p.close();
  }, 60_000);

  it('lets exactly one of two processes racing to open a project win, with or without a stale lock to take over', async () => {
    const dir = newProject();
    const racers = await Promise.all([startHolder(dir), startHolder(dir)]);
    for (let round = 0; round < 6; round++) {
      if (round % 2 === 1) {
        writeLock(dir, { app: 'flowspect', pid: await deadPid(), host: os.hostname(), processStartedAt: 1, startedAt: '2020-01-01T00:00:00.000Z', token: 'dead' });
      }
      const answers = await Promise.all(racers.map((r) => r.ask('open')));
      const winners = answers.flatMap((a, i) => (a === 'won' ? [i] : []));
      expect(winners, answers.join(' | ')).toHaveLength(1);
      const winner = racers[winners[0]!]!;
      expect(answers[1 - winners[0]!]).toMatch(new RegExp(`^refused project_locked project is in use by pid ${winner.pid} `));
      expect(readProjectLock(dir)?.pid).toBe(winner.pid);
      expect(await winner.ask('close')).toBe('closed');
      expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    }
    await Promise.all(racers.map((r) => r.kill()));
  }, 60_000);
});
