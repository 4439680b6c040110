/**
 * Notices files arriving in one folder and hands them out once they are complete. fs.watch reports names quickly
 * but not everywhere (network shares, some containers), so a full listing every `scanMs` is the fallback and the
 * source of truth; a name fs.watch reported is looked at on the next poll. A file is complete when two looks at
 * least `settleMs` apart see the same size, modification time and inode (a writer still appending changes them);
 * an empty file must stay empty ten times as long. Memory is bounded: at most `capacity` files are tracked, ready
 * or being scored at once; more wait on disk and a later listing picks them up (names in order, so camera
 * numbering is roughly kept). Files the ledger already holds are skipped (and offered to `onKnown`).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { LiveFileKey } from '../store/live-files.js';
import { isIgnoredName } from './names.js';

/** A file judged complete: where it is, what it was when judged so, and when. */
export interface ArrivedFile extends LiveFileKey {
  readonly name: string;
  readonly ino: number;
  /** performance.now() when it was judged complete (latency is measured from here). */
  readonly completeAt: number;
}

export interface ArrivalOptions {
  readonly dir: string;
  /** Two looks this far apart must agree (default 200 ms). */
  readonly settleMs?: number;
  /** How often tracked files are looked at again (default a quarter of settleMs). */
  readonly pollMs?: number;
  /** How often the whole folder is listed (default 1000 ms). */
  readonly scanMs?: number;
  /** Files tracked + ready + being scored, at most (default 64). */
  readonly capacity?: number;
  /** True when this arrival was judged before (the ledger). */
  readonly isKnown: (key: LiveFileKey) => boolean;
  /** A file still in the folder that was judged before (e.g. a crash came before --move-to moved it). */
  readonly onKnown?: (file: ArrivedFile) => void;
  /** Called when files became ready. */
  readonly onReady: () => void;
  readonly warn: (message: string) => void;
}

interface Look {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
  /** When this size/time/inode was first seen. */
  readonly since: number;
}

const keyText = (size: number, mtimeMs: number): string => `${size}:${mtimeMs}`;
/** Judged names are looked at again this often on a listing, in case fs.watch missed a rewrite. */
const RECHECK_JUDGED_MS = 10_000;
/** Stat calls in flight at once while admitting. */
const STAT_CHUNK = 16;

export class ArrivalDetector {
  private readonly settleMs: number;
  private readonly pollMs: number;
  private readonly scanMs: number;
  private readonly capacity: number;
  private readonly tracked = new Map<string, Look>();
  private readonly ready: ArrivedFile[] = [];
  private readonly busy = new Set<string>();
  /** Names fs.watch reported since the last poll (bounded: beyond it the next listing finds them). */
  private readonly hinted = new Set<string>();
  /** Names known to be judged, with the size:mtime they had, so a listing need not ask the ledger again. */
  private readonly judged = new Map<string, string>();
  private watcher: fs.FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastScan = -Infinity;
  private nextRecheck = 0;
  private ticking = false;
  private lastWarning = '';

  constructor(private readonly o: ArrivalOptions) {
    this.settleMs = o.settleMs ?? 200;
    this.pollMs = o.pollMs ?? Math.max(10, Math.round(this.settleMs / 4));
    this.scanMs = o.scanMs ?? 1000;
    this.capacity = o.capacity ?? 64;
  }

  start(): void {
    try {
      this.watcher = fs.watch(this.o.dir, { persistent: false }, (_event, name) => {
        if (typeof name === 'string' && this.hinted.size < this.capacity * 4) this.hinted.add(name);
      });
      this.watcher.on('error', (err) => {
        this.warnOnce(`fs.watch on ${this.o.dir} stopped (${(err as Error).message}); listing the folder every ${this.scanMs} ms instead`);
        this.watcher?.close();
        this.watcher = null;
      });
    } catch (err) {
      this.warnOnce(`fs.watch is not available for ${this.o.dir} (${(err as Error).message}); listing the folder every ${this.scanMs} ms instead`);
    }
    this.timer = setInterval(() => void this.tick(), this.pollMs);
    void this.tick();
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Complete files waiting to be taken. */
  get queued(): number {
    return this.ready.length;
  }

  /** Up to `n` complete files, oldest first; they stay counted against the capacity until {@link done}. */
  take(n: number): ArrivedFile[] {
    const files = this.ready.splice(0, n);
    for (const f of files) this.busy.add(f.name);
    return files;
  }

  /** A taken file was judged (`judged`) or turned out to need another look (it changed, or it vanished). */
  done(file: ArrivedFile, judged: boolean): void {
    this.busy.delete(file.name);
    if (judged) this.rememberJudged(file.name, keyText(file.size, file.mtimeMs));
  }

  /** Puts taken files back at the front, untouched (a batch abandoned on pause or stop). */
  giveBack(files: readonly ArrivedFile[]): void {
    for (const f of files) this.busy.delete(f.name);
    this.ready.unshift(...files);
  }

  private get load(): number {
    return this.tracked.size + this.ready.length + this.busy.size;
  }

  private rememberJudged(name: string, key: string): void {
    if (this.judged.size >= 100_000) this.judged.clear(); // the ledger still knows; this only saves its lookups
    this.judged.set(name, key);
  }

  private warnOnce(message: string): void {
    if (message === this.lastWarning) return;
    this.lastWarning = message;
    this.o.warn(message);
  }

  private async tick(): Promise<void> {
    if (this.ticking || !this.timer) return;
    this.ticking = true;
    try {
      const now = performance.now();
      const hinted = new Set(this.hinted);
      this.hinted.clear();
      let names: string[] = [...hinted];
      let recheck = false;
      if (now - this.lastScan >= this.scanMs) {
        this.lastScan = now;
        names = await this.list();
        recheck = now >= this.nextRecheck;
        if (recheck) this.nextRecheck = now + RECHECK_JUDGED_MS;
      }
      await this.admit(names.sort(), hinted, recheck);
      const before = this.ready.length;
      await this.look();
      if (this.ready.length > before) this.o.onReady();
    } catch (err) {
      this.warnOnce(`watching ${this.o.dir}: ${(err as Error).message}`);
    } finally {
      this.ticking = false;
    }
  }

  private async list(): Promise<string[]> {
    try {
      const entries = await fs.promises.readdir(this.o.dir, { withFileTypes: true });
      if (this.lastWarning.startsWith('cannot list')) this.lastWarning = '';
      // Symlinks are looked at (stat follows them); folders, sockets and the like are not parts.
      return entries.filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name);
    } catch (err) {
      this.warnOnce(`cannot list ${this.o.dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); trying again`);
      return [];
    }
  }

  /**
   * Starts tracking names not seen yet, while there is room. A name judged before is not even looked at unless
   * fs.watch reported it or it is time for the periodic recheck (a file rewritten under its name where fs.watch
   * does not work): with a folder of thousands of judged files, stat calls would queue behind image decoding.
   */
  private async admit(names: readonly string[], hinted: ReadonlySet<string>, recheck: boolean): Promise<void> {
    const ready = new Set(this.ready.map((f) => f.name));
    const candidates = names.filter(
      (n) => !isIgnoredName(n) && !this.tracked.has(n) && !this.busy.has(n) && !ready.has(n) && (recheck || hinted.has(n) || !this.judged.has(n)),
    );
    for (let at = 0; at < candidates.length && this.load < this.capacity; at += STAT_CHUNK) {
      const chunk = candidates.slice(at, at + STAT_CHUNK);
      const stats = await Promise.all(chunk.map((n) => statOf(path.join(this.o.dir, n))));
      if (!this.timer) return; // stopped meanwhile: the ledger may be closed
      chunk.forEach((name, k) => this.consider(name, stats[k]!));
    }
  }

  /** One listed file: skipped when judged (by this run or, per the ledger, an earlier one), else tracked if there is room. */
  private consider(name: string, st: fs.Stats | null): void {
    if (!st || this.load >= this.capacity) return;
    const key = keyText(st.size, st.mtimeMs);
    if (this.judged.get(name) === key) return;
    const file = { sourcePath: path.join(this.o.dir, name), name, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, completeAt: performance.now() };
    if (this.o.isKnown(file)) {
      this.rememberJudged(name, key);
      this.o.onKnown?.(file);
      return;
    }
    this.tracked.set(name, { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, since: performance.now() });
  }

  /** Looks at every tracked file again; those unchanged for long enough become ready. */
  private async look(): Promise<void> {
    const entries = [...this.tracked];
    const stats = await Promise.all(entries.map(([name]) => statOf(path.join(this.o.dir, name))));
    const now = performance.now();
    for (const [k, [name, prev]] of entries.entries()) {
      const st = stats[k];
      if (!st) {
        this.tracked.delete(name); // gone (moved away by someone else, or a temporary file renamed)
        continue;
      }
      if (st.size !== prev.size || st.mtimeMs !== prev.mtimeMs || st.ino !== prev.ino) {
        this.tracked.set(name, { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, since: now });
        continue;
      }
      const settle = st.size === 0 ? this.settleMs * 10 : this.settleMs;
      if (now - prev.since < settle) continue;
      this.tracked.delete(name);
      this.ready.push({ sourcePath: path.join(this.o.dir, name), name, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, completeAt: now });
    }
  }
}

/** The file's stat, or null when it is gone or is not a regular file (a folder that matched a symlink). */
async function statOf(file: string): Promise<fs.Stats | null> {
  try {
    const st = await fs.promises.stat(file);
    return st.isFile() ? st : null;
  } catch {
    return null;
  }
}
