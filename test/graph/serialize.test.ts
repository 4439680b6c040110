import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, test } from 'vitest';
import {
  Add, Concat, Conv, Gather, Graph, LayerNormalization, Mul, ReduceMean, Relu, Reshape, Slice, Transpose,
  decodeOnnx, importOnnx, serialize,
} from '../../app/graph/index.js';
import { createSession, float32Tensor } from '../../app/runtime/index.js';
import { randoms, sizeOf } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'graph-serialize-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A small conv block: (2, 3, 6, 6) → (2, 4, 6, 6). */
function convBlock(g: Graph, x = g.input('image', [2, 3, 6, 6])) {
  const w = g.param('w', [4, 3, 3, 3], randoms(108, 1, 0.5));
  const b = g.param('b', [4], randoms(4, 2));
  const y = Relu(Conv(x, w, b, { pad: 1 }));
  g.output('features', y);
  return { x, y };
}

const image = float32Tensor(randoms(2 * 3 * 36, 3), [2, 3, 6, 6]);

describe('serialization', () => {
  test('a saved model loads in a fresh session and gives the same outputs', async () => {
    const g = new Graph({ name: 'roundtrip' });
    const { y } = convBlock(g);
    const perm = Gather(y, [3, 1, 0, 2], 1);
    const ln = LayerNormalization(Transpose(perm, [0, 2, 3, 1]), g.param('ln.s', [4], randoms(4, 5)), g.param('ln.b', [4], 0.1));
    const cat = Concat([Slice(ln, [0], [3], [1]), Slice(ln, [3], [6], [1])], 1);
    g.output('pooled', ReduceMean(Reshape(cat, [2, 36, 4]), [1], false));
    g.metadata.set('flowspect.kind', 'test');
    const bytes = serialize(g, { metadata: { 'flowspect.version': '1' } });
    const live = await createSession(bytes, { provider: 'cpu', intraOpThreads: 1 });
    const before = await live.run({ image });
    const file = join(dir, 'model.onnx');
    writeFileSync(file, bytes);
    const fresh = await createSession(file, { provider: 'cpu', intraOpThreads: 1 });
    const after = await fresh.run({ image });
    expect(fresh.outputNames).toEqual(['features', 'pooled']);
    expect(Array.from(after.pooled.data as Float32Array)).toEqual(Array.from(before.pooled.data as Float32Array));
    expect(after.pooled.dims).toEqual([2, 4]);

    const model = onnxProto.onnx.ModelProto.decode(readFileSync(file));
    expect(Number(model.opsetImport[0].version)).toBe(17);
    const meta = Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
    expect(meta).toEqual({ 'flowspect.kind': 'test', 'flowspect.version': '1' });
    // Trainable params are initializers by default, inputs when asked.
    expect(model.graph!.input!.map((v) => v.name)).toEqual(['image']);
    const train = onnxProto.onnx.ModelProto.decode(serialize(g, { paramsAs: 'inputs' }));
    expect(train.graph!.input!.map((v) => v.name)).toEqual(['image', 'w', 'b', 'ln.s', 'ln.b']);
  });

  test('nodes no output needs are pruned', () => {
    const g = new Graph();
    const x = g.input('x', [4]);
    Mul(x, 3); // dead
    g.output('y', Add(x, 1));
    const model = onnxProto.onnx.ModelProto.decode(serialize(g));
    expect(model.graph!.node!.map((n) => n.opType)).toEqual(['Add']);
  });

  test('an imported model is spliced in as a frozen subgraph', async () => {
    const src = new Graph({ name: 'backbone' });
    convBlock(src);
    const file = join(dir, 'backbone.onnx');
    writeFileSync(file, serialize(src));

    const g = new Graph();
    const x = g.input('x', [2, 3, 6, 6]);
    const { features } = importOnnx(g, file, { prefix: 'bb/', inputs: { image: x }, outputs: ['features'] });
    expect(features.shape).toEqual([2, 4, 6, 6]);
    expect(features.requiresGrad).toBe(false);
    const head = g.param('head', [1, 4, 1, 1], 2);
    g.output('out', Mul(features, head));
    const s = await createSession(serialize(g), { provider: 'cpu', intraOpThreads: 1 });
    const got = (await s.run({ x: image })).out.data as Float32Array;
    const ref = await createSession(file, { provider: 'cpu', intraOpThreads: 1 });
    const want = (await ref.run({ image })).features.data as Float32Array;
    expect(got.length).toBe(sizeOf([2, 4, 6, 6]));
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(2 * want[i], 5);
  });

  test('bad ONNX input gets a clear error', () => {
    const g = new Graph();
    const x = g.input('x', [2, 3, 6, 6]);
    expect(() => decodeOnnx(new Uint8Array([1, 2, 3, 4, 5]), 'junk.onnx')).toThrow(/junk.onnx: not a valid ONNX model/);
    expect(() => decodeOnnx(join(dir, 'missing.onnx'))).toThrow(/cannot read/);
    const src = new Graph();
    convBlock(src);
    const bytes = serialize(src);
    const wrong = g.input('wrong', [2, 3, 5, 6]);
    expect(() => importOnnx(g, bytes, { prefix: 'a/', inputs: { image: wrong }, outputs: ['features'] })).toThrow(/dim 2 is 6/);
    expect(() => importOnnx(g, bytes, { prefix: 'b/', inputs: {}, outputs: ['features'] })).toThrow(/"image" is not connected/);
    expect(() => importOnnx(g, bytes, { prefix: 'c/', inputs: { image: x }, outputs: ['nope'] })).toThrow(/"nope" is not produced/);
  });
});
