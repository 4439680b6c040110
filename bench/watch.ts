/**
 * `flowspect bench watch`: the line station under load. 1,000 demo images at 256² (--quick: 100), each made unique,
 * are renamed into a watched folder at a set rate (FLOWSPECT_BENCH_RATE parts/s, default 30) while a watcher
 * (app/watch, in this process, the default 256² model with freshly initialised flows — speed does not depend on the
 * weights) judges and stores them. Prints the sustained parts/s and the latency from the moment each file was
 * complete (renamed into place) to its stored verdict, p50/p99/max — which includes the settle time a file must
 * stay unchanged — plus the share after the watcher judged it complete, and the process CPU time per part (on a
 * shared machine the steadier figure: 2 cores give at most 2000 / cpuMsPerPart parts/s). A FLOWSPECT_BENCH_RATE
 * above what the watcher sustains measures its capacity.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { BenchOptions } from './types.js';
import { generateDemoDataset } from '../app/demo/generate.js';
import { builtinBackbone } from '../app/model/backbone/builtin.js';
import { modelBackbone } from '../app/model/backbone/colour-tap.js';
import { FlowConfig } from '../app/model/flow/config.js';
import { buildInferenceGraph, initialParams, type ModelSpec } from '../app/model/flow/graphs.js';
import { sealModel } from '../app/model/integrity.js';
import { metadataProps } from '../app/model/metadata.js';
import { insertModel, updateModel } from '../app/store/models.js';
import { createProject, type Project } from '../app/store/project.js';
import { modelMetadata, tapShapes } from '../app/train/trainer.js';
import { parseTrainSettings } from '../app/train/settings.js';
import { Watcher } from '../app/watch/watcher.js';

const SIZE = 256;
const THRESHOLDS = { review: 1, reject: 2, method: 'clean-quantile' as const, detail: 'bench', validation: { clean: 0, defects: 0 } };

function benchRate(): number {
  const raw = process.env.FLOWSPECT_BENCH_RATE;
  const rate = raw === undefined || raw === '' ? 30 : Number(raw);
  if (!Number.isFinite(rate) || rate <= 0 || rate > 10_000) throw new Error(`FLOWSPECT_BENCH_RATE must be a number of parts/s in (0, 10000], got "${raw}"`);
  return rate;
}

const quantile = (xs: readonly number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : Number.NaN;
};

/** The default 256² model (built-in backbone with the default statistics taps, default flows), sealed, as a ready model of `project`. */
async function defaultModel(project: Project, scratch: string): Promise<number> {
  const settings = parseTrainSettings({ imageSize: SIZE });
  const backbone = modelBackbone(builtinBackbone(), settings, scratch);
  const spec: ModelSpec = { taps: tapShapes(backbone, SIZE, SIZE, settings.strides), flow: FlowConfig.parse({}), seed: 1, height: SIZE, width: SIZE };
  const meta = modelMetadata({ modelId: null, name: 'bench', objective: 'clflow', spec, settings, backbone, thresholds: THRESHOLDS, norm: { method: 'clean-median-to-reject', offset: 0, scale: 1 }, metrics: {}, paramCount: 0, dataHash: '' });
  const bytes = await sealModel(buildInferenceGraph(spec, { backbone, params: initialParams(spec), metadata: metadataProps(meta) }), meta, 'bench model');
  const row = insertModel(project.db, { name: 'bench', datasetId: null, objective: 'clflow', backbone: backbone.name, config: {}, paramCount: 0, trainDataHash: '', jobId: null });
  const rel = path.join('models', `model-${row.id}.onnx`);
  fs.writeFileSync(project.path(rel), bytes);
  updateModel(project.db, row.id, { status: 'ready', onnxPath: rel, thresholds: THRESHOLDS, scoreNorm: { method: 'clean-median-to-reject', offset: 0, scale: 1 } });
  return row.id;
}

/** `count` distinct PNGs in `dir`: demo test images, each with one pixel set from its index (unique bytes). */
async function stageImages(dir: string, count: number, log: (m: string) => void): Promise<string[]> {
  const demo = path.join(dir, 'demo');
  await generateDemoDataset({ outDir: demo, size: { trainGood: 0, testGood: 24, defective: 8 }, resolution: SIZE, categories: ['fabric'] });
  const pool = (fs.readdirSync(path.join(demo, 'fabric', 'test'), { recursive: true }) as string[]).filter((f) => f.endsWith('.png')).map((f) => path.join(demo, 'fabric', 'test', f));
  const raws = await Promise.all(pool.map((f) => sharp(f).removeAlpha().raw().toBuffer({ resolveWithObject: true })));
  const staged = path.join(dir, 'staged');
  fs.mkdirSync(staged);
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const { data, info } = raws[i % raws.length]!;
    const px = Buffer.from(data);
    px[0] = i & 255;
    px[1] = (i >> 8) & 255;
    const file = path.join(staged, `part-${String(i).padStart(5, '0')}.png`);
    await sharp(px, { raw: { width: info.width, height: info.height, channels: info.channels } }).png().toFile(file);
    files.push(file);
  }
  log(`staged ${count} unique ${SIZE}² PNGs from ${pool.length} demo images`);
  return files;
}

export async function run(options: BenchOptions): Promise<object> {
  const count = options.quick ? 100 : 1000;
  const rate = benchRate();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flowspect-bench-watch-'));
  const project = createProject(path.join(root, 'project'), 'bench watch');
  try {
    const modelId = await defaultModel(project, root);
    const files = await stageImages(root, count, options.log);
    const inDir = path.join(root, 'in');
    fs.mkdirSync(inDir);
    const dropped = new Map<string, number>();
    const latency: number[] = [];
    const afterComplete: number[] = [];
    let maxQueued = 0;
    let firstVerdict = 0;
    let lastVerdict = 0;
    let done = 0;
    let allDone: () => void = () => undefined;
    const finished = new Promise<void>((r) => (allDone = r));
    const watcher = await Watcher.start(project, {
      modelId,
      dir: inDir,
      log: { info: options.log, warn: (m) => options.log(`warning: ${m}`) },
      onVerdict: (v, w) => {
        const now = performance.now();
        latency.push(now - dropped.get(v.message.file)!);
        afterComplete.push(now - v.judged.file.completeAt);
        maxQueued = Math.max(maxQueued, w.queued);
        if (done === 0) firstVerdict = now;
        lastVerdict = now;
        if (++done === count) allDone();
      },
    });
    options.log(`dropping ${count} files at ${rate}/s into ${inDir}`);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      const wait = t0 + (i * 1000) / rate - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const to = path.join(inDir, path.basename(files[i]!));
      fs.renameSync(files[i]!, to);
      dropped.set(to, performance.now());
      if (i % Math.max(1, Math.round(rate * 5)) === 0) options.log(`${i} dropped, ${done} judged, ${watcher.queued} queued`);
    }
    const dropSeconds = (performance.now() - t0) / 1000;
    const timeout = new Promise<void>((r) => setTimeout(r, 120_000).unref());
    await Promise.race([finished, timeout]);
    const summary = await watcher.stop('finish');
    const cpu = process.cpuUsage(cpu0);
    // Process CPU per part (the dropping loop included, a little): steadier than wall time on a shared machine.
    const cpuMsPerPart = (cpu.user + cpu.system) / 1000 / Math.max(1, done);
    // The verdict stream's own rate (first to last verdict), so the settle delay at the ends does not dilute it.
    const seconds = (lastVerdict - firstVerdict) / 1000;
    return {
      images: count,
      size: `${SIZE}²`,
      targetRate: rate,
      droppedAtRate: count / dropSeconds,
      judged: done,
      sustainedPartsPerSecond: (done - 1) / seconds,
      keptUp: done === count && maxQueued < 16,
      maxQueued,
      cpuMsPerPart,
      loadAverage: os.loadavg()[0],
      latencyMs: { p50: quantile(latency, 0.5), p99: quantile(latency, 0.99), max: Math.max(...latency) },
      afterCompleteMs: { p50: quantile(afterComplete, 0.5), p99: quantile(afterComplete, 0.99) },
      settleMs: 200,
      batch: 8,
      verdicts: summary.counts,
      cpus: os.availableParallelism(),
    };
  } finally {
    project.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
