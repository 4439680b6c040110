/**
 * The training run's public vocabulary: what a caller asks for (`TrainOptions`), what it hears while the run goes
 * (`TrainProgress`), what it gets back (`TrainResult`), and what a model row stores to be rebuilt, resumed or
 * exported (`StoredModelConfig`). Re-exported by trainer.ts, the module callers import.
 */
import type { BackboneInfo } from '../core/backbone.js';
import type { Objective } from '../core/domain.js';
import type { ProgressDataOf } from '../core/job-types.js';
import type { ModelSpec } from '../model/flow/graphs.js';
import type { AlignmentReference } from './align.js';
import type { TrainSettings } from './settings.js';
import type { Thresholds } from './thresholds.js';

export interface TrainOptions {
  readonly category?: string;
  readonly datasetId?: number;
  /** Raw settings (validated here); `objective` below overrides settings.objective. */
  readonly settings?: unknown;
  readonly objective?: Objective;
  readonly name?: string;
  readonly jobId?: number | null;
  /** Continue this model from its last checkpoint (same settings and schedule). */
  readonly resumeModelId?: number;
  readonly signal?: AbortSignal;
  readonly progress?: (fraction: number, message: string, data?: TrainProgress) => void;
  readonly log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>) => void;
  /** Defaults to the built-in MobileNetV2 backbone. */
  readonly backbone?: BackboneInfo;
}

/** What the run reports as it goes: the `train` job's progress record (app/core/job-types.ts) less what the job adds. */
export type TrainProgress = Readonly<Omit<ProgressDataOf<'train'>, 'kind' | 'stepsPerSecond'>>;

export interface TrainResult {
  readonly modelId: number;
  readonly name: string;
  readonly objective: Objective;
  readonly paramCount: number;
  readonly steps: number;
  readonly epochs: number;
  readonly bestEpoch: number | null;
  readonly stoppedEarly: boolean;
  readonly nanSteps: number;
  readonly resumedFromStep: number | null;
  readonly metrics: Record<string, number | null>;
  readonly thresholds: Thresholds;
  readonly onnxPath: string;
  readonly executionProvider: string;
  readonly trainingSeconds: number;
}

/** Stored in `models.config_json`: everything needed to rebuild, resume or export the model. */
export interface StoredModelConfig {
  readonly settings: TrainSettings;
  readonly selection: { readonly category?: string; readonly datasetId?: number };
  readonly spec: ModelSpec;
  readonly backbone: { readonly name: string; readonly sha256: string; readonly taps: BackboneInfo['taps'] };
  /** The training image every image is aligned onto (settings.align.mode 'translation'). */
  readonly alignReference?: AlignmentReference;
  /** The run's schedule as planned (app/train/plan.ts); a resume must plan the same. Absent in older models. */
  readonly schedule?: { readonly samples: number; readonly batch: number; readonly stepsPerEpoch: number; readonly totalSteps: number };
}

/** How a run talks to its caller: logs, progress, and cancellation. */
export interface RunHooks {
  readonly log: NonNullable<TrainOptions['log']>;
  readonly progress: NonNullable<TrainOptions['progress']>;
  readonly signal?: AbortSignal;
}
