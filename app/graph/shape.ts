import { GraphError, fmtShape } from './errors.js';
import type { Tensor } from './tensor.js';

/** Numpy-style broadcast of shapes; throws naming the op and the shapes. */
export function broadcastShapes(op: string, ...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = rank - s.length + i;
      const d = s[i];
      if (out[j] === 1) out[j] = d;
      else if (d !== 1 && d !== out[j]) {
        throw new GraphError(op, `shapes ${shapes.map(fmtShape).join(' and ')} do not broadcast`);
      }
    }
  }
  return out;
}

/** Normalizes a possibly negative axis against `rank`. */
export function normAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new GraphError(op, `axis ${axis} is out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

export function normAxes(op: string, axes: readonly number[] | undefined, rank: number): number[] {
  const out = (axes ?? [...Array(rank).keys()]).map((a) => normAxis(op, a, rank));
  if (new Set(out).size !== out.length) throw new GraphError(op, `axes [${axes}] repeat an axis`);
  return out.sort((a, b) => a - b);
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function requireRank(op: string, t: Tensor, rank: number, what = 'input'): void {
  if (t.rank !== rank) throw new GraphError(op, `${what} "${t.name}" must have rank ${rank}, got ${fmtShape(t.shape)}`);
}
