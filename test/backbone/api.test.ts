import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../app/api/dispatch.js';
import { AppContext } from '../../app/context.js';
import { tempDir } from '../helpers.js';
import { resnetLike } from './resnet-like.js';

const t = tempDir();
const app = new AppContext(path.join(t.dir, 'user'), { logToFile: false });
const call = (method: string, params: unknown) => dispatch(method, params, { app, transport: 'http' });
afterAll(async () => {
  await app.dispose();
  t.cleanup();
});

describe('backbones API', () => {
  it('lists the built-in backbone, imports one into the open project, validates requests', async () => {
    const builtin = await call('backbones.list', {});
    expect(builtin.ok && (builtin.result as { name: string }[]).map((b) => b.name)).toEqual(['mobilenetv2-imagenet', 'inceptionv3-imagenet']);

    await call('projects.create', { dir: path.join(t.dir, 'p') });
    const file = path.join(t.dir, 'net.onnx');
    fs.writeFileSync(file, resnetLike().bytes);
    const imported = await call('backbones.import', { path: file, name: 'net', size: 128 });
    expect(imported).toMatchObject({ ok: true, result: { backbone: { name: 'net', kind: 'imported', multipleOf: 16 }, autoTaps: true } });

    const list = await call('backbones.list', {});
    expect(list.ok && (list.result as { name: string }[]).map((b) => b.name)).toEqual(['mobilenetv2-imagenet', 'inceptionv3-imagenet', 'net']);

    const bad = await call('backbones.import', { path: path.join(t.dir, 'nope.onnx') });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_file' } });
    const unknown = await call('backbones.extract', { backbone: 'missing', datasetId: 1 });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const invalid = await call('backbones.extract', { backbone: 'net', datasetId: 1, width: 3 });
    expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });
});
