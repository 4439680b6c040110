/**
 * The Live view's picture of the watcher: its status (from the live.* answers and `live.state` events) and the
 * incoming stream (`live.verdict` events) — the last part and the most recent few. Everything arrives through the
 * typed client; this only folds events into state, so the view stays a view.
 */
import type { AppEvent } from '../../../app/api/contract';
import type { LiveStatus, LiveVerdictEvent } from '../../../app/core/live';

/** How many recent parts the strip under the last part shows. */
export const RECENT = 12;

export const IDLE: LiveStatus = {
  state: 'idle',
  modelId: null,
  dir: null,
  moveTo: null,
  datasetId: null,
  startedAt: null,
  counts: { accept: 0, review: 0, reject: 0, error: 0 },
  partsPerSecond: 0,
  queued: 0,
  error: null,
};

export class LiveFeed {
  status = $state.raw<LiveStatus>(IDLE);
  last = $state.raw<LiveVerdictEvent | null>(null);
  recent = $state.raw<LiveVerdictEvent[]>([]);

  /** Takes an answer of live.start/pause/resume/stop/status. */
  setStatus(status: LiveStatus): void {
    this.status = status;
  }

  /** Folds one event in; events of other kinds are ignored. Returns true when it was a live event. */
  apply(e: AppEvent): boolean {
    if (e.event === 'live.state') {
      this.status = e.payload;
      return true;
    }
    if (e.event !== 'live.verdict') return false;
    const v = e.payload;
    this.last = v;
    this.recent = [v, ...this.recent].slice(0, RECENT);
    this.status = { ...this.status, counts: v.counts, partsPerSecond: v.partsPerSecond, queued: v.queued };
    return true;
  }

  /** A new run starts with an empty stream. */
  clear(): void {
    this.last = null;
    this.recent = [];
  }
}
