import { demoSteps, runDemo } from '../../workflows/demo.js';
import type { JobContext } from '../../core/job-types.js';

export interface DemoJobPayload {
  /** Folder holding the demo's generated data and its project (`<workdir>/project`). */
  readonly workdir: string;
  readonly quick: boolean;
  /** Run only these pipeline steps (all when absent). */
  readonly only?: readonly string[];
}

/**
 * Share of the build's time each step takes (training one model per category is most of it), so the progress bar
 * and its ETA move evenly; a step not listed counts as much as generating the images.
 */
const STEP_WEIGHTS: Readonly<Record<string, number>> = { generate: 0.06, import: 0.04, train: 0.85, report: 0.05 };

/** Builds the demo project in the background (generate → import → whatever later steps the pipeline has). */
export async function run(ctx: JobContext<DemoJobPayload>): Promise<unknown> {
  const steps = demoSteps.filter((s) => !ctx.payload.only || ctx.payload.only.includes(s.name));
  const weight = (name: string): number => STEP_WEIGHTS[name] ?? STEP_WEIGHTS.generate!;
  const total = steps.reduce((sum, s) => sum + weight(s.name), 0);
  /** Weight of the steps before `name`. */
  const before = (name: string): number => steps.slice(0, Math.max(0, steps.findIndex((s) => s.name === name))).reduce((sum, s) => sum + weight(s.name), 0);
  let step = steps[0]?.name ?? '';
  let within = 0;
  let message = 'starting';
  const report = (): void => ctx.progress(Math.min(1, (before(step) + weight(step) * within) / total), message);
  return runDemo({
    workdir: ctx.payload.workdir,
    quick: ctx.payload.quick,
    only: ctx.payload.only ? [...ctx.payload.only] : undefined,
    signal: ctx.signal,
    log: (m) => {
      if (m.startsWith('step ')) (step = m.slice(5)), (within = 0);
      message = m;
      report();
    },
    stepProgress: (name, fraction) => {
      step = name;
      within = Math.max(0, Math.min(1, fraction));
      report();
    },
  });
}
