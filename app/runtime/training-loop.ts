/**
 * Runs a training graph step after step. Each step feeds the batch plus the carried state (params, optimizer
 * moments, …), fetches only the requested outputs plus the fed-back ones, and hands the fed-back output tensors to
 * the next step as they are (no copy).
 */
import type ort from 'onnxruntime-node';
import type { Session } from './session.js';

export interface TrainingLoopOptions {
  /** Initial value of every carried input (params, optimizer state, step counter). */
  readonly initial: Readonly<Record<string, ort.Tensor>>;
  /** outputName → inputName: after each step the output becomes the next step's input. */
  readonly feedback: Readonly<Record<string, string>>;
}

export class TrainingLoop {
  private carried: Record<string, ort.Tensor>;
  private readonly feedback: [string, string][];
  steps = 0;

  constructor(
    private readonly session: Session,
    options: TrainingLoopOptions,
  ) {
    this.feedback = Object.entries(options.feedback);
    const inputs = new Set(session.inputNames);
    const outputs = new Set(session.outputNames);
    for (const [out, inp] of this.feedback) {
      if (!outputs.has(out)) throw new Error(`TrainingLoop: feedback output "${out}" is not an output of the graph`);
      if (!inputs.has(inp)) throw new Error(`TrainingLoop: feedback input "${inp}" is not an input of the graph`);
      if (!(inp in options.initial)) throw new Error(`TrainingLoop: no initial value for fed-back input "${inp}"`);
    }
    this.carried = { ...options.initial };
  }

  /** Current carried values (e.g. trained params to save). */
  get state(): Readonly<Record<string, ort.Tensor>> {
    return this.carried;
  }

  /** One step; returns only the outputs named in `fetch`. */
  async step(batch: Readonly<Record<string, ort.Tensor>>, fetch: readonly string[] = []): Promise<Record<string, ort.Tensor>> {
    for (const name of Object.keys(batch)) {
      if (name in this.carried) throw new Error(`TrainingLoop: batch input "${name}" collides with a carried input`);
    }
    const names = [...new Set([...fetch, ...this.feedback.map(([out]) => out)])];
    const results = await this.session.run({ ...this.carried, ...batch }, names);
    const next = { ...this.carried };
    for (const [out, inp] of this.feedback) next[inp] = results[out];
    this.carried = next;
    this.steps++;
    const fetched: Record<string, ort.Tensor> = {};
    for (const name of fetch) fetched[name] = results[name];
    return fetched;
  }
}
