/**
 * The soak's server: `flowspect serve` as a child process (node bin/flowspect.js serve --port 0 --json) with its own
 * user-data folder, so its memory is the server's alone. bench/soak/probe.mjs is preloaded into it and answers memory
 * samples (process.memoryUsage() of the server's main thread, optionally after a forced collection, plus the event
 * loop's delay) over an IPC channel.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/flowspect.js', import.meta.url));
const PROBE = fileURLToPath(new URL('./probe.mjs', import.meta.url));
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 60_000;
const SAMPLE_TIMEOUT_MS = 5_000;
/** What the server wrote on stderr, kept for the report (its last lines). */
const STDERR_KEEP = 8_000;

export interface MemorySample {
  readonly rss: number;
  readonly heapTotal: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  /** The event loop's delay since the previous sample. */
  readonly loopDelayMs: { readonly p99: number; readonly max: number };
}

export interface ServedProcess {
  readonly origin: string;
  readonly token: string;
  readonly pid: number;
  /** One memory sample; `gc` forces a full collection first. Rejects when the server does not answer in 5 s. */
  sample(gc?: boolean): Promise<MemorySample>;
  /** SIGTERM, as Ctrl-C would: resolves with the exit code (null and the signal when killed) and stderr's tail. */
  stop(): Promise<{ code: number | null; signal: string | null; stderr: string }>;
}

/** Starts `flowspect serve` on 127.0.0.1 with an ephemeral port; resolves once it printed its URL. */
export async function startServedProcess(userDataDir: string): Promise<ServedProcess> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', PROBE, BIN, 'serve', '--port', '0', '--host', '127.0.0.1', '--json'], {
    env: { ...process.env, FLOWSPECT_USER_DATA: userDataDir },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-STDERR_KEEP)));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const { url, token } = await firstJsonLine(child, exited, () => stderr);
  const pending = new Map<number, (s: MemorySample) => void>();
  child.on('message', (m: { type?: string; id?: number } & MemorySample) => {
    if (m.type === 'memory' && m.id !== undefined) pending.get(m.id)?.(m);
  });
  let nextId = 0;
  return {
    origin: new URL(url).origin,
    token,
    pid: child.pid!,
    sample: (gc = false) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => (pending.delete(id), reject(new Error(`the server answered no memory sample in ${SAMPLE_TIMEOUT_MS} ms`))), SAMPLE_TIMEOUT_MS);
        pending.set(id, (s) => (clearTimeout(timer), pending.delete(id), resolve(s)));
        child.send({ type: 'memory', id, gc });
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      const end = await exited;
      clearTimeout(timer);
      return { ...end, stderr };
    },
  };
}

function firstJsonLine(
  child: ChildProcess,
  exited: Promise<{ code: number | null; signal: string | null }>,
  stderr: () => string,
): Promise<{ url: string; token: string }> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`flowspect serve printed no URL in ${START_TIMEOUT_MS} ms: ${stderr()}`))), START_TIMEOUT_MS);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const complete = out.split('\n').slice(0, -1);
      const line = complete.find((l) => l.startsWith('{'));
      if (!line) return;
      clearTimeout(timer);
      resolve(JSON.parse(line) as { url: string; token: string });
    });
    void exited.then(({ code, signal }) => (clearTimeout(timer), reject(new Error(`flowspect serve exited (${code ?? signal}) before serving: ${stderr()}`))));
  });
}
