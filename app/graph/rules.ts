import type { Graph } from './graph.js';
import type { OpRecord, Tensor } from './tensor.js';

/**
 * What a gradient rule sees: the op, the gradient of each output (null when an output gets none), and which
 * inputs need a gradient (rules skip the others, e.g. the input gradient of a first conv layer).
 */
export interface GradContext {
  readonly g: Graph;
  readonly op: OpRecord;
  readonly dOut: readonly (Tensor | null)[];
  readonly needs: readonly boolean[];
}

/**
 * Returns one gradient per op input (null/undefined for none). A gradient may have a broadcast shape: the
 * autodiff driver unbroadcasts it to the input's shape, so rules never do.
 */
export type GradRule = (ctx: GradContext) => readonly (Tensor | null | undefined)[];

/** The rule table, filled by each op module right beside the op's forward. */
export const gradRules = new Map<string, GradRule>();

/**
 * Rules that accept an output gradient of a smaller, broadcastable shape (elementwise rules). Gradients stay
 * un-expanded through them — e.g. the (N, 1, 1, 1) gradient of a per-sample sum — and are expanded only before a
 * rule that needs the exact output shape.
 */
export const broadcastSafeRules = new Set<string>();

export function defineGrad(op: string, rule: GradRule, options: { broadcastSafe?: boolean } = {}): void {
  if (gradRules.has(op)) throw new Error(`gradient rule for ${op} defined twice`);
  gradRules.set(op, rule);
  if (options.broadcastSafe) broadcastSafeRules.add(op);
}
