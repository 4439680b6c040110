/**
 * Training curves as uPlot columns: one x (step), one column per loss term, validation AUROC on its own column
 * (null except at validation steps). Built from stored history or appended live from progress events.
 */
export interface CurvePoint {
  readonly step: number;
  readonly losses?: Readonly<Record<string, number>>;
  readonly valAuroc?: number;
}

export interface Curves {
  readonly terms: string[];
  readonly data: (number | null)[][];
}

export function buildCurves(points: readonly CurvePoint[]): Curves {
  const terms: string[] = [];
  // Optimiser diagnostics (e.g. optim.grad_norm) travel with the losses but are not loss terms.
  for (const p of points) for (const k of Object.keys(p.losses ?? {})) if (!k.startsWith('optim.') && !terms.includes(k)) terms.push(k);
  // 'total' first: the headline curve.
  terms.sort((a, b) => (a === 'total' ? -1 : b === 'total' ? 1 : a.localeCompare(b)));
  const sorted = [...points].sort((a, b) => a.step - b.step);
  const xs = sorted.map((p) => p.step);
  const cols = terms.map((t) => sorted.map((p) => (p.losses && Number.isFinite(p.losses[t]) ? p.losses[t]! : null)));
  const auroc = sorted.map((p) => (p.valAuroc !== undefined && Number.isFinite(p.valAuroc) ? p.valAuroc : null));
  return { terms, data: [xs, ...cols, auroc] };
}

const PALETTE = ['#2f6fdf', '#e0702a', '#1f8a4c', '#9c3fc4', '#c4362c', '#7a8494', '#b7791f'];
export const colorOf = (i: number): string => PALETTE[i % PALETTE.length]!;
