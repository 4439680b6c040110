/**
 * Runs the real `flowspect` command as a child process and measures it: exit status, output, wall time and the
 * child's peak resident memory (printed at exit by a one-line preload, so nothing in the app is instrumented).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/flowspect.js', import.meta.url));
const PEAK = 'data:text/javascript,process.on("exit",()=>process.stderr.write("\\nFLOWSPECT_PEAK_RSS_KB="+process.resourceUsage().maxRSS+"\\n"))';

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  /** Peak resident memory of the child, MiB. */
  readonly peakMiB: number;
}

export function runCli(args: readonly string[], timeoutMs = 60_000, env: NodeJS.ProcessEnv = process.env): CliRun {
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--import', PEAK, BIN, ...args], { encoding: 'utf8', timeout: timeoutMs, env });
  const ms = performance.now() - started;
  const peak = /FLOWSPECT_PEAK_RSS_KB=(\d+)/.exec(r.stderr ?? '');
  return {
    status: r.status,
    stdout: r.stdout ?? '',
    stderr: (r.stderr ?? '').replace(/\n?FLOWSPECT_PEAK_RSS_KB=\d+\n?/, ''),
    ms,
    peakMiB: peak ? Number(peak[1]) / 1024 : Number.NaN,
  };
}
