/**
 * PyTorch as the speed peer of `--vs-torch` benchmarks: Debian's python3-torch (oneDNN, tuned malloc), what a user
 * would otherwise run on the same CPU. It runs bench/torch/peer.py as a child process and sends it one command per
 * rep, so the benchmark alternates our runs with PyTorch's and background load hits both alike. PyTorch is only
 * ever a benchmark peer, never a dependency of the product: without it the benchmark stops with the install line.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

const SCRIPT = path.join(import.meta.dirname, 'torch', 'peer.py');
export const TORCH_MISSING = 'PyTorch is not installed: --vs-torch compares against Debian\'s python3-torch (apt-get install python3-torch); it is a benchmark peer only, never needed to run Flowspect';

/**
 * The first Python that imports torch: $FLOWSPECT_TORCH_PYTHON when set, else `python3` on PATH, else Debian's own
 * /usr/bin/python3 (apt installs python3-torch for that one; a pyenv or venv python3 earlier on PATH does not see it).
 * Throws with the install line, naming what was tried, when none does.
 */
export function requireTorch(): { python: string; version: string } {
  const env = process.env.FLOWSPECT_TORCH_PYTHON;
  const tried = env ? [env] : ['python3', '/usr/bin/python3'];
  for (const python of tried) {
    const r = spawnSync(python, ['-c', 'import torch, numpy, PIL; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python, version: r.stdout.trim() };
  }
  throw new Error(`${TORCH_MISSING} (tried ${tried.join(', ')}; set FLOWSPECT_TORCH_PYTHON to choose another)`);
}

export class TorchPeer {
  private readonly lines: AsyncIterableIterator<string>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  static start(): TorchPeer {
    const { python } = requireTorch();
    // One BLAS/OpenMP pool sized by the commands (torch.set_num_threads), not by the environment.
    const child = spawn(python, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, OMP_NUM_THREADS: '2', MKL_NUM_THREADS: '2' } });
    child.stderr.on('data', () => {});
    return new TorchPeer(child);
  }

  /** Sends one command; resolves with its answer (an `error` answer is thrown, naming the command). */
  async send<T = { ms: number }>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    this.child.stdin.write(`${JSON.stringify({ cmd, ...args })}\n`);
    const next = await this.lines.next();
    if (next.done) throw new Error(`the PyTorch peer exited during "${cmd}"`);
    const out = JSON.parse(next.value) as T & { error?: string };
    if (out.error) throw new Error(`PyTorch peer, ${cmd}: ${out.error}`);
    return out;
  }

  async close(): Promise<void> {
    this.child.stdin.write('{"cmd": "quit"}\n');
    this.child.stdin.end();
    await new Promise((resolve) => this.child.once('exit', resolve));
  }
}
