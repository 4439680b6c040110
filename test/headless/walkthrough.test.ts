// The headless walkthrough in docs/headless.md, run as written: each command of the page's shell block is a real
// `flowspect` child process, in a folder holding a small generated MVTec-layout `parts/`. Folder → AUROC → report,
// with the parts named by their paths in `parts/`; then the score command's cancel and its argument errors.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../app/cli.js';
import { generateDemoDataset } from '../../app/demo/generate.js';
import { chromiumPath } from '../../app/report/pdf.js';
import { parseResultsCsv, type ResultsJson } from '../../app/report/results-table.js';
import { tempDir } from '../helpers.js';

const BIN = fileURLToPath(new URL('../../bin/flowspect.js', import.meta.url));
const DOC = fileURLToPath(new URL('../../docs/headless.md', import.meta.url));
const t = tempDir('flowspect-headless-');
const env = { ...process.env, FLOWSPECT_USER_DATA: path.join(t.dir, 'user') };

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** One `flowspect` process in the walkthrough folder; `onStderr` may act on progress lines (e.g. send SIGINT). */
function flowspect(args: readonly string[], onStderr?: (text: string, kill: (signal: NodeJS.Signals) => void) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: t.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      onStderr?.(stderr, (s) => child.kill(s));
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Splits a shell command line into words: bare words, 'single' and "double" quoted strings. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const m of line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) words.push(m[1] ?? m[2] ?? m[3]!);
  return words;
}

/** The `flowspect …` lines of the page's first ```sh block, as argument lists. */
function documentedCommands(): string[][] {
  const block = /```sh\n([\s\S]*?)```/.exec(fs.readFileSync(DOC, 'utf8'))?.[1];
  if (!block) throw new Error(`${DOC} has no sh block`);
  return block
    .split('\n')
    .filter((l) => l.startsWith('flowspect '))
    .map((l) => shellWords(l).slice(1));
}

const commands = documentedCommands();
const step = (name: string): string[] => {
  const found = commands.filter((c) => c[0] === name || `${c[0]} ${c[1]}` === name);
  expect(found.length, `docs/headless.md runs \`flowspect ${name}\``).toBeGreaterThan(0);
  return found[0]!;
};

beforeAll(async () => {
  await generateDemoDataset({ outDir: path.join(t.dir, 'parts'), size: { trainGood: 20, testGood: 6, defective: 6 }, resolution: 64, categories: ['metal'] });
}, 60_000);
afterAll(() => t.cleanup());

const TEST_PARTS = () =>
  (fs.readdirSync(path.join(t.dir, 'parts', 'metal', 'test'), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.png'))
    .map((f) => `metal/test/${f.split(path.sep).join('/')}`)
    .sort();

describe('docs/headless.md, run as written', () => {
  it('documents the whole walkthrough in order', () => {
    expect(commands.map((c) => (c[0] === 'project' ? `project ${c[1]}` : c[0]))).toEqual(['project create', 'import', 'train', 'score', 'eval', 'report', 'report']);
  });

  it('takes a folder to a trained model, stored results, image AUROC and a report naming the parts', async () => {
    const create = await flowspect(step('project create'));
    expect(create.code, create.stderr).toBe(0);
    expect(create.stdout).toMatch(/created project\nLine 3/);

    const imported = await flowspect(step('import'));
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/imported 32 images \(0 already present, 6 masks\)/);
    expect(imported.stdout).toMatch(/dataset metal \(#1\): 32 new/);

    const trained = await flowspect(step('train'));
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stdout).toMatch(/^model 1 \(.+\) ready: clflow/m);

    const scored = await flowspect(step('score'));
    expect(scored.code, scored.stderr).toBe(0);
    expect(scored.stdout).toMatch(/^model 1 scored 12 images \(split test, dataset 1\) on cpu/m);
    expect(scored.stderr).toMatch(/\[100%\] 12\/12 images on cpu, [\d.]+ images\/s/);
    expect(scored.stderr).toMatch(/ETA \d+ s/); // the first batch's line says how long the rest takes

    const evaluated = await flowspect(step('eval'));
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.stdout).toMatch(/model 1 on test: 6 good, 6 defective images/);
    const auroc = Number(/image AUROC (\d\.\d{4})/.exec(evaluated.stdout)?.[1]);
    expect(auroc).toBeGreaterThan(0.8); // code-rendered defects at 64²: the quick run separates them

    // The PDF when Chromium is there; the HTML report otherwise (the same command with --out line3.html).
    const pdfStep = step('report');
    const printable = chromiumPath() ? pdfStep : pdfStep.map((a) => a.replace(/\.pdf$/, '.html'));
    const printed = await flowspect(printable);
    expect(printed.code, printed.stderr).toBe(0);
    const out = path.join(t.dir, printable.at(-1)!);
    expect(printed.stdout).toContain(`wrote ${out}`);
    if (chromiumPath()) expect(fs.readFileSync(out).subarray(0, 5).toString()).toBe('%PDF-');
    else expect(fs.readFileSync(out, 'utf8')).toContain('metal/test/');

    const csvStep = commands.filter((c) => c[0] === 'report')[1]!;
    const table = await flowspect(csvStep);
    expect(table.code, table.stderr).toBe(0);
    const rows = parseResultsCsv(fs.readFileSync(path.join(t.dir, csvStep.at(-1)!), 'utf8'));
    expect(rows.map((r) => r.path).sort()).toEqual(TEST_PARTS());
    expect(rows.every((r) => /^images\/1\/[0-9a-f]{64}\.png$/.test(r.stored_path))).toBe(true);
    const scratch = rows.find((r) => r.path === 'metal/test/scratch/000.png')!;
    expect(scratch).toMatchObject({ label: 'defect', defect_type: 'scratch', split: 'test' });

    const dir = /all formats in (.+)$/m.exec(table.stdout)![1]!;
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')) as ResultsJson;
    expect(json.results.map((r) => r.path).sort()).toEqual(TEST_PARTS());
    expect(json.results.find((r) => r.path === 'metal/test/scratch/000.png')!.storedPath).toBe(scratch.stored_path);
  }, 120_000);

  it('stops scoring on SIGINT after whole batches: what is stored is what it says', async () => {
    const project = commands[0]![2]!;
    const dbFile = path.join(t.dir, project, 'flowspect.db');
    const before = new Database(dbFile, { readonly: true });
    const lastWrite = before.prepare('SELECT MAX(created_at) FROM results').pluck().get() as string;
    before.close();
    let sent = false;
    const cancelled = await flowspect(['score', project, '--model', '1', '--split', 'all'], (text, kill) => {
      if (sent || !text.includes('[ 25%]')) return; // the first batch of 8 of 32 is stored
      sent = true;
      kill('SIGINT'); // once: a second Ctrl-C ends the process at once, as in any shell
    });
    expect(cancelled.code).toBe(1);
    const said = /cancelled \(SIGINT\) after (\d+) of 32 images: the results of those \1 are stored/.exec(cancelled.stderr);
    expect(said, cancelled.stderr).not.toBeNull();
    const stored = Number(said![1]);
    expect(stored % 8).toBe(0);
    expect(stored).toBeLessThan(32);
    const db = new Database(dbFile, { readonly: true });
    try {
      // Exactly the batches it reported were written by this run; every other image keeps its earlier result or none.
      const written = db.prepare('SELECT COUNT(*) FROM results WHERE model_id = 1 AND created_at > ?').pluck().get(lastWrite) as number;
      expect(written).toBe(stored);
      const tests = db.prepare("SELECT COUNT(*) FROM results r JOIN images i ON i.id = r.image_id WHERE r.model_id = 1 AND i.split = 'test'").pluck().get() as number;
      expect(tests).toBe(12);
    } finally {
      db.close();
    }
  }, 60_000);

  it('refuses bad arguments before scoring, naming the argument', async () => {
    // In process (the same main() the binary runs): refusals happen before any model is loaded.
    const project = path.join(t.dir, commands[0]![2]!);
    const score = async (...args: string[]) => {
      const err: string[] = [];
      const code = await main(['score', project, ...args], { out: () => {}, err: (l) => err.push(l) });
      return { code, stderr: err.join('\n') };
    };
    const unknown = await score('--model', '99');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/--model 99: no such model in .+ \(models: 1 \(ready\)\)/);
    const split = await score('--model', '1', '--split', 'tset');
    expect(split.code).toBe(2);
    expect(split.stderr).toMatch(/--split must be one of test, val, train, all \(got "tset"\)/);
    const dataset = await score('--model', '1', '--dataset', '9');
    expect(dataset.code).toBe(1);
    expect(dataset.stderr).toMatch(/--dataset 9: no such dataset in .+ \(datasets: 1 \(metal\)\)/);

    const db = new Database(path.join(project, 'flowspect.db'));
    db.prepare("UPDATE models SET status = 'failed' WHERE id = 1").run();
    db.close();
    const failed = await score('--model', '1', '--json');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/--model 1: model 1 is not ready \(failed\); only a ready model can score/);
    expect(JSON.parse(failed.stderr.trim().split('\n').at(-1)!)).toMatchObject({ error: { code: 'conflict' } });
  });
});
