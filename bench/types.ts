/** What every benchmark receives (kept apart from the registry in index.ts so that benches do not import it back). */
export interface BenchOptions {
  /** A smaller, faster variant for smoke runs. */
  readonly quick: boolean;
  /** Progress lines (stderr), so stdout stays one JSON object. */
  readonly log: (message: string) => void;
  /** The command-line words after the benchmark's name (e.g. `--suite photos`), for benchmarks that take options. */
  readonly args: readonly string[];
}

export interface Benchmark {
  readonly summary: string;
  run(options: BenchOptions): Promise<object>;
}
