/** Shared helpers for graph tests: run a graph on ORT (CPU, 1 thread) and check gradients by finite differences. */
import type ort from 'onnxruntime-node';
import { Graph, type FloatDType, Mul, ReduceSum, type Tensor, gradients, serialize } from '../../app/graph/index.js';
import { createSession, toOrtFeeds, toOrtTensor } from '../../app/runtime/index.js';

/** Deterministic uniform [-1, 1) values (mulberry32). */
export function randoms(n: number, seed: number, scale = 1): number[] {
  let a = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out.push(((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale);
  }
  return out;
}

export { sizeOf } from '../../app/graph/shape.js';
import { sizeOf } from '../../app/graph/shape.js';

/** Serializes `g` (params as inputs) and runs it with the initial values plus `feeds`; returns all outputs. */
export async function runGraph(g: Graph, feeds: Record<string, ort.Tensor> = {}, overrides: Record<string, ort.Tensor> = {}) {
  const session = await createSession(serialize(g, { paramsAs: 'inputs' }), { provider: 'cpu', intraOpThreads: 1 });
  const base = { ...toOrtFeeds(g.initialValues()), ...feeds };
  const run = async (extra: Record<string, ort.Tensor> = {}) => session.run({ ...base, ...overrides, ...extra });
  return { session, run, outputs: await run() };
}

export interface GradCheckResult {
  readonly worst: number;
  readonly perParam: Record<string, number>;
}

/**
 * Builds `build` in float64 with a loss Σ(y · R) for a fixed random R, and compares `gradients` with central
 * finite differences on up to `samples` entries per param. Returns the worst norm-wise relative error.
 */
export async function gradCheck(
  build: (g: Graph) => { y: Tensor; params: Tensor[] },
  options: { samples?: number; eps?: number; seed?: number } = {},
): Promise<GradCheckResult> {
  const { samples = 8, eps = 1e-6, seed = 7 } = options;
  const g = new Graph({ dtype: 'float64' });
  const { y, params } = build(g);
  const r = g.constant(randoms(y.size, seed + 1), y.shape, 'float64');
  const loss = ReduceSum(Mul(y, r), undefined, false);
  const grads = gradients(loss, params);
  g.output('loss', loss);
  grads.forEach((d, i) => g.output(`grad_${i}`, d));
  const { run, outputs } = await runGraph(g);
  const perParam: Record<string, number> = {};
  let worst = 0;
  for (let pi = 0; pi < params.length; pi++) {
    const p = params[pi];
    const base = g.values.get(p)!.data as Float64Array;
    const analytic = outputs[`grad_${pi}`].data as Float64Array;
    const picks = [...new Set(randoms(samples, seed + 10 + pi).map((v) => Math.floor(((v + 1) / 2) * p.size)))];
    let num = 0;
    let den = 0;
    for (const idx of picks) {
      const plus = Float64Array.from(base);
      const minus = Float64Array.from(base);
      plus[idx] += eps;
      minus[idx] -= eps;
      const lp = (await run({ [p.name]: toOrtTensor({ data: plus, shape: p.shape, dtype: 'float64' }) })).loss.data[0] as number;
      const lm = (await run({ [p.name]: toOrtTensor({ data: minus, shape: p.shape, dtype: 'float64' }) })).loss.data[0] as number;
      const fd = (lp - lm) / (2 * eps);
      num += (fd - analytic[idx]) ** 2;
      den += Math.max(fd * fd, analytic[idx] ** 2);
    }
    const rel = Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-12);
    perParam[p.name] = rel;
    worst = Math.max(worst, rel);
  }
  return { worst, perParam };
}

/** A trainable param with random values. */
export function rparam(g: Graph, name: string, shape: number[], seed: number, scale = 1): Tensor {
  return g.param(name, shape, randoms(sizeOf(shape), seed, scale));
}

export type { FloatDType };
