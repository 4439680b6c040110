/**
 * The server's memory during the soak: RSS and heap sampled every second, and the least-squares slope of each over
 * the second half of the load (MB/min, with its standard error; the first half holds most of the warm-up: caches
 * filling, code compiling, the allocator's arenas growing to what the job workers need). The verdict rests mainly on
 * the live heap: the heap after a forced full collection at the middle and at the end of the load (both under load,
 * so alike), which leaves only what is still reachable, the figure a leak in the server's JavaScript grows. RSS is
 * dominated by the job workers that come and go (±50 MB from one second to the next here) and keeps growing for the
 * first ~90 s, so its slope is judged only in runs long enough to be past that.
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
 * The bounds of `memoryFlat` (measured on 2 cores, 8 clients, 320–450 requests/s, ~80–95 jobs/min):
 * - the live heap may grow by at most 2 MB over the second half, judged from 60 s on. Between the two collections it
 *   grew 0.3–0.4 MB in every run (60 s and 180 s alike), so a leak of ~200 bytes per request (one entry kept per
 *   request) fails it.
 * - RSS may rise by at most 30 MB/min over the second half, judged from 180 s on. The allocator's arenas for the job
 *   workers keep growing for the first ~90 s: over the second half of 60-s runs RSS rose −6 to +95 MB/min (± 15–20),
 *   warm-up that no bound can tell from a leak; then it plateaus (a 180-s run: +5.6 ± 4.7 MB/min at ~530 MB). From
 *   180 s on, a native leak of ~0.3 MB per job (an ONNX session or image buffer never freed) fails it.
 */
export const MEMORY_BOUNDS = { liveHeapGrowthMb: 2, rssSlopeMbPerMin: 30 } as const;
/** Runs shorter than these are warm-up for that measure: it is reported, not judged. */
export const JUDGED_FROM_SECONDS = { liveHeap: 60, rss: 180 } as const;

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
  /** Which measures this run was long enough to judge (JUDGED_FROM_SECONDS). */
  readonly judged: { readonly liveHeap: boolean; readonly rss: boolean };
  /** Every judged measure within its bound; null when the run was too short to judge any. */
  readonly memoryFlat: boolean | null;
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
  const judged = { liveHeap: seconds >= JUDGED_FROM_SECONDS.liveHeap, rss: seconds >= JUDGED_FROM_SECONDS.rss };
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
    judged,
    // NaN (a collection the server did not answer) compares false: not flat.
    memoryFlat: judged.liveHeap ? growth < MEMORY_BOUNDS.liveHeapGrowthMb && (!judged.rss || rss.slope < MEMORY_BOUNDS.rssSlopeMbPerMin) : null,
  };
}
