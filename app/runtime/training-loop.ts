/**
 * Runs a training graph step after step. Each step feeds the batch plus the carried state (params, optimizer
 * moments, …), fetches only the requested outputs plus the fed-back ones, and hands the fed-back output tensors to
 * the next step as they are (no copy).
 *
 * Two rules of training live here rather than in each trainer:
 * - commit if finite (`stepIfFinite`): a step whose guarded outputs (the loss terms, the gradient norm) are not all
 *   finite leaves the carried state as it was, so one bad batch cannot poison the params or the Adam moments;
 * - phases (`swap`): training may continue on another graph (a warm-up graph, then the fine-tuning one). Carried
 *   values pass by name, and each graph reads those of its inputs that are carried, so a graph with fewer params
 *   (the warm-up) trains its subset and leaves the rest for the next phase.
 */
import type ort from 'onnxruntime-node';
import type { Session } from './session.js';

export interface TrainingLoopOptions {
  /** Initial value of every carried input (params, optimizer state, step counter). */
  readonly initial: Readonly<Record<string, ort.Tensor>>;
  /** outputName → inputName: after each step the output becomes the next step's input. */
  readonly feedback: Readonly<Record<string, string>>;
}

export interface GuardedStep {
  /** The outputs named in `fetch` (and in `guard`), whether or not the step was committed. */
  readonly outputs: Record<string, ort.Tensor>;
  /** False when a guarded output had a NaN or an infinity: the carried state is unchanged. */
  readonly committed: boolean;
}

export class TrainingLoop {
  private carried: Record<string, ort.Tensor>;
  private current!: Session;
  private feedback: [string, string][] = [];
  /** Steps committed (that changed the carried state). */
  steps = 0;

  constructor(session: Session, options: TrainingLoopOptions) {
    this.carried = { ...options.initial };
    this.swap(session, options.feedback);
  }

  /** Current carried values (e.g. trained params to save). */
  get state(): Readonly<Record<string, ort.Tensor>> {
    return this.carried;
  }

  /** The session the next step runs on. */
  get session(): Session {
    return this.current;
  }

  /** Continues on `session` from the next step; the carried values (params, optimizer state) stay, by name. */
  swap(session: Session, feedback: Readonly<Record<string, string>>): void {
    const entries = Object.entries(feedback);
    const inputs = new Set(session.inputNames);
    const outputs = new Set(session.outputNames);
    for (const [out, inp] of entries) {
      if (!outputs.has(out)) throw new Error(`TrainingLoop: feedback output "${out}" is not an output of the graph`);
      if (!inputs.has(inp)) throw new Error(`TrainingLoop: feedback input "${inp}" is not an input of the graph`);
      if (!(inp in this.carried)) throw new Error(`TrainingLoop: no initial value for fed-back input "${inp}"`);
    }
    this.current = session;
    this.feedback = entries;
  }

  /** One step, always committed; returns only the outputs named in `fetch`. */
  async step(batch: Readonly<Record<string, ort.Tensor>>, fetch: readonly string[] = []): Promise<Record<string, ort.Tensor>> {
    return (await this.stepIfFinite(batch, fetch, [])).outputs;
  }

  /** One step, committed only if every output named in `guard` is finite throughout. */
  async stepIfFinite(batch: Readonly<Record<string, ort.Tensor>>, fetch: readonly string[], guard: readonly string[]): Promise<GuardedStep> {
    for (const name of Object.keys(batch)) {
      if (name in this.carried) throw new Error(`TrainingLoop: batch input "${name}" collides with a carried input`);
    }
    const wanted = [...new Set([...fetch, ...guard])];
    const names = [...new Set([...wanted, ...this.feedback.map(([out]) => out)])];
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of this.current.inputNames) if (name in this.carried) feeds[name] = this.carried[name];
    const results = await this.current.run({ ...feeds, ...batch }, names);
    const committed = guard.every((name) => allFinite(results[name]));
    if (committed) {
      const next = { ...this.carried };
      for (const [out, inp] of this.feedback) next[inp] = results[out];
      this.carried = next;
      this.steps++;
    }
    const outputs: Record<string, ort.Tensor> = {};
    for (const name of wanted) outputs[name] = results[name];
    return { outputs, committed };
  }
}

function allFinite(t: ort.Tensor): boolean {
  const data = t.data as ArrayLike<number>;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return false;
  return true;
}
