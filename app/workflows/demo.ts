import path from 'node:path';
import { importDataset } from '../dataset/import.js';
import { createProject, isProjectDir, openProject, type Project } from '../store/project.js';
import { generateDemoDataset, type DemoCounts } from '../demo/generate.js';
import type { DemoContext, DemoStep } from './demo-step.js';
import { reportDemoStep } from './demo-report.js';
import { trainDemoStep } from './demo-train.js';

/**
 * The `flowspect demo` pipeline: an ordered list of steps sharing one context (generate → import → train →
 * report). Each step returns a JSON-able summary that the command prints under the step's name.
 */
const generateStep: DemoStep = {
  name: 'generate',
  async run(ctx) {
    const s = await generateDemoDataset({
      outDir: ctx.dataDir,
      size: ctx.counts ?? (ctx.quick ? 'quick' : 'full'),
      signal: ctx.signal,
      progress: (f, m) => {
        ctx.progress(f);
        if (Math.round(f * 100) % 10 === 0) ctx.log(`generate: ${m}`);
      },
    });
    return { dir: s.outDir, images: s.images, seconds: round(s.seconds), categories: s.categories };
  },
};

const importStep: DemoStep = {
  name: 'import',
  async run(ctx) {
    const r = await importDataset(ctx.project, {
      source: ctx.dataDir,
      format: 'mvtec',
      recordAs: 'demo',
      signal: ctx.signal,
      progress: (f, m) => {
        ctx.progress(f);
        if (Math.round(f * 100) % 20 === 0) ctx.log(`import: ${m}`);
      },
    });
    if (r.failed.length > 0) throw new Error(`demo import failed for ${r.failed.length} files, first: ${r.failed[0].file}: ${r.failed[0].reason}`);
    return { datasets: r.datasets, imported: r.imported, duplicates: r.duplicates, masks: r.masks, seconds: round(r.seconds) };
  },
};

const round = (x: number) => Math.round(x * 100) / 100;

/** Steps in order. Append later steps here (one line each). */
export const demoSteps: DemoStep[] = [generateStep, importStep, trainDemoStep, reportDemoStep];

/** Creates (or reopens) the demo project under `workdir` and runs every step; returns the step summaries. */
export async function runDemo(options: {
  workdir: string;
  quick: boolean;
  counts?: DemoCounts;
  /** Run only the steps with these names (tests of one owner's steps). */
  only?: readonly string[];
  signal?: AbortSignal;
  log?: (m: string) => void;
  /** The running step's own progress, 0–1. */
  stepProgress?: (step: string, fraction: number) => void;
}) {
  const workdir = path.resolve(options.workdir);
  const projectDir = path.join(workdir, 'project');
  const project = isProjectDir(projectDir) ? openProject(projectDir) : createProject(projectDir, 'Flowspect demo');
  const results: Record<string, unknown> = {};
  let current = '';
  const ctx: DemoContext = {
    workdir,
    dataDir: path.join(workdir, 'data'),
    project,
    quick: options.quick,
    counts: options.counts,
    signal: options.signal,
    results,
    log: options.log ?? (() => {}),
    progress: (fraction) => options.stepProgress?.(current, fraction),
  };
  const started = performance.now();
  try {
    for (const step of demoSteps.filter((s) => !options.only || options.only.includes(s.name))) {
      current = step.name;
      ctx.log(`step ${step.name}`);
      results[step.name] = await step.run(ctx);
    }
  } finally {
    project.close();
  }
  return { workdir, project: projectDir, quick: options.quick, seconds: round((performance.now() - started) / 1000), steps: results };
}
