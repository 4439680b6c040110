import { parentPort, workerData } from 'node:worker_threads';
import type { JobContext, JobModule, MainToWorker, WorkerInit, WorkerToMain } from '../core/job-types.js';

/** Runs one job kind's module inside the worker and relays progress, logs and the outcome to the runner. */
const init = workerData as WorkerInit;
const port = parentPort!;
const controller = new AbortController();
const send = (m: WorkerToMain): void => port.postMessage(m);

port.on('message', (m: MainToWorker) => {
  if (m.type === 'cancel') controller.abort(new Error('cancelled by the user'));
});

const ctx: JobContext = {
  jobId: init.jobId,
  kind: init.kind,
  payload: init.payload,
  projectDir: init.projectDir,
  resumed: init.resumed,
  signal: controller.signal,
  progress(fraction, message = '', data) {
    send({ type: 'progress', fraction: Math.min(1, Math.max(0, fraction)), message, data });
  },
  log(level, message, data) {
    send({ type: 'log', level, message, data });
  },
};

try {
  const mod = (await import(init.module)) as JobModule;
  if (typeof mod.run !== 'function') throw new Error(`job module ${init.module} exports no run()`);
  const result = await mod.run(ctx);
  send({ type: 'done', result: result ?? null });
} catch (err) {
  send({ type: 'error', message: err instanceof Error ? err.message : String(err), cancelled: controller.signal.aborted });
}
port.close();
