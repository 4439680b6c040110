import { describe, expect, it } from 'vitest';
import { Graph, serialize } from '../../app/graph/index.js';
import { FlowConfig, type TapShape } from '../../app/model/flow/config.js';
import { buildTapFlow, flowParamCount, type ParamSource } from '../../app/model/flow/flow.js';
import { POSITION_CHANNELS, positionGrid, tileBoxInput, TILE_BOX_INPUT } from '../../app/model/flow/position.js';
import { buildScoreGraph, buildTrainGraph, featureInput, initialParams, modelParamCount, SCORE_OUTPUT } from '../../app/model/flow/graphs.js';
import { ObjectiveWeights } from '../../app/model/flow/config.js';
import { createSession, float32Tensor, toOrtFeeds } from '../../app/runtime/index.js';

const tap: TapShape = { name: 'a', channels: 6, stride: 4, height: 4, width: 4 };
const flow = FlowConfig.parse({ steps: 2 });

/** New params, but conv2 starts non-zero so the subnets (and thus the position) change the output. */
function liveParams(g: Graph): ParamSource {
  let s = 7;
  const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 0.2 - 0.1;
  return (name, shape, init) => g.param(name, shape, name.endsWith('conv2.w') ? Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, rnd) : init);
}

describe('flow conditioned on tile position (tiling.position)', () => {
  it('builds the grid of hat functions of the cell centres from tile_box inside the graph', async () => {
    const g = new Graph();
    g.output('grid', positionGrid(g, tileBoxInput(g, 2), 2, 2));
    const s = await createSession(serialize(g), { intraOpThreads: 1 });
    const out = await s.run({ [TILE_BOX_INPUT]: float32Tensor([0, 0, 1, 1, 0.5, 0, 1, 0.5], [2, 4]) }, ['grid']);
    await s.release();
    expect(out.grid.dims).toEqual([2, POSITION_CHANNELS, 2, 2]);
    const v = out.grid.data as Float32Array;
    // Channel c of image n at cell (y, x); the hats of x are channels 0–4 (centres 0, ¼, ½, ¾, 1), of y 5–9.
    const at = (n: number, c: number, y: number, x: number) => Math.round(v[((n * POSITION_CHANNELS + c) * 2 + y) * 2 + x]! * 1e4) / 1e4;
    const hatsOf = (n: number, first: number, y: number, x: number) => [0, 1, 2, 3, 4].map((k) => at(n, first + k, y, x));
    // Whole part: cell centres at ¼ and ¾ → exactly on a hat each.
    expect(hatsOf(0, 0, 0, 0)).toEqual([0, 1, 0, 0, 0]);
    expect(hatsOf(0, 0, 1, 1)).toEqual([0, 0, 0, 1, 0]);
    expect(hatsOf(0, 5, 1, 0)).toEqual([0, 0, 0, 1, 0]);
    // Top-right quarter: x centres 0.625 and 0.875 (between hats), y centres 0.125 and 0.375.
    expect(hatsOf(1, 0, 0, 0)).toEqual([0, 0, 0.5, 0.5, 0]);
    expect(hatsOf(1, 0, 0, 1)).toEqual([0, 0, 0, 0.5, 0.5]);
    expect(hatsOf(1, 5, 0, 0)).toEqual([0.5, 0.5, 0, 0, 0]);
    expect(hatsOf(1, 5, 1, 1)).toEqual([0, 0.5, 0.5, 0, 0]);
  });

  it('gives conv1 POSITION_CHANNELS more input channels, counts them, and keeps param names', () => {
    const plain = new Graph();
    buildTapFlow(plain, plain.input('x', [1, 6, 4, 4]), 0, tap, flow, 3);
    const g = new Graph();
    const pos = positionGrid(g, tileBoxInput(g, 1), 4, 4);
    buildTapFlow(g, g.input('x', [1, 6, 4, 4]), 0, tap, flow, 3, undefined, pos);
    expect(g.params.map((p) => p.name)).toEqual(plain.params.map((p) => p.name));
    expect(g.params.find((p) => p.name === 't0.s0.conv1.w')!.shape).toEqual([6, 3 + POSITION_CHANNELS, 3, 3]);
    expect(plain.params.find((p) => p.name === 't0.s0.conv1.w')!.shape).toEqual([6, 3, 3, 3]);
    expect(flowParamCount(flow, [tap], true)).toBe(g.params.reduce((n, p) => n + p.size, 0));
    expect(flowParamCount(flow, [tap])).toBe(plain.params.reduce((n, p) => n + p.size, 0));
    expect(() => buildTapFlow(new Graph(), g.input('y', [1, 6, 4, 4]), 0, tap, flow, 3, undefined, positionGrid(g, g.input('b2', [1, 4]), 2, 2))).toThrow(/position grid/);
  });

  it('the same features score differently at a different place in the part, with z and log-det shapes unchanged', async () => {
    const g = new Graph();
    const pos = positionGrid(g, tileBoxInput(g, 2), 4, 4);
    const { z, logDet } = buildTapFlow(g, g.input('x', [2, 6, 4, 4]), 0, tap, flow, 3, liveParams(g), pos);
    expect(z.shape).toEqual([2, 6, 4, 4]);
    expect(logDet.shape).toEqual([2, 4, 4]);
    g.output('logdet', logDet);
    const s = await createSession(serialize(g), { intraOpThreads: 1 });
    const one = Float32Array.from({ length: 96 }, (_, i) => Math.sin(i * 1.7));
    const x = float32Tensor(Float32Array.from([...one, ...one]), [2, 6, 4, 4]);
    const run = async (box: number[]) => Array.from((await s.run({ x, [TILE_BOX_INPUT]: float32Tensor(box, [2, 4]) }, ['logdet'])).logdet.data as Float32Array);
    const same = await run([0, 0, 0.5, 0.5, 0, 0, 0.5, 0.5]);
    const moved = await run([0, 0, 0.5, 0.5, 0.5, 0.5, 1, 1]);
    await s.release();
    expect(same.slice(0, 16)).toEqual(same.slice(16));
    expect(moved.slice(0, 16)).toEqual(same.slice(0, 16));
    const diff = moved.slice(16).reduce((m, v, i) => Math.max(m, Math.abs(v - same[16 + i])), 0);
    expect(diff).toBeGreaterThan(1e-3);
    expect(same.every(Number.isFinite) && moved.every(Number.isFinite)).toBe(true);
  });

  it('training and scoring graphs take tile_box when the spec asks for position, and only then', async () => {
    const spec = { taps: [tap], flow, seed: 1, height: 16, width: 16, position: true };
    const plainSpec = { ...spec, position: false };
    const train = buildTrainGraph(spec, { batch: 2, objective: 'fastflow', weights: ObjectiveWeights.parse({}), weightDecay: 0 });
    expect(buildTrainGraph(plainSpec, { batch: 2, objective: 'fastflow', weights: ObjectiveWeights.parse({}), weightDecay: 0 }).bytes).toEqual(
      buildTrainGraph({ taps: [tap], flow, seed: 1, height: 16, width: 16 }, { batch: 2, objective: 'fastflow', weights: ObjectiveWeights.parse({}), weightDecay: 0 }).bytes,
    );
    expect(modelParamCount(spec)).toBe([...initialParams(spec).values()].reduce((n, v) => n + v.length, 0));
    const feats = float32Tensor(Float32Array.from({ length: 2 * 96 }, (_, i) => Math.cos(i * 0.9)), [2, 6, 4, 4]);
    const box = float32Tensor([0, 0, 0.5, 0.5, 0.5, 0.5, 1, 1], [2, 4]);
    const s = await createSession(train.bytes, { intraOpThreads: 1 });
    const out = await s.run({ ...toOrtFeeds(train.initial), lr: float32Tensor([1e-3], []), [featureInput('clean', 0)]: feats, [TILE_BOX_INPUT]: box }, ['loss']);
    await s.release();
    expect(Number.isFinite((out.loss.data as Float32Array)[0])).toBe(true);
    const score = buildScoreGraph(spec, 2);
    const ss = await createSession(score.bytes, { intraOpThreads: 1 });
    const params = toOrtFeeds(new Map([...initialParams(spec)].map(([k, v]) => [k, { data: v, shape: train.initial.get(k)!.shape, dtype: 'float32' as const }])));
    const so = await ss.run({ ...params, [featureInput('clean', 0)]: feats, [TILE_BOX_INPUT]: box }, [SCORE_OUTPUT]);
    await ss.release();
    expect(Array.from(so[SCORE_OUTPUT].data as Float32Array).every(Number.isFinite)).toBe(true);
  });
});
