/** Training events: the loss / validation curves and the NaN and checkpoint log of each model. */
import type Database from 'better-sqlite3';

export type TrainingEventKind = 'train' | 'val' | 'nan' | 'checkpoint';

export interface TrainingEvent {
  readonly id: number;
  readonly modelId: number;
  readonly step: number;
  readonly epoch: number;
  readonly kind: TrainingEventKind;
  readonly data: Record<string, unknown>;
  readonly createdAt: string;
}

interface Row {
  id: number;
  model_id: number;
  step: number;
  epoch: number;
  kind: TrainingEventKind;
  data_json: string;
  created_at: string;
}

export function insertTrainingEvent(db: Database.Database, e: { modelId: number; step: number; epoch: number; kind: TrainingEventKind; data: object }): void {
  db.prepare('INSERT INTO training_events (model_id, step, epoch, kind, data_json, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(
    e.modelId,
    e.step,
    e.epoch,
    e.kind,
    JSON.stringify(e.data),
    new Date().toISOString(),
  );
}

export function listTrainingEvents(db: Database.Database, modelId: number, filter: { kind?: TrainingEventKind; afterStep?: number } = {}): TrainingEvent[] {
  const rows = db
    .prepare(
      `SELECT * FROM training_events WHERE model_id = @modelId AND (@kind IS NULL OR kind = @kind) AND (@after IS NULL OR step > @after)
       ORDER BY step, id`,
    )
    .all({ modelId, kind: filter.kind ?? null, after: filter.afterStep ?? null }) as Row[];
  return rows.map((r) => ({ id: r.id, modelId: r.model_id, step: r.step, epoch: r.epoch, kind: r.kind, data: JSON.parse(r.data_json), createdAt: r.created_at }));
}

/** After a resume from step `step`, events logged past it by the killed run are replaced by the rerun's. */
export function deleteTrainingEventsAfter(db: Database.Database, modelId: number, step: number): void {
  db.prepare('DELETE FROM training_events WHERE model_id = ? AND step > ?').run(modelId, step);
}
