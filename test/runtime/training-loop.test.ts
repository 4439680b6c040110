/**
 * The training loop's two rules: a step with a non-finite guarded output is not committed (params and optimizer
 * state stay as they were), and a swap to another graph carries every value by name.
 */
import { describe, expect, test } from 'vitest';
import { Add, Graph, Mul, serialize } from '../../app/graph/index.js';
import { TrainingLoop, createSession, float32Tensor } from '../../app/runtime/index.js';

/** w ← w + x (loss = w·x elementwise); with `withBias`, also b ← b + 1. */
async function stepGraph(withBias: boolean) {
  const g = new Graph();
  const w = g.state('w', [3], 0);
  const x = g.input('x', [3]);
  g.output('loss', Mul(w, x));
  g.output('w.next', Add(w, x));
  if (withBias) g.output('b.next', Add(g.state('b', [], 0), 1));
  return createSession(serialize(g), { provider: 'cpu', intraOpThreads: 1 });
}

const values = (t: { data: unknown }) => Array.from(t.data as Float32Array);
const initial = () => ({ w: float32Tensor([1, 1, 1], [3]), b: float32Tensor([0], []) });

describe('TrainingLoop commit-if-finite', () => {
  test('a step whose guarded output is NaN or infinite leaves the carried state unchanged; finite steps commit', async () => {
    const loop = new TrainingLoop(await stepGraph(true), { initial: initial(), feedback: { 'w.next': 'w', 'b.next': 'b' } });
    const ok = await loop.stepIfFinite({ x: float32Tensor([1, 2, 3], [3]) }, [], ['loss']);
    expect(ok.committed).toBe(true);
    expect(values(ok.outputs.loss)).toEqual([1, 2, 3]);
    expect(values(loop.state.w)).toEqual([2, 3, 4]);

    for (const bad of [NaN, Infinity]) {
      const skipped = await loop.stepIfFinite({ x: float32Tensor([1, bad, 1], [3]) }, [], ['loss']);
      expect(skipped.committed).toBe(false);
      expect(Number.isFinite(values(skipped.outputs.loss)[1])).toBe(false); // the caller sees what went wrong
      expect(values(loop.state.w)).toEqual([2, 3, 4]);
      expect(values(loop.state.b)).toEqual([1]);
    }
    expect(loop.steps).toBe(1);
    // Without a guard the same batch is committed (plain `step`).
    await loop.step({ x: float32Tensor([1, NaN, 1], [3]) });
    expect(values(loop.state.w)[1]).toBeNaN();
  });
});

describe('TrainingLoop phases', () => {
  test('a swap continues on another graph with the values carried by name; a smaller graph trains its subset', async () => {
    const warmup = await stepGraph(false);
    const full = await stepGraph(true);
    const loop = new TrainingLoop(warmup, { initial: initial(), feedback: { 'w.next': 'w' } });
    await loop.step({ x: float32Tensor([1, 1, 1], [3]) });
    expect(values(loop.state.w)).toEqual([2, 2, 2]);
    expect(values(loop.state.b)).toEqual([0]); // not an input of the warm-up graph: kept for the next phase

    loop.swap(full, { 'w.next': 'w', 'b.next': 'b' });
    expect(loop.session).toBe(full);
    const out = await loop.step({ x: float32Tensor([1, 2, 3], [3]) }, ['loss']);
    expect(values(out.loss)).toEqual([2, 4, 6]); // the warm-up's w, not the initial one
    expect(values(loop.state.w)).toEqual([3, 4, 5]);
    expect(values(loop.state.b)).toEqual([1]);
  });

  test('refuses a swap whose feedback does not fit the graph or has no carried value', async () => {
    const full = await stepGraph(true);
    const loop = new TrainingLoop(await stepGraph(false), { initial: { w: float32Tensor([0, 0, 0], [3]) }, feedback: { 'w.next': 'w' } });
    expect(() => loop.swap(full, { 'w.next': 'w', 'b.next': 'b' })).toThrow('no initial value for fed-back input "b"');
    expect(() => loop.swap(full, { nope: 'w' })).toThrow('feedback output "nope" is not an output');
    expect(loop.session).not.toBe(full); // a refused swap changes nothing
  });
});
