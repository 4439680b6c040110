/** Parts per second over a sliding window (the Live view's rate and `watch`'s status lines). */
export class RateMeter {
  private readonly marks: { t: number; n: number }[] = [];

  constructor(private readonly windowMs = 5000) {}

  add(n: number, now = performance.now()): void {
    this.marks.push({ t: now, n });
    this.trim(now);
  }

  perSecond(now = performance.now()): number {
    this.trim(now);
    if (this.marks.length === 0) return 0;
    const total = this.marks.reduce((s, m) => s + m.n, 0);
    // Over the window, or since the first mark when the stream is younger than the window (never divided by ~0).
    const span = Math.max(1000, Math.min(this.windowMs, now - this.marks[0]!.t));
    return (total * 1000) / span;
  }

  private trim(now: number): void {
    while (this.marks.length > 0 && now - this.marks[0]!.t > this.windowMs) this.marks.shift();
  }
}
