import type { DType } from './dtype.js';
import type { Graph } from './graph.js';

/** How a tensor came to be. `state` tensors are fed back between steps (optimizer moments). */
export type TensorKind = 'input' | 'param' | 'state' | 'constant' | 'node' | 'imported';

/** One logical op as autodiff sees it: the op name keys the gradient rule table. */
export interface OpRecord {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly attrs: Readonly<Record<string, unknown>>;
}

/**
 * A symbolic tensor with a static shape. `requiresGrad` is true for trainable params and everything computed
 * from them; only such tensors record their producing op, so frozen parts of a graph cost no gradient work.
 */
export class Tensor {
  /** Set when a node outside our control (an imported subgraph) refers to this tensor by name. */
  pinned = false;
  /** True once the user gave the name (inputs, params, outputs); auto names may be replaced by output names. */
  userNamed = false;
  producer: OpRecord | undefined;

  constructor(
    readonly graph: Graph,
    public name: string,
    readonly shape: readonly number[],
    readonly dtype: DType,
    readonly kind: TensorKind,
    readonly requiresGrad: boolean,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  toString(): string {
    return `${this.name}(${this.shape.join(', ')}; ${this.dtype})`;
  }
}
