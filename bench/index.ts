/**
 * Benchmarks: each prints one JSON object (`npm run bench:NAME` or `npx flowspect bench NAME --json`).
 * Performance targets live here, never in timed tests. Register a benchmark with one line.
 */
import type { Benchmark } from './types.js';

export type { BenchOptions, Benchmark } from './types.js';

export const benchmarks: Record<string, Benchmark> = {
  graph: { summary: 'Graph compiler: FastFlow coupling block forward vs train step (1 and 2 threads)', run: (o) => import('./graph.js').then((m) => m.run(o)) },
  backbone: { summary: 'Built-in backbone images/s at 256², batch 1/8, 1/2 threads, with and without preprocessing', run: (o) => import('./backbone.js').then((m) => m.run(o)) },
  accuracy: { summary: 'CL-Flow vs FastFlow on the demo categories: image AUROC, pixel AUROC, AUPRO (same seed and budget)', run: (o) => import('./accuracy.js').then((m) => m.run(o)) },
  infer: { summary: 'End-to-end inference images/s at 256², batch 1/8, 1/2 threads, flow share of model time', run: (o) => import('./infer.js').then((m) => m.run(o)) },
  train: { summary: 'Training seconds per epoch for 200 images at 256², time to best checkpoint', run: (o) => import('./train.js').then((m) => m.run(o)) },
  import: { summary: 'Import images/s (1,000 generated 1024² PNGs with thumbnails, 2 threads), curation query p95 at 100k images, demo generation time', run: (o) => import('./import.js').then((m) => m.run(o)) },
  cuda: { summary: 'CUDA check: the same small training and scoring on CPU and CUDA, compared (run where a GPU is)', run: (o) => import('./cuda.js').then((m) => m.run(o)) },
  watch: { summary: 'Line station: sustained parts/s and file-complete→verdict latency p50/p99 for 1,000 256² images dropped at FLOWSPECT_BENCH_RATE/s (default 30)', run: (o) => import('./watch.js').then((m) => m.run(o)) },
  soak: { summary: 'Serve mode under load: 8 clients (--clients) for 60 s (--seconds) of reads, edits, imports and scoring; latency p50/p99, errors, lost rows, server memory slope', run: (o) => import('./soak.js').then((m) => m.run(o)) },
  synth: { summary: 'Anomaly synthesis samples/s per preset at 256² and 1024², 256² preview latency', run: (o) => import('./synth.js').then((m) => m.run(o)) },
};
