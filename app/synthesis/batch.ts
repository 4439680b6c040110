import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BatchReply, BatchRequest } from './batch-worker.js';
import type { SynthesisParams } from './params.js';
import { parseParams } from './params.js';
import { builtinPreset, isPresetName } from './presets.js';
import { createRng, mixSeed } from './prng.js';
import type { SampleTask, SampleTensors } from './sample.js';
import { renderSample, SampleCache } from './sample.js';

export interface BatchOptions {
  /** Clean training images: file paths or encoded image buffers (PNG/JPEG/TIFF…, any channels, 8/16-bit). */
  readonly sources: readonly (string | Uint8Array)[];
  /** Per source (same order), an ignore-region mask image (white = never a defect) or null. Any size. */
  readonly ignoreMasks?: readonly (string | Uint8Array | null)[];
  /** Each sample uses one of these, chosen by the seed: built-in preset names or parameter objects. */
  readonly presets: readonly (string | SynthesisParams)[];
  readonly batchSize: number;
  readonly seed: number;
  /** Epoch number; (seed, epoch) fixes the order and every sample's defects. */
  readonly epoch: number;
  /** Every image is resized to this (the model's input size). */
  readonly size: { readonly width: number; readonly height: number };
  /** Worker threads; 0 renders on the calling thread. Default: CPUs − 1, at most 4. */
  readonly workers?: number;
  /** Shuffle the sources per epoch (default true). */
  readonly shuffle?: boolean;
  /** Drop a last batch smaller than batchSize (default false). */
  readonly dropLast?: boolean;
  /** Batches rendered ahead of the consumer (default 2). */
  readonly prefetch?: number;
  readonly signal?: AbortSignal;
}

/** One batch. Tensors are float32, row-major. */
export interface SynthesisBatch {
  readonly epoch: number;
  /** 0-based batch number within the epoch. */
  readonly index: number;
  /** Indices into `sources` of the batch's images, in order. */
  readonly sourceIndices: readonly number[];
  readonly size: { readonly width: number; readonly height: number };
  /** Clean images (N, 3, H, W), RGB in [0, 1] (grey replicated, alpha dropped, 16-bit scaled). */
  readonly clean: Float32Array;
  /** Synthesized images (N, 3, H, W), RGB in [0, 1]. */
  readonly images: Float32Array;
  /** Defect masks (N, 1, H, W), 1 = defect. */
  readonly masks: Float32Array;
}

const BOOT = new URL('../jobs/worker-boot.mjs', import.meta.url);
const WORKER = new URL(`./batch-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;

function resolvePresets(presets: BatchOptions['presets']): SynthesisParams[] {
  if (presets.length === 0) throw new Error('presets: list at least one preset name or parameter set');
  return presets.map((p) => {
    if (typeof p !== 'string') return parseParams(p);
    if (!isPresetName(p)) throw new Error(`presets: unknown preset '${p}'`);
    return builtinPreset(p);
  });
}

/** A small pool of synthesis workers answering render requests by id. */
class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, { resolve: (t: SampleTensors) => void; reject: (e: Error) => void }>();
  private next = 0;
  private nextId = 0;
  broken = false;

  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(BOOT, { workerData: { entry: WORKER } });
      w.on('message', (r: BatchReply) => {
        const p = this.pending.get(r.id);
        if (!p) return;
        this.pending.delete(r.id);
        if ('error' in r) p.reject(new Error(r.error));
        else p.resolve({ clean: r.clean, image: r.image, mask: r.mask });
      });
      w.on('error', (err) => {
        this.broken = true;
        this.failAll(err);
      });
      this.workers.push(w);
    }
  }

  get busy(): boolean {
    return this.pending.size > 0;
  }

  render(task: SampleTask): Promise<SampleTensors> {
    const id = this.nextId++;
    const w = this.workers[this.next++ % this.workers.length];
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ id, task } satisfies BatchRequest);
    });
  }

  /** Idle workers must not keep the process alive; busy ones must. */
  hold(held: boolean): void {
    for (const w of this.workers) if (held) w.ref(); else w.unref();
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  async close(): Promise<void> {
    this.failAll(new Error('synthesis workers closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * Pools kept for the next epoch: starting a worker (loading sharp and the engine) costs seconds, an epoch may take
 * less. An idle pool is closed after POOL_IDLE_MS.
 */
const idlePools = new Map<number, { pool: WorkerPool; timer: NodeJS.Timeout }>();
const POOL_IDLE_MS = 20_000;

function acquirePool(size: number): WorkerPool {
  const idle = idlePools.get(size);
  if (idle) {
    clearTimeout(idle.timer);
    idlePools.delete(size);
    idle.pool.hold(true);
    return idle.pool;
  }
  return new WorkerPool(size);
}

async function releasePool(pool: WorkerPool): Promise<void> {
  // A pool still working (the consumer stopped early) or broken is not worth keeping.
  if (pool.broken || pool.busy || idlePools.has(pool.size)) return pool.close();
  pool.hold(false);
  const timer = setTimeout(() => {
    idlePools.delete(pool.size);
    void pool.close();
  }, POOL_IDLE_MS);
  timer.unref();
  idlePools.set(pool.size, { pool, timer });
}

/**
 * Streams synthesized training batches for one epoch. Only `prefetch` batches are in memory at a time; images are
 * decoded on demand. Deterministic: (sources, presets, seed, epoch, size) fix every byte, whatever the worker count.
 */
export async function* synthesisBatches(opts: BatchOptions): AsyncGenerator<SynthesisBatch, void, undefined> {
  const { sources, batchSize, seed, epoch, size } = opts;
  if (sources.length === 0) throw new Error('sources: list at least one image');
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer (got ${batchSize})`);
  if (!Number.isInteger(size.width) || !Number.isInteger(size.height) || size.width < 8 || size.height < 8) {
    throw new Error(`size must be integers ≥ 8 (got ${size.width}×${size.height})`);
  }
  const params = resolvePresets(opts.presets);
  if (opts.ignoreMasks && opts.ignoreMasks.length !== sources.length) {
    throw new Error(`ignoreMasks: ${opts.ignoreMasks.length} entries for ${sources.length} sources (give one per source, null for none)`);
  }
  const rng = createRng(mixSeed(seed, epoch));
  const order = sources.map((_, i) => i);
  if (opts.shuffle ?? true) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [order[i], order[j]] = [order[j], order[i]];
    }
  }
  const batches = opts.dropLast ? Math.floor(order.length / batchSize) : Math.ceil(order.length / batchSize);
  const taskAt = (pos: number): SampleTask => {
    const srng = createRng(mixSeed(seed, epoch, pos));
    const src = order[pos];
    const donorIndex = sources.length > 1 ? (src + 1 + srng.int(0, sources.length - 2)) % sources.length : undefined;
    return {
      source: sources[src],
      donor: donorIndex === undefined ? undefined : sources[donorIndex],
      ignore: opts.ignoreMasks?.[src] ?? undefined,
      params: params[srng.int(0, params.length - 1)],
      seed: srng.fork(),
      size,
    };
  };
  const workerCount = opts.workers ?? Math.max(1, Math.min(4, os.availableParallelism() - 1));
  const pool = workerCount > 0 ? acquirePool(workerCount) : undefined;
  const cache = pool ? undefined : new SampleCache();
  const render = (pos: number): Promise<SampleTensors> => (pool ? pool.render(taskAt(pos)) : renderSample(taskAt(pos), cache!));
  const inFlight = new Map<number, Promise<SampleTensors>>();
  const total = batches * batchSize > order.length ? order.length : batches * batchSize;
  let issued = 0;
  const ahead = Math.max(1, opts.prefetch ?? 2) * batchSize;
  try {
    for (let b = 0; b < batches; b++) {
      opts.signal?.throwIfAborted();
      const start = b * batchSize;
      const end = Math.min(total, start + batchSize);
      while (issued < Math.min(total, end + ahead)) {
        const p = render(issued);
        p.catch(() => undefined); // Awaited below; this keeps an early failure from being reported as unhandled.
        inFlight.set(issued++, p);
      }
      const n = end - start;
      const plane = size.width * size.height;
      const clean = new Float32Array(n * 3 * plane);
      const images = new Float32Array(n * 3 * plane);
      const masks = new Float32Array(n * plane);
      for (let k = 0; k < n; k++) {
        const t = await inFlight.get(start + k)!;
        inFlight.delete(start + k);
        clean.set(t.clean, k * 3 * plane);
        images.set(t.image, k * 3 * plane);
        masks.set(t.mask, k * plane);
      }
      opts.signal?.throwIfAborted();
      yield { epoch, index: b, sourceIndices: order.slice(start, end), size, clean, images, masks };
    }
  } finally {
    if (pool) await releasePool(pool);
  }
}
