/** Session factory (provider choice and its reason, thread settings) and the training loop's feedback. */
import { describe, expect, test } from 'vitest';
import { Add, Graph, Mul, serialize } from '../../app/graph/index.js';
import { TrainingLoop, createSession, float32Tensor, toOrtFeeds } from '../../app/runtime/index.js';

function counterGraph() {
  const g = new Graph();
  const count = g.state('count', [], 0);
  const acc = g.state('acc', [3], 0);
  const x = g.input('x', [3]);
  g.output('count.next', Add(count, 1));
  g.output('acc.next', Add(acc, x));
  g.output('scaled', Mul(x, 2));
  return g;
}

describe('createSession', () => {
  test('auto picks CUDA only when it is listed and loads, and records why', async () => {
    const s = await createSession(serialize(counterGraph()), { intraOpThreads: 1 });
    expect(['cpu', 'cuda']).toContain(s.provider);
    expect(s.reason).toMatch(s.provider === 'cuda' ? /CUDA listed .* loaded/ : /CUDA/);
    const cpu = await createSession(serialize(counterGraph()), { provider: 'cpu', intraOpThreads: 2, spinning: true });
    expect(cpu.provider).toBe('cpu');
    expect(cpu.reason).toBe('CPU requested');
  });

  test('rejects bad settings and bad models', async () => {
    const bytes = serialize(counterGraph());
    await expect(createSession(bytes, { intraOpThreads: -1 })).rejects.toThrow(/intraOpThreads/);
    await expect(createSession(bytes, { provider: 'tpu' as 'cpu' })).rejects.toThrow(/unknown provider "tpu"/);
    await expect(createSession(new Uint8Array([1, 2, 3]), { provider: 'cpu' })).rejects.toThrow(/cannot load model \(3 bytes\)/);
    await expect(createSession('/nonexistent/model.onnx', { provider: 'cpu' })).rejects.toThrow(/cannot load "\/nonexistent\/model.onnx"/);
  });
});

describe('TrainingLoop', () => {
  test('feeds outputs back as inputs and fetches only what is asked', async () => {
    const g = counterGraph();
    const s = await createSession(serialize(g), { provider: 'cpu', intraOpThreads: 1 });
    const loop = new TrainingLoop(s, { initial: toOrtFeeds(g.initialValues()), feedback: { 'count.next': 'count', 'acc.next': 'acc' } });
    for (let i = 1; i <= 3; i++) {
      const out = await loop.step({ x: float32Tensor([1, 2, i], [3]) }, ['scaled']);
      expect(Object.keys(out)).toEqual(['scaled']);
      expect(Array.from(out.scaled.data as Float32Array)).toEqual([2, 4, 2 * i]);
    }
    expect(loop.steps).toBe(3);
    expect(loop.state.count.data[0]).toBe(3);
    expect(Array.from(loop.state.acc.data as Float32Array)).toEqual([3, 6, 6]);
  });

  test('refuses feedback that does not fit the graph', async () => {
    const g = counterGraph();
    const s = await createSession(serialize(g), { provider: 'cpu', intraOpThreads: 1 });
    const initial = toOrtFeeds(g.initialValues());
    expect(() => new TrainingLoop(s, { initial, feedback: { nope: 'count' } })).toThrow('feedback output "nope" is not an output');
    expect(() => new TrainingLoop(s, { initial, feedback: { 'count.next': 'nope' } })).toThrow('feedback input "nope" is not an input');
    expect(() => new TrainingLoop(s, { initial: {}, feedback: { 'count.next': 'count' } })).toThrow('no initial value for fed-back input "count"');
    const loop = new TrainingLoop(s, { initial, feedback: { 'count.next': 'count' } });
    await expect(loop.step({ count: float32Tensor([1], []) })).rejects.toThrow(/collides with a carried input/);
  });
});
