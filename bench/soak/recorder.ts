/**
 * What the soak's clients saw: every request's latency by method, and every failure (a non-2xx answer, a transport
 * error, a job that did not succeed, an answer that contradicts what the client did), counted by method with the
 * first messages kept.
 */
import { quantile } from '../../app/train/thresholds.js';

const KEEP_MESSAGES = 10;

export interface Failure {
  readonly method: string;
  /** HTTP status, or null for a transport error or a wrong answer. */
  readonly status: number | null;
  readonly message: string;
}

export interface LatencySummary {
  readonly requests: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export class Recorder {
  private readonly latencies = new Map<string, number[]>();
  private readonly failures = new Map<string, number>();
  private readonly firstFailures: Failure[] = [];

  request(method: string, ms: number): void {
    let list = this.latencies.get(method);
    if (!list) this.latencies.set(method, (list = []));
    list.push(ms);
  }

  fail(failure: Failure): void {
    this.failures.set(failure.method, (this.failures.get(failure.method) ?? 0) + 1);
    if (this.firstFailures.length < KEEP_MESSAGES) this.firstFailures.push(failure);
  }

  get errorCount(): number {
    return [...this.failures.values()].reduce((a, b) => a + b, 0);
  }

  summary(): { requests: number; errors: number; errorsByMethod: Record<string, number>; firstErrors: Failure[]; latencyMs: LatencySummary; perMethod: Record<string, LatencySummary> } {
    const perMethod: Record<string, LatencySummary> = {};
    for (const [method, xs] of [...this.latencies].sort(([a], [b]) => a.localeCompare(b))) perMethod[method] = latencyOf(xs);
    const all = [...this.latencies.values()].flat();
    return {
      requests: all.length,
      errors: this.errorCount,
      errorsByMethod: Object.fromEntries(this.failures),
      firstErrors: this.firstFailures,
      latencyMs: latencyOf(all),
      perMethod,
    };
  }
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

function latencyOf(xs: readonly number[]): LatencySummary {
  if (xs.length === 0) return { requests: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
  return { requests: xs.length, p50: round(quantile(xs, 0.5)), p99: round(quantile(xs, 0.99)), max: round(xs.reduce((a, b) => Math.max(a, b), 0)) };
}
