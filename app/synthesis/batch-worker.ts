import { parentPort } from 'node:worker_threads';
import type { SampleTask } from './sample.js';
import { renderSample, SampleCache } from './sample.js';

/** Worker side of synthesisBatches: renders samples on request and transfers the tensors back. */
export type BatchRequest = { readonly id: number; readonly task: SampleTask };
export type BatchReply =
  | { readonly id: number; readonly clean: Float32Array; readonly image: Float32Array; readonly mask: Float32Array }
  | { readonly id: number; readonly error: string };

const port = parentPort!;
const cache = new SampleCache();
port.on('message', (req: BatchRequest) => {
  renderSample(req.task, cache).then(
    (t) => port.postMessage({ id: req.id, ...t } satisfies BatchReply, [t.clean.buffer as ArrayBuffer, t.image.buffer as ArrayBuffer, t.mask.buffer as ArrayBuffer]),
    (err: unknown) => port.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) } satisfies BatchReply),
  );
});
