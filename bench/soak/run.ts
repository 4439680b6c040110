/**
 * The soak: `flowspect serve` as a child process in a fresh user-data folder with a fresh project, a tiny model
 * trained once, then N clients (bench/soak/workload.ts) for S seconds against its HTTP API while its memory is
 * sampled every second; then the server is stopped as Ctrl-C would, and the database is checked for every row the
 * clients were promised. `pass` = no errors, no lost rows, flat memory (judged in runs of 60 s and
 * more; see bench/soak/memory.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mulberry32 } from '../../app/core/mulberry32.js';
import { quantile } from '../../app/train/thresholds.js';
import { SoakClient } from './client.js';
import { MemorySampler, memoryReport, type MemoryReport } from './memory.js';
import { PartImages } from './parts.js';
import { Recorder } from './recorder.js';
import { startServedProcess, type ServedProcess } from './server.js';
import { prepareProject, type SoakProject } from './setup.js';
import type { ClientContext, Shared } from './state.js';
import { findLostRows, type LostRows } from './verify.js';
import { runClient } from './workload.js';

export interface SoakOptions {
  readonly seconds: number;
  readonly clients: number;
  readonly seed?: number;
  readonly log?: (message: string) => void;
}

export interface SoakReport {
  readonly pass: boolean;
  /** Failed requests, failed jobs, wrong answers, and a server that did not exit 0. */
  readonly errors: number;
  readonly lostRows: LostRows;
  readonly memory: MemoryReport;
  readonly [more: string]: unknown;
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => undefined);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flowspect-bench-soak-'));
  const userData = path.join(root, 'user-data');
  const server = await startServedProcess(userData);
  let stopped: Awaited<ReturnType<ServedProcess['stop']>> | undefined;
  try {
    log(`bench soak: serving on ${server.origin} (pid ${server.pid})`);
    const project = await prepareProject(new SoakClient(server.origin, server.token, new Recorder()), root, log);
    const load = await driveLoad(server, project, root, options, log);
    stopped = await server.stop();
    const lostRows = findLostRows(project.dir, load.shared.imports, load.shared.scores);
    return soakReport(options, load, { code: stopped.code, signal: stopped.signal, ...serverLog(userData) }, lostRows);
  } finally {
    if (!stopped) await server.stop();
    if (process.env.FLOWSPECT_BENCH_KEEP !== '1') fs.rmSync(root, { recursive: true, force: true });
    else log(`bench soak: kept ${root}`);
  }
}

interface OpenFiles {
  readonly files: number;
  readonly sockets: number;
  readonly other: number;
}

interface Load {
  readonly seconds: number;
  readonly recorder: Recorder;
  readonly shared: Shared;
  readonly memory: MemoryReport;
  /**
   * The server's open file descriptors, idle before and after the load (null where /proc is not there). The sockets
   * after include the clients' keep-alive connections, which the server closes 5 s after their last request.
   */
  readonly openFiles: { readonly before: OpenFiles | null; readonly after: OpenFiles | null };
}

/** A process's open file descriptors by kind (Linux /proc: files, sockets, the rest); null elsewhere. */
function openFilesOf(pid: number): OpenFiles | null {
  const dir = `/proc/${pid}/fd`;
  try {
    const kinds = { files: 0, sockets: 0, other: 0 };
    for (const fd of fs.readdirSync(dir)) {
      let target = '';
      try {
        target = fs.readlinkSync(path.join(dir, fd));
      } catch {
        continue; // closed while we looked
      }
      if (target.startsWith('socket:')) kinds.sockets++;
      else if (target.startsWith('/')) kinds.files++;
      else kinds.other++;
    }
    return kinds;
  } catch {
    return null;
  }
}

/** The clients, from the same start to the same deadline, while the sampler watches the server. */
async function driveLoad(server: ServedProcess, project: SoakProject, root: string, options: SoakOptions, log: (m: string) => void): Promise<Load> {
  const parts = await PartImages.fromDemo(project.demoTestDir);
  const recorder = new Recorder();
  const shared: Shared = { modelId: project.modelId, images: project.images.map((i) => ({ ...i, datasetId: null })), imports: [], scores: [], jobSeconds: {}, events: {} };
  const before = await server.sample(true);
  const filesBefore = openFilesOf(server.pid);
  const sampler = new MemorySampler(server);
  log(`bench soak: ${options.clients} clients for ${options.seconds} s`);
  const t0 = performance.now();
  const deadline = t0 + options.seconds * 1000;
  sampler.start([options.seconds / 2, Math.max(options.seconds / 2, options.seconds - 0.5)]);
  await Promise.all(
    Array.from({ length: options.clients }, (_, index) => {
      const random = mulberry32((options.seed ?? 1) * 1000 + index);
      const ctx: ClientContext = { index, client: new SoakClient(server.origin, server.token, recorder), shared, random, workDir: path.join(root, 'parts', String(index)), deadline, datasets: [] };
      return runClient(ctx, parts);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const sampled = sampler.stop();
  const after = await server.sample(true);
  if (process.env.FLOWSPECT_BENCH_KEEP === '1') fs.writeFileSync(path.join(root, 'memory-samples.json'), JSON.stringify(sampled));
  const openFiles = { before: filesBefore, after: openFilesOf(server.pid) };
  return { seconds, recorder, shared, memory: memoryReport(sampled, { before, after }, options.seconds), openFiles };
}

type ServerEnd = { code: number | null; signal: string | null } & ReturnType<typeof serverLog>;

function soakReport(options: SoakOptions, load: Load, server: ServerEnd, lostRows: LostRows): SoakReport {
  const { requests, errors: requestErrors, ...byMethod } = load.recorder.summary();
  const errors = requestErrors + (server.code === 0 ? 0 : 1);
  return {
    // A run too short to judge memory (memoryFlat null) passes on errors and lost rows alone.
    pass: errors === 0 && lostRows.lost === 0 && load.memory.memoryFlat !== false,
    seconds: Math.round(load.seconds * 10) / 10,
    clients: options.clients,
    errors,
    lostRows,
    requests,
    requestsPerSecond: Math.round(requests / load.seconds),
    ...byMethod,
    jobs: jobsSummary(load.shared.jobSeconds),
    events: load.shared.events,
    memory: load.memory,
    openFiles: load.openFiles,
    server,
    cpus: os.availableParallelism(),
    loadAverage: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}

/** Seconds from a job's start to the client seeing it finished (queueing behind the runner's two slots included). */
function jobsSummary(jobSeconds: Record<string, number[]>): Record<string, { finished: number; p50Seconds: number; maxSeconds: number }> {
  const round = (x: number): number => Math.round(x * 10) / 10;
  return Object.fromEntries(
    Object.entries(jobSeconds).map(([kind, xs]) => [kind, { finished: xs.length, p50Seconds: round(quantile(xs, 0.5)), maxSeconds: round(Math.max(...xs)) }]),
  );
}

/** The server's own log (user-data/logs/flowspect.log): the warnings and errors it wrote during the soak. */
function serverLog(userData: string): { logWarnings: number; logErrors: number; firstLogProblems: string[] } {
  const file = path.join(userData, 'logs', 'flowspect.log');
  const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  const problems = lines.map((l) => JSON.parse(l) as { level: string; message: string }).filter((e) => e.level === 'warn' || e.level === 'error');
  return {
    logWarnings: problems.filter((e) => e.level === 'warn').length,
    logErrors: problems.filter((e) => e.level === 'error').length,
    firstLogProblems: problems.slice(0, 5).map((e) => `${e.level}: ${e.message}`),
  };
}
