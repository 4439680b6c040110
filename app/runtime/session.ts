/**
 * Session factory: picks the execution provider (CUDA when onnxruntime-node lists it and it loads, else CPU),
 * records why, and applies thread settings. Intra-op spinning is off by default: spinning workers steal CPU from
 * the UI and from other jobs on a busy desktop.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ort from 'onnxruntime-node';
import { AppError } from '../core/errors.js';

export type ProviderChoice = 'auto' | 'cpu' | 'cuda';

export interface SessionConfig {
  /** 'auto' (default): CUDA first, CPU otherwise. 'cuda' fails if CUDA cannot load. */
  readonly provider?: ProviderChoice;
  /** Intra-op threads; default: ORT's choice (0). */
  readonly intraOpThreads?: number;
  /** Let idle ORT workers spin (lower latency, burns CPU). Default false. */
  readonly spinning?: boolean;
  readonly graphOptimization?: 'disabled' | 'basic' | 'extended' | 'all';
}

export interface Session {
  readonly session: ort.InferenceSession;
  readonly provider: 'cuda' | 'cpu';
  /** Why this provider was chosen, for logs and the UI. */
  readonly reason: string;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Runs with only the named outputs fetched (all outputs when `fetch` is omitted). */
  run(feeds: Record<string, ort.Tensor>, fetch?: readonly string[]): Promise<Record<string, ort.Tensor>>;
  release(): Promise<void>;
}

let cudaFailure: string | undefined;

function cudaListed(): boolean {
  try {
    return ort.listSupportedBackends().some((b) => b.name === 'cuda');
  } catch {
    return false;
  }
}

/**
 * Whether the CUDA provider library ships next to the ORT binding. Checked first because a failed CUDA load makes
 * ORT print a loud error on every attempt.
 */
function cudaLibraryPresent(): boolean {
  try {
    const pkg = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
    const bin = join(pkg, 'bin');
    const stack = [bin];
    while (stack.length) {
      const dir = stack.pop()!;
      if (!existsSync(dir)) continue;
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) stack.push(join(dir, e.name));
        else if (/onnxruntime_providers_cuda\.(so|dll)/.test(e.name)) return true;
      }
    }
    return false;
  } catch {
    // Unknown layout: let the load attempt decide.
    return true;
  }
}

export async function createSession(model: Uint8Array | string, config: SessionConfig = {}): Promise<Session> {
  const choice = config.provider ?? 'auto';
  if (!['auto', 'cpu', 'cuda'].includes(choice)) throw new AppError('invalid_request', `createSession: unknown provider "${String(choice)}"`);
  const threads = config.intraOpThreads ?? 0;
  if (!Number.isInteger(threads) || threads < 0) throw new AppError('invalid_request', `createSession: intraOpThreads must be a non-negative integer, got ${threads}`);
  const spin = config.spinning ? '1' : '0';
  const base: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: config.graphOptimization ?? 'all',
    extra: { session: { intra_op: { allow_spinning: spin }, inter_op: { allow_spinning: spin } } },
  };

  let reason: string;
  if (choice === 'cpu') reason = 'CPU requested';
  else if (!cudaListed()) reason = 'onnxruntime-node does not list the CUDA provider';
  else if (!cudaLibraryPresent()) reason = 'CUDA provider listed but its library is not installed (CPU-only onnxruntime-node build)';
  else if (cudaFailure !== undefined && choice === 'auto') reason = `CUDA failed to load earlier: ${cudaFailure}`;
  else {
    try {
      const session = await ort.InferenceSession.create(model as Uint8Array, { ...base, executionProviders: ['cuda'] });
      return wrap(session, 'cuda', 'CUDA listed by onnxruntime-node and loaded');
    } catch (err) {
      cudaFailure = err instanceof Error ? err.message.split('\n')[0] : String(err);
      if (choice === 'cuda') throw new AppError('unavailable', `createSession: CUDA requested but failed to load: ${cudaFailure}`);
      reason = `CUDA listed but failed to load (${cudaFailure}); using CPU`;
    }
  }
  if (choice === 'cuda') throw new AppError('unavailable', `createSession: CUDA requested but ${reason}`);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(model as Uint8Array, { ...base, executionProviders: ['cpu'] });
  } catch (err) {
    const what = typeof model === 'string' ? `"${model}"` : `model (${model.byteLength} bytes)`;
    throw new AppError('invalid_file', `createSession: ONNX Runtime cannot load ${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return wrap(session, 'cpu', reason);
}

function wrap(session: ort.InferenceSession, provider: 'cuda' | 'cpu', reason: string): Session {
  return {
    session,
    provider,
    reason,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds, fetch) {
      const out = fetch ? await session.run(feeds, [...fetch]) : await session.run(feeds);
      return out as Record<string, ort.Tensor>;
    },
    release: () => session.release(),
  };
}
