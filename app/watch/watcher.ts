/**
 * The live watcher: files arriving in a folder → complete (arrivals.ts) → judged in batches of up to `batchSize` by
 * a model loaded once (judge.ts) → stored in the project with the ledger in one transaction (record.ts) → line
 * outputs (results file, webhook, MQTT) → optionally moved out. One loop, one batch at a time; a bounded queue in
 * front (files beyond it wait on disk). Verdicts stored but not yet sent (a crash between the two) are sent first on
 * the next start. Used by `flowspect watch` and, through LiveService, by the workstation's Live view.
 *
 * Stopping: 'finish' lets the batch in flight be stored and sent, then drains the outboxes up to a deadline;
 * 'abandon' (the project is closing) drops the batch in flight before it is stored — its files are not in the
 * ledger, so the next watcher judges them. Either way nothing half-stored remains.
 */
import { emptyVerdictCounts, type Verdict } from '../core/bands.js';
import type { SessionConfig } from '../runtime/index.js';
import { getModel } from '../store/models.js';
import { isLiveFileScored, markLiveFilesEmitted, unemittedLiveFiles } from '../store/live-files.js';
import type { Project } from '../store/project.js';
import type { DatasetRow } from '../store/datasets.js';
import { ArrivalDetector, type ArrivedFile } from './arrivals.js';
import { PartJudge } from './judge.js';
import { moveOut } from './move.js';
import { LineOutputs, type LineOutputSpec, type LineOutputStats } from './outputs/index.js';
import { checkWatchPaths } from './paths.js';
import { RateMeter } from './rate.js';
import { type Judged, liveDataset, recordBatch, type StoredVerdict } from './record.js';

export interface WatchLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface WatchOptions {
  readonly modelId: number;
  readonly dir: string;
  readonly moveTo?: string | null;
  readonly outputs?: LineOutputSpec;
  /** Files judged in one ONNX run, at most (default 8). */
  readonly batchSize?: number;
  /** Files tracked, queued or in flight, at most (default 64). */
  readonly capacity?: number;
  readonly settleMs?: number;
  readonly pollMs?: number;
  readonly scanMs?: number;
  /** How long stopping waits for the outboxes (default 5 s). */
  readonly flushTimeoutMs?: number;
  readonly session?: SessionConfig;
  readonly log: WatchLog;
  /** Every verdict, once stored and sent (the Live view's event, the CLI's line on stderr). */
  readonly onVerdict?: (verdict: StoredVerdict, watcher: Watcher) => void;
}

export interface WatchSummary {
  readonly counts: Record<Verdict, number>;
  readonly judged: number;
  readonly seconds: number;
  readonly resultsFile: string | null;
  readonly outputs: LineOutputStats;
  /** Why the watcher stopped on its own, if it did. */
  readonly error: string | null;
}

export class Watcher {
  readonly counts = emptyVerdictCounts();
  readonly rate = new RateMeter();
  readonly startedAt = new Date();
  private paused = false;
  private stopping = false;
  private abandoned = false;
  private wake: (() => void) | null = null;
  private failure: string | null = null;
  private loopDone: Promise<void> = Promise.resolve();
  private summary: Promise<WatchSummary> | null = null;
  /** Moves under way, by source path (stopping waits for them). */
  private readonly moving = new Map<string, Promise<void>>();
  private readonly detector: ArrivalDetector;

  private constructor(
    private readonly project: Project,
    private readonly o: WatchOptions & { readonly dir: string; readonly moveTo: string | null },
    private readonly judge: PartJudge,
    private readonly outputs: LineOutputs,
    readonly dataset: DatasetRow,
  ) {
    this.detector = new ArrivalDetector({
      dir: o.dir,
      settleMs: o.settleMs,
      pollMs: o.pollMs,
      scanMs: o.scanMs,
      capacity: o.capacity,
      isKnown: (key) => isLiveFileScored(project.db, key),
      onKnown: (file) => this.moveLater(file),
      onReady: () => this.poke(),
      warn: (m) => o.log.warn(m),
    });
  }

  /** Checks the folders, loads the model, opens the outputs, sends what a crash left unsent, and starts watching. */
  static async start(project: Project, o: WatchOptions): Promise<Watcher> {
    const paths = checkWatchPaths(project.dir, { dir: o.dir, moveTo: o.moveTo, out: o.outputs?.out });
    const judge = await PartJudge.open(project, o.modelId, o.session);
    let outputs: LineOutputs;
    try {
      outputs = LineOutputs.open({ ...o.outputs, out: paths.out ?? undefined }, (m) => o.log.warn(m));
    } catch (err) {
      await judge.release();
      throw err;
    }
    let watcher: Watcher;
    try {
      watcher = new Watcher(project, { ...o, dir: paths.dir, moveTo: paths.moveTo }, judge, outputs, liveDataset(project, paths.dir));
      watcher.replayUnsent();
    } catch (err) {
      await Promise.all([outputs.close(0), judge.release()]);
      throw err;
    }
    watcher.detector.start();
    watcher.loopDone = watcher.loop();
    o.log.info(`watching ${paths.dir} with model ${o.modelId} on ${judge.provider} (parts stored in dataset "${watcher.dataset.name}")`);
    return watcher;
  }

  get dir(): string {
    return this.o.dir;
  }

  get moveTo(): string | null {
    return this.o.moveTo;
  }

  get modelId(): number {
    return this.o.modelId;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get queued(): number {
    return this.detector.queued;
  }

  get error(): string | null {
    return this.failure;
  }

  /** Resolves when the watcher stopped on its own (a failure) or was stopped. */
  get finished(): Promise<void> {
    return this.loopDone;
  }

  /** Stops taking files; complete ones wait in the queue (and beyond it on disk). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.poke();
  }

  /** Stops watching; see the file comment for 'finish' and 'abandon'. Calling it again returns the same summary. */
  stop(mode: 'finish' | 'abandon' = 'finish'): Promise<WatchSummary> {
    if (mode === 'abandon') this.abandoned = true;
    this.summary ??= this.shutdown(mode);
    return this.summary;
  }

  private async shutdown(mode: 'finish' | 'abandon'): Promise<WatchSummary> {
    this.stopping = true;
    this.detector.stop();
    this.poke();
    await this.loopDone;
    await Promise.all([...this.moving.values()]);
    await Promise.all([this.outputs.close(mode === 'abandon' ? 0 : (this.o.flushTimeoutMs ?? 5000)), this.judge.release()]);
    const judged = Object.values(this.counts).reduce((a, b) => a + b, 0);
    return {
      counts: { ...this.counts },
      judged,
      seconds: (Date.now() - this.startedAt.getTime()) / 1000,
      resultsFile: this.outputs.resultsFile,
      outputs: this.outputs.stats(),
      error: this.failure,
    };
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const files = this.paused ? [] : this.detector.take(this.o.batchSize ?? 8);
      if (files.length === 0) {
        await this.idle(250);
        continue;
      }
      try {
        await this.batch(files);
      } catch (err) {
        if (this.abandoned) return;
        this.failure = `stopped: ${(err as Error).message}`;
        this.o.log.warn(this.failure);
        this.stopping = true;
        this.detector.stop();
      }
    }
  }

  /** Judges, stores, sends and moves one batch. */
  private async batch(files: readonly ArrivedFile[]): Promise<void> {
    // The thresholds are read per batch: a change made in Review applies to the next part.
    const bands = getModel(this.project.db, this.o.modelId)?.thresholds ?? null;
    const judgements = await this.judge.judge(files, bands);
    if (this.abandoned) return;
    const judged: Judged[] = [];
    for (const j of judgements) {
      if (j.kind === 'judged') judged.push(j);
      else this.detector.done(j.file, false);
    }
    const { width, height } = this.judge.input;
    const stored = await recordBatch(this.project, { modelId: this.o.modelId, dataset: this.dataset, dir: this.o.dir, reject: bands?.reject ?? 0, width, height, provider: this.judge.provider }, judged);
    const fresh = stored.filter((s) => s.ledgerId !== null);
    this.send(fresh);
    this.rate.add(fresh.length);
    for (const s of stored) {
      this.detector.done(s.judged.file, true);
      if (s.ledgerId !== null) {
        this.counts[s.message.verdict]++;
        this.o.onVerdict?.(s, this);
      }
      this.moveLater(s.judged.file);
    }
  }

  /** Results file and outboxes, then the ledger notes the verdicts as sent. */
  private send(stored: readonly StoredVerdict[]): void {
    if (stored.length === 0) return;
    this.outputs.emit(stored.map((s) => s.line));
    markLiveFilesEmitted(this.project.db, stored.map((s) => s.ledgerId!));
  }

  /** Verdicts a crash left stored but unsent: sent now, before any new part. */
  private replayUnsent(): void {
    for (let rows = unemittedLiveFiles(this.project.db); rows.length > 0; rows = unemittedLiveFiles(this.project.db)) {
      this.outputs.emit(rows.map((r) => r.message));
      markLiveFilesEmitted(this.project.db, rows.map((r) => r.id));
      this.o.log.info(`sent ${rows.length} verdict(s) stored before the last stop but not sent then`);
    }
  }

  /** --move-to, in the background (a failure is warned about; the file stays and is never judged again). */
  private moveLater(file: ArrivedFile): void {
    const to = this.o.moveTo;
    if (!to || this.moving.has(file.sourcePath)) return;
    const move = moveOut(file.sourcePath, to)
      .then(() => undefined)
      .catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') this.o.log.warn(`cannot move ${file.sourcePath} to ${to}: ${err.code ?? err.message}`);
      })
      .finally(() => this.moving.delete(file.sourcePath));
    this.moving.set(file.sourcePath, move);
  }
}
