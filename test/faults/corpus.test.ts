// The fault corpus (corpus-cases.ts) against a real project holding a dataset with a mask, an imported backbone, a
// ready model and its results: every bad file is refused with an error naming it and the reason, and afterwards
// every stored row and every project file is exactly what it was.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppContext } from '../../app/context.js';
import { importDataset } from '../../app/dataset/import.js';
import { Add, Graph, serialize } from '../../app/graph/index.js';
import { exportModel } from '../../app/infer/export.js';
import { runInference } from '../../app/infer/run.js';
import { importBackbone } from '../../app/model/backbone/project-backbones.js';
import type { Project } from '../../app/store/project.js';
import { resnetLike } from '../backbone/resnet-like.js';
import { tempDir } from '../helpers.js';
import { backboneCases, csvCases, type CorpusContext, type FaultCase, imageCases, inAppCases, internalRefusals, mapCases, maskCases, modelCases } from './corpus-cases.js';
import { png } from './images.js';
import { addModel, buildTinyModel } from './model-fixture.js';

const t = tempDir('flowspect-corpus-');
const app = new AppContext(path.join(t.dir, 'user'), { logToFile: false });
let ctx: CorpusContext;

const put = (file: string, data: Uint8Array): string => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
  return file;
};

/** A valid ONNX model with two image inputs (not a backbone). */
function twoInputModel(): Uint8Array {
  const g = new Graph({ name: 'two-inputs' });
  g.output('sum', Add(g.input('left', [1, 3, 16, 16]), g.input('right', [1, 3, 16, 16])));
  return serialize(g);
}

beforeAll(async () => {
  app.createProject(path.join(t.dir, 'project'), 'fault corpus');
  const project = app.project();
  const base = path.join(t.dir, 'base', 'parts');
  for (let i = 0; i < 3; i++) put(path.join(base, 'good', `${i}.png`), await png(10 + i));
  put(path.join(base, 'dent', 'd.png'), await png(20));
  put(path.join(base, 'masks', 'd.png'), await png(21));
  const imported = await importDataset(project, { source: base, threads: 1 });
  expect(imported).toMatchObject({ imported: 4, masks: 1, failed: [] });
  const datasetId = imported.datasets[0]!.id;
  const backbone = resnetLike({ size: 64 }).bytes;
  await importBackbone(project, put(path.join(t.dir, 'resnet.onnx'), backbone), { name: 'resnet', dryRunSize: 64 });
  const { modelId } = addModel(project);
  await runInference(project, { modelId, datasetId, maps: 'png' });
  const exportedFile = path.join(t.dir, 'exported.onnx');
  await exportModel(project, modelId, exportedFile);
  const images = path.join(t.dir, 'infer-images');
  put(path.join(images, 'part.png'), await png(30));
  const imageId = (project.db.prepare("SELECT id FROM images WHERE label = 'good' ORDER BY id LIMIT 1").get() as { id: number }).id;
  ctx = {
    app, project, dir: path.join(t.dir, 'cases'), exported: fs.readFileSync(exportedFile), trained: buildTinyModel().bytes,
    backbone, twoInputs: twoInputModel(), modelId, datasetId, imageId, images,
  };
}, 120_000);

afterAll(async () => {
  await app.dispose();
  t.cleanup();
});

const TABLES = ['datasets', 'images', 'masks', 'models', 'results', 'backbones'] as const;

/** Every stored row (as JSON) of the tables a refusal must not touch, and the sha256 of every project file. */
function snapshot(project: Project): { rows: Set<string>; files: Record<string, string> } {
  const rows = new Set<string>();
  for (const table of TABLES) for (const r of project.db.prepare(`SELECT * FROM ${table} ORDER BY id`).all()) rows.add(`${table}:${JSON.stringify(r)}`);
  const files: Record<string, string> = {};
  for (const rel of fs.readdirSync(project.dir, { recursive: true }) as string[]) {
    const abs = path.join(project.dir, rel);
    if (/^flowspect\.(db|lock)/.test(rel) || !fs.lstatSync(abs).isFile()) continue;
    files[rel] = crypto.createHash('sha256').update(fs.readFileSync(abs)).digest('hex');
  }
  return { rows, files };
}

async function withEnv<T>(env: Readonly<Record<string, string>> | undefined, f: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env ?? {}).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await f();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

interface Outcome {
  readonly clear: boolean;
  readonly lost: number;
  readonly problems: string[];
}

/** Runs one case and checks the refusal and that the project is unchanged. */
async function runCase(c: FaultCase): Promise<Outcome> {
  c.inject?.();
  let before;
  let after;
  let message: string | null;
  try {
    before = snapshot(ctx.project);
    message = await withEnv(c.env, c.attempt);
    after = snapshot(ctx.project);
  } finally {
    c.restore?.();
  }
  const problems: string[] = [];
  const clear = message !== null && message.includes(c.file) && c.reason.test(message);
  if (message === null) problems.push('accepted');
  else if (!clear) problems.push(`unclear refusal: ${message} (expected ${c.file} and ${c.reason})`);
  const lost = [...before.rows].filter((r) => !after.rows.has(r)).length;
  if (lost) problems.push(`${lost} stored rows lost or changed`);
  const added = [...after.rows].filter((r) => !before.rows.has(r));
  if (added.length) problems.push(`stored new rows: ${added.join(' | ')}`);
  const files = new Set([...Object.keys(before.files), ...Object.keys(after.files)]);
  const changed = [...files].filter((f) => before.files[f] !== after.files[f]);
  if (changed.length) problems.push(`project files changed: ${changed.join(', ')}`);
  return { clear, lost, problems };
}

describe('fault corpus', () => {
  it('refuses every bad file clearly, naming it, and loses no stored row or file', async () => {
    const cases = [
      ...(await imageCases(ctx)),
      ...(await maskCases(ctx)),
      ...backboneCases(ctx),
      ...modelCases(ctx),
      ...inAppCases(ctx),
      ...csvCases(ctx),
      ...mapCases(ctx),
    ];
    let clear = 0;
    let lost = 0;
    const failures: string[] = [];
    for (const c of cases) {
      const o = await runCase(c);
      if (o.clear) clear++;
      lost += o.lost;
      if (o.problems.length) failures.push(`${c.kind} / ${c.name}: ${o.problems.join('; ')}`);
    }
    const kinds = [...new Set(cases.map((c) => c.kind))].map((k) => `${k} ${cases.filter((c) => c.kind === k).length}`).join(', ');
    console.log(`fault corpus: ${cases.length} cases, ${clear} refused clearly, ${lost} stored rows lost (${kinds})`);
    expect(failures).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(clear).toBe(cases.length);
    expect(lost).toBe(0);
    // Every refusal that is thrown carries a code the user can act on (invalid_file, not_found, ...), never internal.
    expect(internalRefusals).toEqual([]);
  }, 180_000);
});
