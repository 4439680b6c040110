import type { TrainingEvent } from '../store/training-events.js';

/** The training curve's points, read from training events whatever names the trainer used for its terms. */
export interface TrainingCurve {
  readonly loss: Array<[number, number]>;
  readonly valAuroc: Array<[number, number]>;
  readonly nanEvents: number;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

export function trainingCurve(events: readonly TrainingEvent[]): TrainingCurve {
  const loss: Array<[number, number]> = [];
  const valAuroc: Array<[number, number]> = [];
  let nanEvents = 0;
  for (const e of events) {
    const d = e.data;
    if (e.kind === 'train') {
      const v = num(d.loss) ?? num(obj(d.loss).total) ?? num(d.total) ?? num(obj(d.losses).total) ?? num(obj(d.terms).total);
      if (v !== undefined) loss.push([e.step, v]);
    } else if (e.kind === 'val') {
      const v = num(d.imageAuroc) ?? num(d.auroc) ?? num(d.valImageAuroc) ?? num(obj(d.val).imageAuroc) ?? num(obj(d.metrics).imageAuroc);
      if (v !== undefined) valAuroc.push([e.step, v]);
    } else if (e.kind === 'nan') nanEvents++;
  }
  return { loss, valAuroc, nanEvents };
}
