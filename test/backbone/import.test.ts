import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareImportedBackbone } from '../../app/model/backbone/import.js';
import { createSession, float32Tensor } from '../../app/runtime/index.js';
import { resnetLike } from './resnet-like.js';

const { onnx } = onnxProto;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-import-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, bytes: Uint8Array | string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, bytes);
  return file;
}

describe('importing an ONNX backbone', () => {
  const resnet = resnetLike();
  const file = write('resnet.onnx', resnet.bytes);

  it('auto-detects the stage outputs at strides 4, 8, 16 and cuts the rest', async () => {
    const prepared = await prepareImportedBackbone(file, { dryRunSize: 128 });
    expect(prepared.autoTaps).toBe(true);
    expect(prepared.taps).toEqual([
      { name: 'layer1', channels: 8, stride: 4 },
      { name: 'layer2', channels: 16, stride: 8 },
      { name: 'layer3', channels: 32, stride: 16 },
    ]);
    expect(prepared.multipleOf).toBe(16);
    expect(prepared.nodesKept).toBeLessThan(prepared.nodesTotal);
    const model = onnx.ModelProto.decode(prepared.bytes);
    expect(model.graph!.output!.map((o) => o.name)).toEqual(['layer1', 'layer2', 'layer3']);
    expect(model.graph!.node!.some((n) => n.opType === 'MatMul')).toBe(false); // head gone
    expect(model.graph!.initializer!.some((t) => t.name === 'fc.weight')).toBe(false);
  });

  it('normalises [0, 255] RGB like torchvision inside the graph and runs at other sizes', async () => {
    const prepared = await prepareImportedBackbone(file, { dryRunSize: 128 });
    const img = Float32Array.from({ length: 3 * 64 * 64 }, (_, i) => (i * 37) % 256);
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    const normalized = img.map((v, i) => (v / 255 - mean[Math.floor(i / 4096)]) / std[Math.floor(i / 4096)]);
    const original = await createSession(resnet.bytes, { provider: 'cpu' });
    const cut = await createSession(prepared.bytes, { provider: 'cpu' });
    try {
      const want = await original.run({ input: float32Tensor(normalized, [1, 3, 64, 64]) });
      const got = await cut.run({ image: float32Tensor(img, [1, 3, 64, 64]) });
      for (const name of ['layer1', 'layer2', 'layer3']) {
        const a = want[name].data as Float32Array;
        const b = got[name].data as Float32Array;
        const max = a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        expect(max).toBeGreaterThan(0);
        expect(a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0)).toBeLessThan(1e-4 * max);
      }
      const other = await cut.run({ image: float32Tensor(new Float32Array(2 * 3 * 96 * 160), [2, 3, 96, 160]) });
      expect(other.layer3.dims).toEqual([2, 32, 6, 10]);
    } finally {
      await original.release();
      await cut.release();
    }
  });

  it('accepts taps chosen by name, and a BGR input order', async () => {
    const prepared = await prepareImportedBackbone(file, { taps: ['layer2', 'layer4'], channelOrder: 'bgr', dryRunSize: 128 });
    expect(prepared.autoTaps).toBe(false);
    expect(prepared.taps).toEqual([
      { name: 'layer2', channels: 16, stride: 8 },
      { name: 'layer4', channels: 48, stride: 32 },
    ]);
    expect(onnx.ModelProto.decode(prepared.bytes).graph!.node!.some((n) => n.opType === 'Gather')).toBe(true);
  });

  it('re-stamps an old opset when every op is unchanged since', async () => {
    const model = onnx.ModelProto.decode(resnet.bytes);
    model.opsetImport = [onnx.OperatorSetIdProto.create({ domain: '', version: 9 })];
    const old = write('opset9.onnx', onnx.ModelProto.encode(model).finish());
    const prepared = await prepareImportedBackbone(old, { dryRunSize: 128 });
    expect(onnx.ModelProto.decode(prepared.bytes).opsetImport.map((o) => Number(o.version))).toEqual([17]);
  });

  it('gives clear errors for bad files and bad taps', async () => {
    await expect(prepareImportedBackbone(write('text.onnx', 'this is not a model at all'))).rejects.toThrow(/text\.onnx: not an ONNX model/);
    await expect(prepareImportedBackbone(write('trunc.onnx', resnet.bytes.subarray(0, resnet.bytes.length - 100)))).rejects.toThrow(/truncated/);
    await expect(prepareImportedBackbone(write('empty.onnx', ''))).rejects.toThrow(/empty/);
    await expect(prepareImportedBackbone(path.join(tmp, 'missing.onnx'))).rejects.toThrow(/ENOENT/);
    await expect(prepareImportedBackbone(file, { taps: ['layer1', 'nope'], dryRunSize: 128 })).rejects.toThrow(/tap nope is not a 4-D float tensor/);
    await expect(prepareImportedBackbone(file, { taps: ['logits'], dryRunSize: 128 })).rejects.toThrow(/tap logits/);
    const fixed = write('fixed.onnx', resnetLike({ fixedReshape: true }).bytes);
    await expect(prepareImportedBackbone(fixed, { dryRunSize: 128 })).rejects.toThrow(/does not run on a 2×3×128×128 batch/);

    const nhwc = onnx.ModelProto.decode(resnet.bytes);
    nhwc.graph!.input![0].type!.tensorType!.shape!.dim = [1, 64, 64, 3].map((d) => ({ dimValue: d }));
    await expect(prepareImportedBackbone(write('nhwc.onnx', onnx.ModelProto.encode(nhwc).finish()))).rejects.toThrow(/channels-last/);
  });
});
