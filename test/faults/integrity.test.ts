// Model integrity (app/model/integrity.ts): a model file carries its content hash and a reference output on a
// known input; every load checks both, and anything that does not match is refused naming the file and what differed.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportModel } from '../../app/infer/export.js';
import { ModelRunner } from '../../app/infer/model-runner.js';
import { openProjectModel } from '../../app/infer/project-model.js';
import { withoutIntegrity } from '../../app/model/integrity-record.js';
import { getModel } from '../../app/store/models.js';
import type { Project } from '../../app/store/project.js';
import { tempDir } from '../helpers.js';
import { projectWithModel } from './model-fixture.js';
import { editInPlace, integrityRecord, overwriteMiddle, withChangedMetadata, withRecord } from './tamper.js';

const t = tempDir('flowspect-integrity-');
let project: Project;
let modelId: number;
let projectFile: string;
let trained: Buffer;
const exported = path.join(t.dir, 'exported.onnx');

beforeAll(() => {
  const fx = projectWithModel(path.join(t.dir, 'project'));
  ({ project, modelId } = fx);
  projectFile = fx.file;
  trained = fs.readFileSync(projectFile);
}, 60_000);
afterAll(() => {
  project?.close();
  t.cleanup();
});

/** Writes `bytes` to a file named `name` and returns the error ModelRunner.open gives for it. */
async function refusal(name: string, bytes: Uint8Array): Promise<Error> {
  const file = path.join(t.dir, name);
  fs.writeFileSync(file, bytes);
  const err = await ModelRunner.open(file).then(
    async (r) => {
      await r.release();
      return null;
    },
    (e: Error) => e,
  );
  expect(err, `${name} was accepted`).not.toBeNull();
  expect(err!.message.startsWith(`${file}: `), err!.message).toBe(true);
  return err!;
}

describe('sealing', () => {
  it("the trainer's file carries its content hash; the first in-app use adds the reference output and writes it back", async () => {
    const before = integrityRecord(trained);
    expect(before).toMatchObject({ format: 1, contentSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(before.reference).toBeUndefined();
    const runner = await openProjectModel(project, getModel(project.db, modelId)!);
    await runner.release();
    const after = integrityRecord(fs.readFileSync(projectFile));
    expect(after.contentSha256).toBe(before.contentSha256); // the same content, now with its reference
    expect(after.reference).toMatchObject({ input: 'flowspect-reference-v1', height: 64, width: 64, tolerance: { rel: 1e-3 } });
    expect(after.reference!.scores).toHaveLength(2);
    expect(after.reference!.scores[0]).not.toBe(after.reference!.scores[1]); // the two known images differ
  });

  it('export writes a sealed file that every load accepts, on any thread count', async () => {
    await exportModel(project, modelId, exported);
    const record = integrityRecord(fs.readFileSync(exported));
    expect(record.reference?.scores).toHaveLength(2);
    for (const intraOpThreads of [1, 2]) {
      const runner = await ModelRunner.open(exported, { intraOpThreads });
      await runner.release();
    }
    const { bytes } = await ModelRunner.verify(exported);
    expect(Buffer.from(bytes)).toEqual(fs.readFileSync(exported));
  });
});

describe('every load refuses', () => {
  const sealed = () => fs.readFileSync(exported);

  it('4 KiB of 0xFF in the middle', async () => {
    expect((await refusal('ff.onnx', overwriteMiddle(sealed()))).message).toMatch(/content does not match its integrity hash \(recorded sha256 [0-9a-f]{16}…, found [0-9a-f]{16}…\)/);
  });

  it('a threshold changed in place', async () => {
    const edited = editInPlace(sealed(), '"reject":2', '"reject":9');
    expect((await refusal('threshold.onnx', edited)).message).toMatch(/content does not match its integrity hash/);
  });

  it('a model exported before integrity checks (no record), telling to re-export', async () => {
    expect((await refusal('legacy.onnx', withoutIntegrity(sealed()))).message).toMatch(/has no integrity record .* re-export it from its project \(flowspect export PROJECT --model ID --out FILE\.onnx\)/);
  });

  it("a project's internal file taken out of the project (hash only, no reference)", async () => {
    expect((await refusal('internal.onnx', trained)).message).toMatch(/has no reference output \(a project's internal model file, not an exported one\); re-export it/);
  });

  it('a record with another hash', async () => {
    expect((await refusal('wrong-hash.onnx', withRecord(sealed(), (r) => ({ ...r, contentSha256: '0'.repeat(64) })))).message).toMatch(/recorded sha256 0000000000000000…/);
  });

  it('a reference output the model does not reproduce', async () => {
    const moved = withRecord(sealed(), (r) => ({ ...r, reference: { ...r.reference!, scores: [r.reference!.scores[0]! + 0.01, r.reference!.scores[1]!] } }));
    expect((await refusal('reference.onnx', moved)).message).toMatch(/does not reproduce its reference output on the known input \(score of image 1: recorded .*, got .* on cpu, tolerance .*\)/);
  });

  it('metadata naming an output the graph does not have (consistently sealed)', async () => {
    const renamed = withChangedMetadata(sealed(), (m) => ({ ...m, outputs: { ...m.outputs, map: 'heatmap' } }));
    expect((await refusal('outputs.onnx', renamed)).message).toMatch(/output "heatmap" named in its metadata is missing \(outputs: /);
  });
});

describe('a damaged project model', () => {
  it('is refused by in-app scoring and by export, naming the model and its file, and is not rewritten', async () => {
    const model = getModel(project.db, modelId)!;
    const good = fs.readFileSync(projectFile);
    const bad = overwriteMiddle(good);
    fs.writeFileSync(projectFile, bad);
    try {
      await expect(openProjectModel(project, model)).rejects.toThrow(new RegExp(`^model ${modelId} \\(models/model-${modelId}\\.onnx\\): content does not match its integrity hash`));
      const out = path.join(t.dir, 'from-damaged.onnx');
      await expect(exportModel(project, modelId, out)).rejects.toThrow(/content does not match its integrity hash/);
      expect(fs.existsSync(out)).toBe(false);
      expect(fs.readFileSync(projectFile)).toEqual(bad);
    } finally {
      fs.writeFileSync(projectFile, good);
    }
  });

  it('from before integrity checks (no record at all) is the project’s own: sealed as it is on first use', async () => {
    const fx = projectWithModel(path.join(t.dir, 'legacy-project'), withoutIntegrity(trained));
    try {
      const runner = await openProjectModel(fx.project, getModel(fx.project.db, fx.modelId)!);
      await runner.release();
      expect(integrityRecord(fs.readFileSync(fx.file)).reference?.scores).toHaveLength(2);
    } finally {
      fx.project.close();
    }
  });
});
