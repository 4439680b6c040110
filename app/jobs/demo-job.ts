import { demoSteps, runDemo } from '../demo/pipeline.js';
import type { JobContext } from './types.js';

export interface DemoJobPayload {
  /** Folder holding the demo's generated data and its project (`<workdir>/project`). */
  readonly workdir: string;
  readonly quick: boolean;
}

/** Builds the demo project in the background (generate → import → whatever later steps the pipeline has). */
export async function run(ctx: JobContext<DemoJobPayload>): Promise<unknown> {
  let done = 0;
  const total = demoSteps.length;
  return runDemo({
    workdir: ctx.payload.workdir,
    quick: ctx.payload.quick,
    signal: ctx.signal,
    log: (message) => {
      if (message.startsWith('step ')) {
        const name = message.slice(5);
        const index = demoSteps.findIndex((s) => s.name === name);
        done = index >= 0 ? index : done;
      }
      ctx.progress(done / total, message);
    },
  });
}
