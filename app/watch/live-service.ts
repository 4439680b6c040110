/**
 * The workstation's live inspection: one watcher (watcher.ts) in the main process, started, paused and stopped
 * through the contract's `live.*` methods, pushing `live.verdict` per part and `live.state` on every change over the
 * event bus — so Electron and serve mode behave the same. Pausing stops taking files but keeps watching: complete
 * files wait (in the bounded queue, then on disk) and nothing is lost. When the project closes the watcher is
 * abandoned: the batch in flight is dropped before it is stored, and its files are judged by the next watcher.
 */
import type { EventBus } from '../core/event-bus.js';
import { AppError } from '../core/errors.js';
import type { LiveState, LiveStatus } from '../core/live.js';
import { emptyVerdictCounts } from '../core/bands.js';
import type { Project } from '../store/project.js';
import type { StoredVerdict } from './record.js';
import { type WatchLog, Watcher, type WatchOptions } from './watcher.js';

export interface LiveStartRequest {
  readonly modelId: number;
  readonly dir: string;
  readonly moveTo?: string;
}

export class LiveService {
  private watcher: Watcher | null = null;
  private state: LiveState = 'idle';
  private request: LiveStartRequest | null = null;
  private failure: string | null = null;

  constructor(
    private readonly events: EventBus,
    private readonly log: WatchLog,
    /** Tuning for tests (settle time, scan interval); production uses the watcher's defaults. */
    private readonly tuning: Partial<Pick<WatchOptions, 'settleMs' | 'pollMs' | 'scanMs' | 'batchSize' | 'capacity'>> = {},
  ) {}

  status(): LiveStatus {
    const w = this.watcher;
    return {
      state: this.state,
      modelId: w?.modelId ?? this.request?.modelId ?? null,
      dir: w?.dir ?? this.request?.dir ?? null,
      moveTo: w?.moveTo ?? this.request?.moveTo ?? null,
      datasetId: w?.dataset.id ?? null,
      startedAt: w?.startedAt.toISOString() ?? null,
      counts: w ? { ...w.counts } : emptyVerdictCounts(),
      partsPerSecond: w?.rate.perSecond() ?? 0,
      queued: w?.queued ?? 0,
      error: this.failure,
    };
  }

  /** Starts watching `dir` with a ready model of `project`; refused while a watcher runs. */
  async start(project: Project, req: LiveStartRequest): Promise<LiveStatus> {
    if (this.state === 'starting' || this.watcher) {
      throw new AppError('conflict', `live inspection is already ${this.state} on ${this.status().dir}; stop it first`);
    }
    this.request = req;
    this.failure = null;
    this.setState('starting');
    const closedWhileStarting = () => new AppError('conflict', 'the project was closed while live inspection was starting');
    let w: Watcher;
    try {
      w = await Watcher.start(project, { ...this.tuning, modelId: req.modelId, dir: req.dir, moveTo: req.moveTo, log: this.log, onVerdict: (v, x) => this.verdict(v, x) });
    } catch (err) {
      this.request = null;
      this.setState('idle');
      // Closing the project mid-start makes the watcher's first write fail ("database is not open"): say why instead.
      throw project.db.open ? err : closedWhileStarting();
    }
    if (!project.db.open) {
      // Closed after the watcher's last write but before it was handed over: it has nothing left to write to.
      this.request = null;
      await w.stop('abandon');
      this.setState('idle');
      throw closedWhileStarting();
    }
    this.watcher = w;
    void w.finished.then(() => {
      if (this.watcher !== w || !w.error) return;
      // It stopped on its own (e.g. the disk is full): release it and say why.
      this.failure = w.error;
      this.watcher = null;
      void w.stop('finish');
      this.setState('failed');
    });
    this.setState('running');
    return this.status();
  }

  pause(): LiveStatus {
    this.running().pause();
    this.setState('paused');
    return this.status();
  }

  resume(): LiveStatus {
    this.running().resume();
    this.setState('running');
    return this.status();
  }

  /** Stops after the batch in flight is stored and sent; idle answers as it is. */
  async stop(): Promise<LiveStatus> {
    const w = this.watcher;
    if (!w) return this.status();
    this.setState('stopping');
    await w.stop('finish');
    this.watcher = null;
    this.request = null;
    this.setState('idle');
    return this.status();
  }

  /** The project is closing (synchronously): drop the batch in flight, stop at once. */
  abandon(): void {
    const w = this.watcher;
    if (!w) return;
    this.watcher = null;
    this.request = null;
    void w.stop('abandon');
    this.setState('idle');
  }

  private running(): Watcher {
    if (!this.watcher) throw new AppError('conflict', 'live inspection is not running: start it first');
    return this.watcher;
  }

  private setState(state: LiveState): void {
    this.state = state;
    this.events.emit('live.state', this.status());
  }

  private verdict(v: StoredVerdict, w: Watcher): void {
    this.events.emit('live.verdict', {
      message: v.message,
      imageId: v.imageId,
      resultId: v.resultId,
      imagePath: v.imagePath,
      mapPath: v.mapPath,
      counts: { ...w.counts },
      partsPerSecond: w.rate.perSecond(),
      queued: w.queued,
    });
  }
}
