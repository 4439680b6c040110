import type { MaskRow } from '../../store/masks.js';

/** A stored mask as the contract's Mask (its polygons as mutable tuples, which the zod output type wants). */
export const maskResponse = (m: MaskRow) => ({ ...m, polygons: m.polygons?.map((poly) => poly.map(([x, y]) => [x, y] as [number, number])) ?? null });
