/**
 * The end of a run: the best params are validated once more, the thresholds and the score normalisation are chosen
 * from their clean validation scores, and the one-file ONNX model (backbone + flows + metadata, and the aligner for
 * aligned models) is written atomically; then the model row says 'ready' with its metrics.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import type { BackboneInfo } from '../core/backbone.js';
import type { Objective } from '../core/domain.js';
import { buildInferenceGraph, IMAGE_INPUT, MAP_OUTPUT, type ModelSpec, SCORE_OUTPUT } from '../model/flow/graphs.js';
import { type ModelMetadata, metadataFormatFor, metadataProps } from '../model/metadata.js';
import { ModelIntegrityError, sealModel } from '../model/integrity.js';
import { AppError } from '../core/errors.js';
import { updateModel } from '../store/models.js';
import type { ActiveRun } from './epochs.js';
import type { RunPlan } from './plan.js';
import { bestParams } from './run-state.js';
import type { TrainSettings } from './settings.js';
import { chooseThresholds, type ScoreNorm, scoreNorm, type Thresholds } from './thresholds.js';
import type { RunHooks, TrainResult } from './types.js';
import { validate } from './validate.js';

export async function finishModel(plan: RunPlan, run: ActiveRun, hooks: RunHooks): Promise<TrainResult> {
  const { state, aligner, resumedFromStep } = run;
  const { project, settings, data, model } = plan;
  const provider = run.compiled.provider;
  hooks.progress(0.95, 'choosing thresholds and exporting the model', { step: state.step, totalSteps: plan.schedule.totalSteps, epoch: state.epoch, executionProvider: provider });
  const params = bestParams(plan, run.loop.state);
  const v = await validate(run.compiled.scorer, run.val, params);
  const thresholds = chooseThresholds(v.good, v.real, settings.quantile, settings.reviewQuantile);
  const norm = scoreNorm(v.good, thresholds);
  const trainingSeconds = (Date.now() - run.started) / 1000;
  const metrics = {
    valImageAuroc: v.auroc,
    valSeparation: v.separation,
    bestEpoch: state.best ? state.best.epoch + 1 : null,
    bestStep: state.best?.step ?? null,
    steps: state.step,
    epochs: state.epoch,
    nanSteps: state.nanTotal,
    trainImages: data.train.length,
    valImages: data.valGood.length,
    valRealDefects: data.valDefects.length,
  };
  const paramValues = new Map<string, Float32Array>();
  for (const [name, t] of Object.entries(params)) paramValues.set(name, t.data as Float32Array);
  const meta = modelMetadata({ modelId: model.id, name: model.name, objective: settings.objective, spec: plan.spec, settings, backbone: plan.backbone, thresholds, norm, metrics, paramCount: plan.paramCount, dataHash: data.hash });
  const onnx = buildInferenceGraph(plan.spec, { backbone: plan.backbone, params: paramValues, metadata: metadataProps(meta), ...(aligner ? { align: aligner.reference } : {}) });
  // The known input is run now, as it will be on first use (app/infer/project-model.ts): a model whose outputs are not
  // finite there can never score, so the run fails with that reason instead of ending 'ready'. The file itself stays
  // hash-sealed only; the reference is recorded on first use as before.
  try {
    await sealModel(onnx, meta, `model ${model.id}`, plan.session);
  } catch (err) {
    // Only the known input's non-finite outputs mean divergence; anything else (a session that cannot open) is itself.
    if (!(err instanceof ModelIntegrityError)) throw err;
    throw new AppError('internal', `training diverged: ${err.message} — it could never score a part; lower lr or change the settings (photometricNorm, clipNorm) and train again`);
  }
  const onnxRel = path.join('models', `model-${model.id}.onnx`);
  writeFileAtomic(project.path(onnxRel), onnx);
  updateModel(project.db, model.id, {
    status: 'ready',
    metrics,
    onnxPath: onnxRel,
    checkpointPath: path.relative(project.dir, fs.existsSync(plan.files.best) ? plan.files.best : plan.files.last),
    thresholds: thresholds as unknown as Record<string, unknown>,
    scoreNorm: norm as unknown as Record<string, unknown>,
    trainingSeconds,
    executionProvider: provider,
  });
  hooks.progress(1, `model ${model.id} ready: validation image AUROC ${v.auroc.toFixed(4)}`, { step: state.step, totalSteps: plan.schedule.totalSteps, epoch: state.epoch, valImageAuroc: v.auroc, executionProvider: provider });
  return {
    modelId: model.id,
    name: model.name,
    objective: settings.objective,
    paramCount: plan.paramCount,
    steps: state.step,
    epochs: state.epoch,
    bestEpoch: metrics.bestEpoch,
    stoppedEarly: state.stoppedEarly,
    nanSteps: state.nanTotal,
    resumedFromStep,
    metrics,
    thresholds,
    onnxPath: project.path(onnxRel),
    executionProvider: provider,
    trainingSeconds,
  };
}

/** The metadata an exported model carries (read back by the model runner and the integrity checks). */
export function modelMetadata(m: {
  modelId: number | null;
  name: string;
  objective: Objective;
  spec: ModelSpec;
  settings: TrainSettings;
  backbone: Pick<BackboneInfo, 'name' | 'sha256' | 'taps'>;
  thresholds: Thresholds;
  norm: ScoreNorm;
  metrics: Record<string, unknown>;
  paramCount: number;
  dataHash: string;
}): ModelMetadata {
  const tiling = m.settings.tiling;
  return {
    format: metadataFormatFor(tiling),
    modelId: m.modelId,
    name: m.name,
    objective: m.objective,
    input: { name: IMAGE_INPUT, layout: 'NCHW', channels: 'RGB', range: [0, 255], height: m.spec.height, width: m.spec.width, fit: m.settings.fit },
    // `position: false` is left out, so the file is exactly a format-2 file that older readers (strict) accept.
    ...(tiling ? { tiling: { size: tiling.size, overlap: tiling.overlap, ...(tiling.position ? { position: true } : {}) } } : {}),
    outputs: { map: MAP_OUTPUT, score: SCORE_OUTPUT },
    thresholds: { ...m.thresholds },
    scoreNorm: { ...m.norm },
    backbone: { name: m.backbone.name, sha256: m.backbone.sha256, taps: m.backbone.taps.map((t) => ({ ...t })) },
    training: { flow: m.spec.flow, seed: m.spec.seed, paramCount: m.paramCount, metrics: m.metrics, dataHash: m.dataHash, settings: m.settings, trainedAt: new Date().toISOString() },
  };
}
