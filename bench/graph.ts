/**
 * Graph compiler benchmark: one FastFlow coupling block — channel split, Conv3×3–ReLU–Conv3×3 subnet giving
 * (s, t), soft clamp 2 (2·tanh(s/2)), affine coupling, NLL — at N=8, C=64, 32×32 and N=8, C=128, 64×64, with 1 and
 * 2 intra-op threads (spinning off; `--spinning` on). Reports median forward and train-step (forward + backward + Adam) times.
 * Target: train ≤ 3.5 × forward (`ratio`, against the inference forward with baked-in params; also reported against
 * the same forward with params as inputs, which runs the same convolution kernels as the train graph).
 *
 *   npx tsx bench/graph.ts [--quick] [--spinning] [--vs-torch]      or   npx flowspect bench graph --json
 */
import { pathToFileURL } from 'node:url';
import ort from 'onnxruntime-node';
import {
  Add, Concat, Conv, Exp, Graph, MatMul, Mul, ReduceMean, ReduceSum, Relu, Split, Sub, Tanh, type Tensor, adam, gradients, serialize,
} from '../app/graph/index.js';
import { TrainingLoop, createSession, toOrtFeeds } from '../app/runtime/index.js';
import { TorchPeer } from './torch-peer.js';
import type { BenchOptions } from './types.js';

interface Config {
  readonly n: number;
  readonly c: number;
  readonly size: number;
}

const CONFIGS: Config[] = [
  { n: 8, c: 64, size: 32 },
  { n: 8, c: 128, size: 64 },
];
const THREADS = [1, 2];
const TARGET_RATIO = 3.5;

/** Builds the block; returns the graph, its NLL and its params. x: (N, C, H, W) features. */
function couplingBlock({ n, c, size }: Config) {
  const g = new Graph({ name: 'fastflow-coupling' });
  const x = g.input('x', [n, c, size, size]);
  const half = c / 2;
  let seed = 1;
  const rand = (count: number, scale: number) => {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      out[i] = ((seed / 2 ** 32) * 2 - 1) * scale;
    }
    return out;
  };
  const w1 = g.param('w1', [c, half, 3, 3], rand(c * half * 9, Math.sqrt(6 / (half * 9))));
  const b1 = g.param('b1', [c], 0);
  const w2 = g.param('w2', [c, c, 3, 3], rand(c * c * 9, 0.1 * Math.sqrt(6 / (c * 9))));
  const b2 = g.param('b2', [c], 0);
  const [x1, x2] = Split(x, [half, half], 1);
  const st = Conv(Relu(Conv(x1, w1, b1, { pad: 1 })), w2, b2, { pad: 1 });
  const [sRaw, t] = Split(st, [half, half], 1);
  const s = Mul(Tanh(Mul(sRaw, 0.5)), 2); // soft clamp to (−2, 2)
  const z = Concat([x1, Add(Mul(x2, Exp(s)), t)], 1);
  const logdet = ReduceSum(s, [1, 2, 3], false); // (N)
  const nll = ReduceMean(Sub(Mul(ReduceSum(Mul(z, z), [1, 2, 3], false), 0.5), logdet), undefined, false);
  return { g, x, nll, params: [w1, b1, w2, b2] as Tensor[] };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const round = (v: number) => Math.round(v * 100) / 100;

async function measure(config: Config, threads: number, reps: number, log: (m: string) => void, peer?: TorchPeer, spinning = false) {
  const { n, c, size } = config;
  const xData = new Float32Array(n * c * size * size);
  for (let i = 0; i < xData.length; i++) xData[i] = Math.sin(i * 0.37) * 0.8;
  const x = new ort.Tensor('float32', xData, [n, c, size, size]);

  // Forward only: params baked in (as at inference), fetch the loss.
  const fwd = couplingBlock(config);
  fwd.g.output('nll', fwd.nll);
  const fwdSession = await createSession(serialize(fwd.g), { provider: 'cpu', intraOpThreads: threads, spinning });
  // The same forward with params fed as inputs, as in the train graph: ORT cannot pre-pack non-constant weights
  // (no NCHWc convolutions), so this isolates what the backward pass itself costs.
  const fwdInSession = await createSession(serialize(fwd.g, { paramsAs: 'inputs' }), { provider: 'cpu', intraOpThreads: threads, spinning });
  const fwdInFeeds = { ...toOrtFeeds(fwd.g.initialValues()), x };

  // Train step: forward + gradients + Adam, params and moments fed back.
  const t0 = performance.now();
  const tr = couplingBlock(config);
  tr.g.output('nll', tr.nll);
  const step = adam(tr.params, gradients(tr.nll, tr.params), { lr: 1e-4, clipNorm: 10 });
  const bytes = serialize(tr.g, { paramsAs: 'inputs' });
  const buildMs = performance.now() - t0;
  const t1 = performance.now();
  const trSession = await createSession(bytes, { provider: 'cpu', intraOpThreads: threads, spinning });
  const sessionMs = performance.now() - t1;
  const loop = new TrainingLoop(trSession, { initial: toOrtFeeds(tr.g.initialValues()), feedback: step.feedback });

  // CPU time of this process (ORT threads included): unlike wall time it barely moves when other processes
  // compete for the cores, so its ratio is the steadier number on a shared machine.
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const t2 = performance.now();
  await loop.step({ x }, ['nll']);
  const firstTrainMs = performance.now() - t2;
  const timed = (fn: () => Promise<unknown>) => async () => {
    const s = performance.now();
    const c0 = cpuMs();
    await fn();
    return { ms: performance.now() - s, cpu: cpuMs() - c0 };
  };
  const runners: Record<string, () => Promise<{ ms: number; cpu?: number }>> = {
    forward: timed(() => fwdSession.run({ x }, ['nll'])),
    forwardIn: timed(() => fwdInSession.run(fwdInFeeds, ['nll'])),
    train: timed(() => loop.step({ x }, ['nll'])),
    ...(peer ? { torchForward: () => peer.send('forward'), torchScript: () => peer.send('forward_script'), torchTrain: () => peer.send('train') } : {}),
  };
  if (peer) await peer.send('coupling', { n, c, size, threads });
  for (let r = 0; r < 2; r++) for (const run of Object.values(runners)) await run();
  // Interleave so background load affects every runner alike (PyTorch's reps alternate with ours).
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(runners).map((k) => [k, []]));
  const cpu: Record<string, number[]> = { forward: [], train: [] };
  for (let r = 0; r < reps; r++) {
    for (const [name, run] of Object.entries(runners)) {
      const t = await run();
      times[name]!.push(t.ms);
      if (name in cpu && t.cpu !== undefined) cpu[name]!.push(t.cpu);
    }
  }
  const fwdTimes = times.forward!;
  const fwdInTimes = times.forwardIn!;
  const trainTimes = times.train!;
  const fwdCpu = cpu.forward!;
  const trainCpu = cpu.train!;
  await fwdSession.release();
  await fwdInSession.release();
  await trSession.release();
  const forwardMs = median(fwdTimes);
  const forwardInMs = median(fwdInTimes);
  const trainMs = median(trainTimes);
  const torch = peer ? torchColumns(times, forwardMs, trainMs) : undefined;
  if (torch) log(`  PyTorch: forward ${torch.torch_forward_ms} ms (TorchScript ${torch.torch_script_forward_ms} ms), train ${torch.torch_train_ms} ms; ours/PyTorch: forward ×${torch.forward_vs_torch_best}, train ×${torch.train_vs_torch}`);
  log(
    `N=${n} C=${c} ${size}² threads=${threads}: forward ${round(forwardMs)} ms (params as inputs ${round(forwardInMs)} ms), ` +
      `train ${round(trainMs)} ms (×${round(trainMs / forwardMs)}; CPU time ×${round(median(trainCpu) / median(fwdCpu))})`,
  );
  const gflop = couplingGflop(config);
  return {
    n, c, h: size, w: size, threads,
    forward_gflop: round(gflop),
    forward_gflops: round(gflop / (forwardMs / 1000)),
    // Backward of a convolution costs two convolutions (input and weight gradients): 3× the forward work in all.
    train_gflops: round((3 * gflop) / (trainMs / 1000)),
    forward_ms: round(forwardMs),
    train_ms: round(trainMs),
    ratio: round(trainMs / forwardMs),
    forward_params_as_inputs_ms: round(forwardInMs),
    ratio_vs_forward_params_as_inputs: round(trainMs / forwardInMs),
    forward_cpu_ms: round(median(fwdCpu)),
    train_cpu_ms: round(median(trainCpu)),
    ratio_cpu: round(median(trainCpu) / median(fwdCpu)),
    // Best-of-reps: less sensitive to other processes on a shared machine than the medians.
    forward_min_ms: round(Math.min(...fwdTimes)),
    train_min_ms: round(Math.min(...trainTimes)),
    ratio_min: round(Math.min(...trainTimes) / Math.min(...fwdTimes)),
    graph_build_ms: round(buildMs),
    session_create_ms: round(sessionMs),
    first_train_step_ms: round(firstTrainMs),
    reps,
    ...(torch ?? {}),
  };
}

/** Multiply-adds ×2 of the block's two convolutions (the elementwise ops are noise next to them). */
function couplingGflop({ n, c, size }: Config): number {
  const positions = n * size * size;
  return (2 * positions * 9 * (c * (c / 2) + c * c)) / 1e9;
}

/** The machine's MatMul peak as ORT reaches it: a 1024 × 1024 × 1024 product, median of 9, GFLOP/s per thread count. */
async function matmulPeak(threads: number): Promise<number> {
  const g = new Graph({ name: 'matmul-peak' });
  const a = g.input('a', [1024, 1024]);
  const b = g.input('b', [1024, 1024]);
  g.output('c', MatMul(a, b));
  const session = await createSession(serialize(g), { provider: 'cpu', intraOpThreads: threads });
  const data = new Float32Array(1024 * 1024).map((_, i) => Math.sin(i));
  const feeds = { a: new ort.Tensor('float32', data, [1024, 1024]), b: new ort.Tensor('float32', data, [1024, 1024]) };
  const times: number[] = [];
  try {
    for (let r = 0; r < 11; r++) {
      const t0 = performance.now();
      await session.run(feeds);
      if (r >= 2) times.push(performance.now() - t0);
    }
  } finally {
    await session.release();
  }
  return round((2 * 1024 ** 3) / 1e9 / (median(times) / 1000));
}

/** PyTorch's medians and our time over theirs (< 1: we are faster), forward against its better mode. */
function torchColumns(times: Record<string, number[]>, forwardMs: number, trainMs: number) {
  const eager = median(times.torchForward!);
  const script = median(times.torchScript!);
  const train = median(times.torchTrain!);
  return {
    torch_forward_ms: round(eager),
    torch_script_forward_ms: round(script),
    torch_train_ms: round(train),
    forward_vs_torch_best: round(forwardMs / Math.min(eager, script)),
    train_vs_torch: round(trainMs / train),
  };
}

export async function run(options: BenchOptions): Promise<object> {
  const results = [];
  const peer = options.args.includes('--vs-torch') ? TorchPeer.start() : undefined;
  const spinning = options.args.includes('--spinning');
  try {
    for (const config of CONFIGS) {
      for (const threads of THREADS) {
        const reps = options.quick ? 3 : config.c >= 128 ? 7 : 15;
        results.push(await measure(config, threads, reps, options.log, peer, spinning));
      }
    }
  } finally {
    await peer?.close();
  }
  const peak: Record<string, number> = {};
  for (const t of THREADS) peak[`${t}_threads`] = await matmulPeak(t);
  options.log(`MatMul peak (1024³, ORT): ${Object.entries(peak).map(([k, v]) => `${k.replace('_threads', ' thread(s)')}: ${v} GFLOP/s`).join(', ')}`);
  const worst = Math.max(...results.map((r) => r.ratio));
  return {
    benchmark: 'graph',
    block: 'FastFlow coupling: split, Conv3×3–ReLU–Conv3×3, soft clamp 2, NLL; Adam with clipping',
    provider: 'cpu',
    spinning,
    configs: results,
    matmul_peak_gflops: peak,
    target_ratio: TARGET_RATIO,
    worst_ratio: worst,
    meets_target: worst <= TARGET_RATIO,
    ...(peer ? { peer: 'PyTorch (Debian python3-torch), eager and TorchScript forward, autograd + Adam train step; medians of alternated reps', worst_train_vs_torch: Math.max(...results.map((r) => r.train_vs_torch ?? 0)) } : {}),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  run({ quick, log: (m) => process.stderr.write(`${m}\n`), args: process.argv.slice(2) }).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (err) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
