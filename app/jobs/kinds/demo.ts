import { demoSteps, runDemo } from '../../workflows/demo.js';
import type { JobContext } from '../../core/job-types.js';

export interface DemoJobPayload {
  /** Folder holding the demo's generated data and its project (`<workdir>/project`). */
  readonly workdir: string;
  readonly quick: boolean;
  /** Run only these pipeline steps (all when absent). */
  readonly only?: readonly string[];
}

/** Builds the demo project in the background (generate → import → whatever later steps the pipeline has). */
export async function run(ctx: JobContext<DemoJobPayload>): Promise<unknown> {
  let done = 0;
  const steps = demoSteps.filter((s) => !ctx.payload.only || ctx.payload.only.includes(s.name));
  const total = steps.length;
  return runDemo({
    workdir: ctx.payload.workdir,
    quick: ctx.payload.quick,
    only: ctx.payload.only ? [...ctx.payload.only] : undefined,
    signal: ctx.signal,
    log: (message) => {
      if (message.startsWith('step ')) {
        const name = message.slice(5);
        const index = steps.findIndex((s) => s.name === name);
        done = index >= 0 ? index : done;
      }
      ctx.progress(done / total, message);
    },
  });
}
