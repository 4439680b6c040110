/**
 * One writer per project: the lock file `flowspect.lock` in the project folder names the process that may write
 * (pid, host, when it took the lock, when that process started). Two writers on one project ran two trainers on one
 * model and marked each other's jobs interrupted; with the lock, a second writer is refused (`project_locked`) and
 * may open the project read-only instead.
 *
 * Rules:
 * - The lock is created exclusively (`open(…, 'wx')`), so of two processes creating it at once exactly one succeeds.
 * - A lock is stale when its process is gone: same host and the pid no longer exists (`kill(pid, 0)` → ESRCH), or
 *   it is our own pid but another start of it (pid reuse after a restart, common in containers), or the file is
 *   unreadable (a crash between create and write) and older than a moment. A lock from another host is never judged
 *   stale: its process cannot be checked from here.
 * - Taking over a stale lock (delete it, create ours with 'wx') runs inside a critical section that the caller
 *   provides (the project's SQLite write lock, which the kernel frees when a process dies, so it never goes stale
 *   itself). Nobody else ever deletes a lock file: only the process that wrote it (on release), or a taker-over
 *   inside that section after judging it stale. So between our judgement and our delete the file cannot have been
 *   replaced by a live writer, and a plain creator racing us (it saw no file after our delete) makes our own 'wx'
 *   fail, and we refuse. Exactly one writer wins every race.
 * - Within one process the lock is shared: threads (job workers) and repeated opens count references; only the
 *   thread that created the file deletes it, when its last handle closes or the process exits, and only if the file
 *   still holds its own token.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { z } from 'zod';
import { AppError } from '../core/errors.js';

export const LOCK_FILE = 'flowspect.lock';
/** An unreadable lock younger than this is taken to be mid-write by a live process (create and write are microseconds apart). */
const UNREADABLE_GRACE_MS = 2000;
const POLL_MS = 25;

/** A process as the lock names it. `processStartedAt` (ms) tells two starts of the same pid apart. */
interface ProcessIdentity {
  readonly pid: number;
  readonly host: string;
  readonly processStartedAt: number;
}

const LockRecord = z.object({
  app: z.literal('flowspect'),
  pid: z.number().int().positive().max(2 ** 31),
  host: z.string().min(1).max(255),
  processStartedAt: z.number().finite(),
  startedAt: z.string().min(1).max(64),
  token: z.string().min(1).max(64),
});
export type LockRecord = z.infer<typeof LockRecord>;

/** This process. `performance.timeOrigin` is the process start, the same in every worker thread. */
function currentProcess(): ProcessIdentity {
  return { pid: process.pid, host: os.hostname(), processStartedAt: Math.round(performance.timeOrigin) };
}

/** Whether another process on this host still runs. */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function lockFileOf(dir: string): string {
  return path.join(path.resolve(dir), LOCK_FILE);
}

type Seen = { kind: 'missing' } | { kind: 'record'; record: LockRecord } | { kind: 'unreadable' };

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function parse(text: string): LockRecord | undefined {
  try {
    const r = LockRecord.safeParse(JSON.parse(text));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the lock; an unreadable one is re-read until it is older than the grace (its writer may be mid-write). */
function readSettled(file: string): Seen {
  for (;;) {
    let text: string;
    let mtimeMs: number;
    try {
      text = fs.readFileSync(file, 'utf8');
      mtimeMs = fs.statSync(file).mtimeMs;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
      throw new AppError('forbidden', `cannot read the project lock ${file}: ${(err as Error).message}`);
    }
    const record = parse(text);
    if (record) return { kind: 'record', record };
    if (Date.now() - mtimeMs >= UNREADABLE_GRACE_MS) return { kind: 'unreadable' };
    sleepSync(POLL_MS);
  }
}

/** The lock file as it is now (null when there is none or it cannot be read as a lock). */
export function readProjectLock(dir: string): LockRecord | null {
  const seen = readSettled(lockFileOf(dir));
  return seen.kind === 'record' ? seen.record : null;
}

/**
 * 'ours': held by this process (another thread or handle); 'live': someone else's, or from another host (which
 * cannot be checked from here); 'stale': its process is gone.
 */
function judge(seen: Exclude<Seen, { kind: 'missing' }>): 'ours' | 'live' | 'stale' {
  if (seen.kind === 'unreadable') return 'stale';
  const me = currentProcess();
  const r = seen.record;
  if (r.host !== me.host) return 'live';
  if (r.pid !== me.pid) return pidAlive(r.pid) ? 'live' : 'stale';
  // Our pid: this process, or an earlier start of it. A worker thread only runs inside a process whose main thread
  // holds the project (the job runner opens it before starting the worker), so there it is always this process.
  return r.processStartedAt === me.processStartedAt || !isMainThread ? 'ours' : 'stale';
}

function lockedError(file: string, r: LockRecord): AppError {
  return new AppError(
    'project_locked',
    `project is in use by pid ${r.pid} on ${r.host} since ${r.startedAt}: close it there, or open it read-only` +
      ` (if that process is gone for good, e.g. on another machine, delete ${file})`,
    { pid: r.pid, host: r.host, since: r.startedAt, lockFile: file },
  );
}

/** Creates the lock with 'wx'; false when one exists. The content is written and fsynced before anyone trusts it. */
function tryCreate(file: string, record: LockRecord): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new AppError('forbidden', `cannot create the project lock ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): open the project read-only`);
  }
  try {
    fs.writeSync(fd, `${JSON.stringify(record)}\n`);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  return true;
}

/** A critical section shared by every process that may take over this project's lock. */
export type Exclusive = <T>(fn: () => T) => T;

function claim(file: string, exclusive: Exclusive): { created: LockRecord | null } {
  const me = currentProcess();
  const mine: LockRecord = { app: 'flowspect', ...me, startedAt: new Date().toISOString(), token: randomUUID() };
  // A lock that vanishes between our failed create and our read was released: try again, a few times.
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(file, mine)) return { created: mine };
    const seen = readSettled(file);
    if (seen.kind === 'missing') continue;
    const verdict = judge(seen);
    if (verdict === 'ours') return { created: null };
    if (verdict === 'live') throw lockedError(file, (seen as { record: LockRecord }).record);
    const outcome = exclusive(() => takeOver(file, mine));
    if (outcome !== 'retry') return outcome;
  }
  throw new AppError('conflict', `could not take the project lock ${file}: it kept changing; try again`);
}

/** Inside the critical section: judge again, delete a stale lock and create ours ('wx' still: a plain creator may beat us). */
function takeOver(file: string, mine: LockRecord): { created: LockRecord | null } | 'retry' {
  const seen = readSettled(file);
  if (seen.kind !== 'missing') {
    const verdict = judge(seen);
    if (verdict === 'ours') return { created: null };
    if (verdict === 'live') throw lockedError(file, (seen as { record: LockRecord }).record);
    fs.rmSync(file, { force: true });
  }
  return tryCreate(file, mine) ? { created: mine } : 'retry';
}

interface Held {
  refs: number;
  /** The record this thread wrote, when it created the file; null when another thread of this process did. */
  readonly created: LockRecord | null;
}

/** This thread's locks by file. Each worker thread has its own (module state is per thread). */
const held = new Map<string, Held>();
let exitHooked = false;

function deleteIfOurs(file: string, record: LockRecord): void {
  const seen = readSettled(file);
  if (seen.kind === 'record' && seen.record.token === record.token) fs.rmSync(file, { force: true });
}

function releaseAllOnExit(): void {
  for (const [file, h] of held) {
    try {
      if (h.created) deleteIfOurs(file, h.created);
    } catch {
      // best effort at exit: a lock left behind is stale (its pid is gone) and the next writer takes it over
    }
  }
  held.clear();
}

export interface ProjectLock {
  readonly file: string;
  /** True when this open took the lock from nobody (no handle of this process held it): the time to recover crashed work. */
  readonly fresh: boolean;
  release(): void;
}

/** Takes (or shares, within this process) the writer lock of the project in `dir`; refuses with `project_locked`. */
export function acquireProjectLock(dir: string, exclusive: Exclusive): ProjectLock {
  const file = lockFileOf(dir);
  let entry = held.get(file);
  let fresh = false;
  if (entry) entry.refs++;
  else {
    const { created } = claim(file, exclusive);
    entry = { refs: 1, created };
    held.set(file, entry);
    fresh = created !== null;
    if (!exitHooked) {
      exitHooked = true;
      process.on('exit', releaseAllOnExit);
    }
  }
  const mine = entry;
  let released = false;
  return {
    file,
    fresh,
    release() {
      if (released) return;
      released = true;
      if (--mine.refs > 0 || held.get(file) !== mine) return;
      held.delete(file);
      if (mine.created) deleteIfOurs(file, mine.created);
    },
  };
}
