// `flowspect watch` as a line runs it: a real child process on a project with a tiny trained model, files dropped
// into the watched folder while it runs, a real webhook receiver (node:http) and a real MQTT broker (aedes) on
// 127.0.0.1. Five good images and one truncated file give five verdicts and one named error; SIGTERM exits 0 with
// every output flushed; a restarted watcher judges only the new file; the argument refusals name their flag.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../app/cli.js';
import { listDatasets } from '../../app/store/datasets.js';
import { countLiveFiles } from '../../app/store/live-files.js';
import { openProject } from '../../app/store/project.js';
import { listResults } from '../../app/store/results.js';
import { type LineMessage, LineMessageSchema } from '../../app/watch/message.js';
import { dropFile, watchFixture, type WatchFixture, writeTruncated } from './fixture.js';
import { type Broker, freePort, mqttBroker, type WebhookReceiver, webhookReceiver } from './line-servers.js';

const BIN = fileURLToPath(new URL('../../bin/flowspect.js', import.meta.url));
let fx: WatchFixture;
let inDir: string;
let doneDir: string;
let outFile: string;

beforeAll(async () => {
  fx = await watchFixture();
  inDir = path.join(fx.root, 'line', 'in');
  doneDir = path.join(fx.root, 'line', 'done');
  outFile = path.join(fx.root, 'line', 'results.jsonl');
  fs.mkdirSync(inDir, { recursive: true });
}, 60_000);
afterAll(() => fx?.cleanup());

interface Watch {
  readonly child: ChildProcess;
  readonly stderr: () => string;
  readonly exit: Promise<number | null>;
}

function watch(args: readonly string[]): Watch {
  const child = spawn(process.execPath, [BIN, 'watch', fx.projectDir, '--model', String(fx.modelId), '--in', inDir, ...args], {
    env: { ...process.env, FLOWSPECT_USER_DATA: path.join(fx.root, 'user') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.resume();
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stderr: () => stderr, exit };
}

async function until(what: string, ok: () => boolean, timeoutMs: number, w?: Watch): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${w ? `\nstderr:\n${w.stderr()}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const readLines = (): LineMessage[] =>
  fs.existsSync(outFile)
    ? fs.readFileSync(outFile, 'utf8').split('\n').filter(Boolean).map((l) => LineMessageSchema.parse(JSON.parse(l)))
    : [];

describe('flowspect watch', () => {
  let hook: WebhookReceiver;
  let broker: Broker;

  afterAll(async () => {
    await hook?.close();
    await broker?.close();
  });

  it('judges 5 good images and 1 truncated file within 30 s, sends every verdict out, and exits 0 on SIGTERM with all flushed', async () => {
    // The webhook refuses the truncated file's message twice (503): it must arrive on the third attempt.
    hook = await webhookReceiver((body, earlier) => ((body as LineMessage).file.endsWith('cut.png') && earlier < 2 ? 503 : 200));
    const port = await freePort(); // the broker comes up only after the watcher: its client must reconnect
    const w = watch(['--out', outFile, '--webhook', hook.url, '--mqtt', `mqtt://127.0.0.1:${port}`, '--topic', 'line3/verdicts']);
    await until('the watcher to be ready', () => w.stderr().includes('ready'), 30_000, w);
    broker = await mqttBroker(port);

    const started = Date.now();
    for (let i = 0; i < 5; i++) dropFile(path.join(inDir, `p${i}.png`), fs.readFileSync(fx.images[i]!));
    writeTruncated(fx.images[5]!, path.join(inDir, 'cut.png'));
    fs.writeFileSync(path.join(inDir, 'half.png.part'), 'still being written'); // a temporary name: never read
    await until('6 lines in the results file', () => readLines().length >= 6, 30_000, w);
    expect(Date.now() - started).toBeLessThan(30_000);

    w.child.kill('SIGTERM');
    expect(await w.exit).toBe(0);
    const lines = readLines();
    expect(lines).toHaveLength(6);
    const byName = new Map(lines.map((l) => [path.basename(l.file), l]));
    expect([...byName.keys()].sort()).toEqual(['cut.png', 'p0.png', 'p1.png', 'p2.png', 'p3.png', 'p4.png']);
    const cut = byName.get('cut.png')!;
    expect(cut).toMatchObject({ verdict: 'error', score: null, model: fx.modelId, file: path.join(inDir, 'cut.png') });
    expect(cut.reason).toMatch(/truncated or corrupt/);
    for (const name of ['p0.png', 'p1.png', 'p2.png', 'p3.png', 'p4.png']) {
      const l = byName.get(name)!;
      expect(['accept', 'review', 'reject']).toContain(l.verdict);
      expect(Number.isFinite(l.score)).toBe(true);
      expect(fs.existsSync(l.map!)).toBe(true);
    }

    // Flushed before exit: the webhook got each message once (the refused one on its third attempt), MQTT at QoS 1.
    expect(hook.delivered.map((b) => LineMessageSchema.parse(b)).sort(byFile)).toEqual([...lines].sort(byFile));
    expect(hook.attempts.filter((a) => (a.body as LineMessage).file.endsWith('cut.png')).map((a) => a.status)).toEqual([503, 503, 200]);
    expect(broker.published.every((p) => p.topic === 'line3/verdicts' && p.qos === 1)).toBe(true);
    expect(broker.published.map((p) => LineMessageSchema.parse(p.payload)).sort(byFile)).toEqual([...lines].sort(byFile));
    expect(w.stderr()).toMatch(/judged 6 part\(s\) in [\d.]+ s: .*, 1 error/);
    expect(w.stderr()).toMatch(/webhook: 6 delivered, 2 retries, 0 failed, 0 dropped/);

    // Stored for Review: the live dataset holds the parts under their names, the lock is released.
    const project = openProject(fx.projectDir);
    try {
      const live = listDatasets(project.db).find((d) => d.name === 'live: in')!;
      expect(live).toMatchObject({ sourceFormat: 'folder', sourcePath: inDir, counts: { images: 6, ignore: 6, test: 6 } });
      const results = listResults(project.db, { modelId: fx.modelId, datasetId: live.id, limit: 100 }).items;
      expect(results.map((r) => r.originalPath).sort()).toEqual(['cut.png', 'p0.png', 'p1.png', 'p2.png', 'p3.png', 'p4.png']);
      expect(results[0]).toMatchObject({ originalPath: 'cut.png', verdict: 'error', score: null }); // unjudged first
      expect(countLiveFiles(project.db)).toBe(6);
    } finally {
      project.close();
    }
  }, 90_000);

  it('after a restart judges only the new file, and --move-to empties the watched folder', async () => {
    const w = watch(['--out', outFile, '--move-to', doneDir]);
    await until('the watcher to be ready', () => w.stderr().includes('ready'), 30_000, w);
    dropFile(path.join(inDir, 'p5.png'), fs.readFileSync(fx.images[6]!));
    await until('the 7th line', () => readLines().length >= 7, 30_000, w);
    await until('the folder to be emptied', () => fs.readdirSync(inDir).filter((n) => !n.endsWith('.part')).length === 0, 10_000, w);
    w.child.kill('SIGTERM');
    expect(await w.exit).toBe(0);
    const lines = readLines();
    expect(lines).toHaveLength(7);
    expect(lines[6]!.file).toBe(path.join(inDir, 'p5.png'));
    expect(fs.readdirSync(doneDir).sort()).toEqual(['cut.png', 'p0.png', 'p1.png', 'p2.png', 'p3.png', 'p4.png', 'p5.png']);
    expect(w.stderr()).toMatch(/judged 1 part\(s\)/);
  }, 60_000);

  it('refuses bad arguments naming the flag, before loading a model', async () => {
    const run = async (...args: string[]) => {
      const err: string[] = [];
      const code = await main(['watch', fx.projectDir, ...args], { out: () => undefined, err: (l) => err.push(l) });
      return { code, err: err.join('\n') };
    };
    expect(await run('--in', inDir)).toMatchObject({ code: 2, err: expect.stringMatching(/--model ID is required/) });
    expect(await run('--model', '1', '--in', path.join(fx.root, 'nope'))).toMatchObject({ code: 1, err: expect.stringMatching(/--in .*nope: not a folder/) });
    expect(await run('--model', '99', '--in', inDir)).toMatchObject({ code: 1, err: expect.stringMatching(/--model 99: no such model/) });
    expect(await run('--model', '1', '--in', inDir, '--topic', 't')).toMatchObject({ code: 2, err: expect.stringMatching(/--topic needs --mqtt/) });
    expect(await run('--model', '1', '--in', inDir, '--mqtt', 'mqtt://127.0.0.1:1')).toMatchObject({ code: 1, err: expect.stringMatching(/--topic T is required/) });
    expect(await run('--model', '1', '--in', inDir, '--mqtt', 'mqtt://h', '--topic', 'a/#')).toMatchObject({ code: 1, err: expect.stringMatching(/wildcards/) });
    expect(await run('--model', '1', '--in', inDir, '--webhook', 'ftp://x/')).toMatchObject({ code: 1, err: expect.stringMatching(/--webhook must be an http/) });
    expect(await run('--model', '1', '--in', inDir, '--out', path.join(inDir, 'r.jsonl'))).toMatchObject({ code: 1, err: expect.stringMatching(/inside the watched folder/) });
    expect(await run('--model', '1', '--in', inDir, '--move-to', inDir)).toMatchObject({ code: 1, err: expect.stringMatching(/--move-to must not be the watched folder/) });
    expect(await run('--model', '1', '--in', fx.projectDir)).toMatchObject({ code: 1, err: expect.stringMatching(/is the project folder/) });
  });
});

function byFile(a: LineMessage, b: LineMessage): number {
  return a.file.localeCompare(b.file);
}
