/**
 * A bounded outbox for one line output (webhook, MQTT): scoring only pushes into it and never waits for it. A few
 * senders deliver messages concurrently; a failed delivery is retried with exponential back-off and jitter
 * (base · 2^(attempt−1), capped, each delay drawn from its upper half) up to `maxAttempts`, a permanent failure
 * (e.g. HTTP 400) is not retried. When the outbox is full the OLDEST message is dropped, counted and warned about
 * (the first time and then every 100th): a line that cannot deliver must not stall inspection or grow memory, and
 * every verdict is also in the results file and the project (docs/line.md). On shutdown `drain` waits for what is
 * queued up to a deadline, then abandons the rest (counted too).
 */

/** A delivery failure that retrying cannot fix. */
export class PermanentSendError extends Error {
  override readonly name = 'PermanentSendError';
}

export interface OutboxOptions {
  /** What the output is called in warnings ("webhook http://…"). */
  readonly name: string;
  /** Messages waiting, at most (default 1000). */
  readonly capacity?: number;
  /** Deliveries in flight at once (default 4). */
  readonly concurrency?: number;
  /** Attempts per message, the first included (default 6). */
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly warn: (message: string) => void;
  /** For the jitter; Math.random by default. */
  readonly random?: () => number;
}

export interface OutboxStats {
  readonly queued: number;
  readonly inFlight: number;
  readonly delivered: number;
  /** Messages given up on after their attempts (or a permanent failure). */
  readonly failed: number;
  /** Dropped because the outbox was full (oldest first). */
  readonly dropped: number;
  /** Left undelivered when the drain deadline passed. */
  readonly abandoned: number;
  readonly retries: number;
}

export type Send = (body: string, attempt: number) => Promise<void>;

export class Outbox {
  private readonly queue: string[] = [];
  private inFlight = 0;
  private counts = { delivered: 0, failed: 0, dropped: 0, abandoned: 0, retries: 0 };
  private closed = false;
  private readonly sleeps = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  private idleWaiters: (() => void)[] = [];
  private readonly capacity: number;
  private readonly concurrency: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(
    private readonly send: Send,
    private readonly o: OutboxOptions,
  ) {
    this.capacity = o.capacity ?? 1000;
    this.concurrency = o.concurrency ?? 4;
    this.maxAttempts = o.maxAttempts ?? 6;
    this.baseDelayMs = o.baseDelayMs ?? 250;
    this.maxDelayMs = o.maxDelayMs ?? 15_000;
  }

  /** Queues a message (never blocks); the oldest is dropped when the outbox is full. */
  push(body: string): void {
    if (this.closed) {
      this.counts.abandoned++;
      return;
    }
    if (this.queue.length >= this.capacity) {
      this.queue.shift();
      this.counts.dropped++;
      if (this.counts.dropped === 1 || this.counts.dropped % 100 === 0) {
        this.o.warn(`${this.o.name}: outbox full (${this.capacity} messages waiting); dropped the oldest (${this.counts.dropped} dropped so far)`);
      }
    }
    this.queue.push(body);
    this.pump();
  }

  stats(): OutboxStats {
    return { queued: this.queue.length, inFlight: this.inFlight, ...this.counts };
  }

  /** The back-off before attempt `attempt + 1`: exponential, capped, from its upper half at random. */
  delayAfter(attempt: number): number {
    const full = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return full / 2 + (full / 2) * (this.o.random ?? Math.random)();
  }

  /**
   * Waits until everything queued is delivered (or given up on), at most `timeoutMs`; then stops, counting what
   * is left as abandoned. True when nothing was abandoned.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.queue.length > 0 || this.inFlight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([new Promise<void>((r) => this.idleWaiters.push(r)), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
    }
    this.closed = true;
    // Waiting messages and those sleeping before a retry are abandoned; a send already on the wire may still land.
    const left = this.queue.length + this.sleeps.size;
    this.counts.abandoned += left;
    this.queue.length = 0;
    for (const s of this.sleeps) {
      clearTimeout(s.timer);
      s.wake();
    }
    if (left > 0) this.o.warn(`${this.o.name}: ${left} message(s) not delivered before shutting down`);
    return left === 0;
  }

  private pump(): void {
    while (!this.closed && this.inFlight < this.concurrency && this.queue.length > 0) {
      const body = this.queue.shift()!;
      this.inFlight++;
      void this.deliver(body).finally(() => {
        this.inFlight--;
        this.pump();
        if (this.inFlight === 0 && this.queue.length === 0) for (const w of this.idleWaiters.splice(0)) w();
      });
    }
  }

  private async deliver(body: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (this.closed) return; // counted as abandoned by drain
      try {
        await this.send(body, attempt);
        this.counts.delivered++;
        return;
      } catch (err) {
        const permanent = err instanceof PermanentSendError;
        if (permanent || attempt >= this.maxAttempts) {
          this.counts.failed++;
          this.o.warn(`${this.o.name}: gave up on a message after ${attempt} attempt(s): ${(err as Error).message}`);
          return;
        }
        this.counts.retries++;
        await this.sleep(this.delayAfter(attempt));
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = { timer: setTimeout(() => (this.sleeps.delete(entry), resolve()), ms), wake: resolve };
      this.sleeps.add(entry);
    });
  }
}
