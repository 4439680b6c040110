/** In-graph Adam / AdamW / SGD against a plain-JS reference (PyTorch formulas), over several steps. */
import { describe, expect, test } from 'vitest';
import { Graph, Mul, ReduceSum, Sub, adam, adamw, gradients, serialize, sgd } from '../../app/graph/index.js';
import { TrainingLoop, createSession, toOrtFeeds } from '../../app/runtime/index.js';
import { randoms } from './helpers.js';

interface Ref {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  wd: number;
  decoupled: boolean;
  clip?: number;
}

const N = 7;
const init = randoms(N, 1);
const target = randoms(N, 2, 3);

/** loss = Σ (p − t)²; returns params after each step, computed in float64 JS. */
function reference(steps: number, o: Ref | 'sgd', lr: number): number[][] {
  const p = [...init];
  const m = new Array(N).fill(0);
  const v = new Array(N).fill(0);
  const out: number[][] = [];
  for (let t = 1; t <= steps; t++) {
    let grad = p.map((x, i) => 2 * (x - target[i]));
    const clip = o === 'sgd' ? undefined : o.clip;
    if (clip) {
      const norm = Math.sqrt(grad.reduce((s, x) => s + x * x, 0));
      const f = Math.min(1, clip / (norm + 1e-6));
      grad = grad.map((x) => x * f);
    }
    if (o === 'sgd') {
      for (let i = 0; i < N; i++) p[i] -= lr * grad[i];
    } else {
      for (let i = 0; i < N; i++) {
        let gi = grad[i];
        if (!o.decoupled) gi += o.wd * p[i];
        else p[i] *= 1 - o.lr * o.wd;
        m[i] = o.beta1 * m[i] + (1 - o.beta1) * gi;
        v[i] = o.beta2 * v[i] + (1 - o.beta2) * gi * gi;
        const mhat = m[i] / (1 - o.beta1 ** t);
        const vhat = v[i] / (1 - o.beta2 ** t);
        p[i] -= (o.lr * mhat) / (Math.sqrt(vhat) + o.eps);
      }
    }
    out.push([...p]);
  }
  return out;
}

async function runGraphSteps(kind: 'adam' | 'adamw' | 'sgd', o: Ref, steps: number, dtype: 'float32' | 'float64') {
  const g = new Graph({ dtype });
  const p = g.param('p', [N], init);
  const d = Sub(p, g.constant(target, [N], dtype));
  const loss = ReduceSum(Mul(d, d), undefined, false);
  const grads = gradients(loss, [p]);
  const opts = { lr: o.lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: o.wd, clipNorm: o.clip };
  const step = kind === 'sgd' ? sgd([p], grads, { lr: o.lr }) : (kind === 'adam' ? adam : adamw)([p], grads, opts);
  g.output('loss', loss);
  const session = await createSession(serialize(g, { paramsAs: 'inputs' }), { provider: 'cpu', intraOpThreads: 1 });
  const loop = new TrainingLoop(session, { initial: toOrtFeeds(g.initialValues()), feedback: step.feedback });
  const out: number[][] = [];
  for (let t = 0; t < steps; t++) {
    await loop.step({}, ['loss']);
    out.push(Array.from(loop.state.p.data as Float32Array | Float64Array));
  }
  return out;
}

const base: Ref = { lr: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8, wd: 0, decoupled: false };

describe('optimizers match a plain-JS reference', () => {
  test.each([
    ['Adam', 'adam', base],
    ['Adam with L2 weight decay and clipping', 'adam', { ...base, wd: 0.1, clip: 0.5, beta1: 0.8, beta2: 0.99 }],
    ['AdamW (decoupled weight decay)', 'adamw', { ...base, wd: 0.2, decoupled: true }],
    ['AdamW with clipping', 'adamw', { ...base, wd: 0.05, decoupled: true, clip: 1 }],
  ] as const)('%s: 6 steps within 1e-6 (float32 and float64)', async (_n, kind, o) => {
    const want = reference(6, o, o.lr);
    for (const dtype of ['float32', 'float64'] as const) {
      const got = await runGraphSteps(kind, o, 6, dtype);
      const tol = dtype === 'float64' ? 1e-12 : 1e-6;
      got.forEach((row, t) => row.forEach((x, i) => expect(Math.abs(x - want[t][i]), `${dtype} step ${t + 1} [${i}]`).toBeLessThanOrEqual(tol)));
    }
  });

  test('SGD', async () => {
    const want = reference(4, 'sgd', 0.1);
    const got = await runGraphSteps('sgd', { ...base, lr: 0.1 }, 4, 'float64');
    got.forEach((row, t) => row.forEach((x, i) => expect(x).toBeCloseTo(want[t][i], 12)));
  });
});
