/** One step of the demo pipeline (app/workflows/demo.ts) and the context the steps share. */
import type { Project } from '../store/project.js';
import type { DemoCounts } from '../demo/generate.js';

export interface DemoContext {
  readonly workdir: string;
  /** Where the generated MVTec-layout images are written. */
  readonly dataDir: string;
  readonly project: Project;
  readonly quick: boolean;
  /** Explicit image counts (tests); overrides quick / full. */
  readonly counts?: DemoCounts;
  readonly signal?: AbortSignal;
  /** Summaries of the steps run so far, by step name. */
  readonly results: Record<string, unknown>;
  log(message: string): void;
  /** How far the running step has got, 0–1 (steps that take long say so; the build's progress bar follows). */
  progress(fraction: number): void;
}

export interface DemoStep {
  readonly name: string;
  run(ctx: DemoContext): Promise<Record<string, unknown>>;
}

