/**
 * The server's memory during the soak: RSS and heap sampled every second, and the least-squares slope of each over
 * the second half of the load (MB/min, with its standard error; the first half holds most of the warm-up: caches
 * filling, code compiling, the allocator's arenas growing to what the job workers need). The verdict rests mainly on
 * the live heap: the heap after a forced full collection at the middle and at the end of the load (both under load,
 * so alike), which leaves only what is still reachable, the figure a leak in the server's JavaScript grows. RSS is
 * dominated by the job workers that come and go (±50 MB from one second to the next here), so its slope is bounded
 * loosely and only catches gross native leaks.
 */
import type { MemorySample, ServedProcess } from './server.js';

const MB = 1024 * 1024;

export interface TimedSample extends MemorySample {
  /** Seconds since the load started. */
  readonly t: number;
}

/**
 * Samples `server` every `intervalMs` until stopped, plus one sample after a forced collection at each of `gcAt`
 * (seconds); a sample the server does not answer in time is counted, not fatal.
 */
export class MemorySampler {
  private readonly samples: TimedSample[] = [];
  private readonly collected: TimedSample[] = [];
  private missed = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private inFlight = false;

  constructor(
    private readonly server: ServedProcess,
    private readonly intervalMs = 1000,
  ) {}

  start(gcAt: readonly number[]): void {
    const t0 = performance.now();
    const take = (gc: boolean, into: TimedSample[]): void => {
      this.inFlight = true;
      this.server
        .sample(gc)
        .then((s) => void into.push({ ...s, t: (performance.now() - t0) / 1000 }))
        .catch(() => void this.missed++)
        .finally(() => (this.inFlight = false));
    };
    this.timers.push(setInterval(() => (this.inFlight ? void this.missed++ : take(false, this.samples)), this.intervalMs));
    for (const t of gcAt) this.timers.push(setTimeout(() => take(true, this.collected), t * 1000));
  }

  stop(): { samples: TimedSample[]; collected: TimedSample[]; missed: number } {
    for (const t of this.timers) clearTimeout(t);
    return { samples: this.samples, collected: this.collected, missed: this.missed };
  }
}

/** Least-squares slope of y (bytes) against t (s) and its standard error, in MB per minute; NaN with < 3 points. */
export function slopeMbPerMinute(points: readonly { t: number; y: number }[]): { slope: number; standardError: number } {
  const n = points.length;
  if (n < 3) return { slope: Number.NaN, standardError: Number.NaN };
  const mt = points.reduce((a, p) => a + p.t, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.t - mt) * (p.y - my);
    sxx += (p.t - mt) ** 2;
  }
  if (sxx === 0) return { slope: Number.NaN, standardError: Number.NaN };
  const b = sxy / sxx;
  const residuals = points.reduce((a, p) => a + (p.y - my - b * (p.t - mt)) ** 2, 0);
  const perMinute = (bytesPerSecond: number): number => round2((bytesPerSecond / MB) * 60);
  return { slope: perMinute(b), standardError: perMinute(Math.sqrt(residuals / (n - 2) / sxx)) };
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
const mb = (bytes: number): number => Math.round((bytes / MB) * 10) / 10;

/**
 * The bounds of `memoryFlat` (measured on 2 cores, 8 clients, ~420 requests/s, ~95 jobs/min):
 * - the live heap may grow by at most 2 MB over the second half. Between the two collections it grew 0.3–0.4 MB in
 *   every run (60 s and 180 s alike), so a leak of ~200 bytes per request (one entry kept per request) fails it.
 * - RSS may rise by at most 100 MB/min over the second half. The allocator's arenas for the job workers keep growing
 *   for the first ~90 s (+20 to +40 MB/min in the second half of a 60-s run, ±20), then RSS plateaus (a 180-s run:
 *   +5.6 ± 4.7 MB/min at ~530 MB). So a 60-s run only catches gross native leaks: one of ~1 MB per job (an ONNX
 *   session or image buffer never freed) fails it. Smaller ones need a longer run (--seconds 300).
 */
export const MEMORY_BOUNDS = { liveHeapGrowthMb: 2, rssSlopeMbPerMin: 100 } as const;

export interface MemoryReport {
  readonly samples: number;
  readonly missedSamples: number;
  readonly rssMb: { readonly first: number; readonly max: number; readonly last: number };
  readonly heapUsedMb: { readonly first: number; readonly max: number; readonly last: number };
  /** Heap after a forced full collection: before the load, at its middle, at its end, and after it (idle). */
  readonly liveHeapMb: { readonly before: number; readonly middle: number; readonly end: number; readonly after: number };
  readonly liveHeapGrowthSecondHalfMb: number;
  /** Slopes over the second half of the load, with their standard errors. */
  readonly secondHalfMbPerMin: { readonly rss: { slope: number; standardError: number }; readonly heapUsed: { slope: number; standardError: number } };
  readonly loopDelayMs: { readonly p99Max: number; readonly max: number };
  readonly bounds: typeof MEMORY_BOUNDS;
  readonly memoryFlat: boolean;
}

export function memoryReport(
  sampled: { samples: readonly TimedSample[]; collected: readonly TimedSample[]; missed: number },
  idle: { before: MemorySample; after: MemorySample },
  seconds: number,
): MemoryReport {
  const { samples, collected } = sampled;
  const half = samples.filter((s) => s.t >= seconds / 2);
  const range = (f: (s: TimedSample) => number) => ({ first: mb(f(samples[0]!)), max: mb(Math.max(...samples.map(f))), last: mb(f(samples.at(-1)!)) });
  const [middle, end] = collected;
  const growth = middle && end ? round2((end.heapUsed - middle.heapUsed) / MB) : Number.NaN;
  const rss = slopeMbPerMinute(half.map((s) => ({ t: s.t, y: s.rss })));
  return {
    samples: samples.length,
    missedSamples: sampled.missed,
    rssMb: range((s) => s.rss),
    heapUsedMb: range((s) => s.heapUsed),
    liveHeapMb: { before: mb(idle.before.heapUsed), middle: mb(middle?.heapUsed ?? Number.NaN), end: mb(end?.heapUsed ?? Number.NaN), after: mb(idle.after.heapUsed) },
    liveHeapGrowthSecondHalfMb: growth,
    secondHalfMbPerMin: { rss, heapUsed: slopeMbPerMinute(half.map((s) => ({ t: s.t, y: s.heapUsed }))) },
    loopDelayMs: { p99Max: round2(Math.max(...samples.map((s) => s.loopDelayMs.p99))), max: round2(Math.max(...samples.map((s) => s.loopDelayMs.max))) },
    bounds: MEMORY_BOUNDS,
    // NaN (a collection the server did not answer) compares false: not flat.
    memoryFlat: growth < MEMORY_BOUNDS.liveHeapGrowthMb && rss.slope < MEMORY_BOUNDS.rssSlopeMbPerMin,
  };
}
