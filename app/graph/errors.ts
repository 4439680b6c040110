/** Errors raised while building a graph: they name the op and the shapes involved. */
export class GraphError extends Error {
  constructor(
    readonly op: string,
    message: string,
  ) {
    super(`${op}: ${message}`);
    this.name = 'GraphError';
  }
}

/** `(8, 3, 32, 32)`; a scalar prints as `()`. */
export function fmtShape(shape: readonly number[]): string {
  return `(${shape.join(', ')})`;
}
