/**
 * A small but real Flowspect model for the fault tests: the built-in backbone spliced in front of freshly
 * initialised flows at 64², with the trainer's own metadata (no training needed: integrity is about the file), put
 * into a real project as a ready model row, the way the trainer leaves it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { builtinBackbone } from '../../app/model/backbone/builtin.js';
import { FlowConfig } from '../../app/model/flow/config.js';
import { buildInferenceGraph, initialParams, type ModelSpec } from '../../app/model/flow/graphs.js';
import { metadataProps, type ModelMetadata } from '../../app/model/metadata.js';
import { insertModel, updateModel } from '../../app/store/models.js';
import { createProject, type Project } from '../../app/store/project.js';
import { modelMetadata, tapShapes } from '../../app/train/trainer.js';
import { parseTrainSettings } from '../../app/train/settings.js';

export const THRESHOLDS = { review: 1, reject: 2, method: 'clean-quantile', detail: 'fault tests', validation: { clean: 0, defects: 0 } };

/** The trainer's output for a 64² model: hash-only integrity record, no reference output yet. */
export function buildTinyModel(modelId: number | null = null): { bytes: Uint8Array; metadata: ModelMetadata } {
  const size = 64;
  const settings = parseTrainSettings({ imageSize: size, colourTap: false });
  const backbone = builtinBackbone();
  const spec: ModelSpec = { taps: tapShapes(backbone, size, size, settings.strides), flow: FlowConfig.parse({ steps: 2, hiddenRatio: 1 }), seed: 3, height: size, width: size };
  const metadata = modelMetadata({
    modelId, name: 'fault-model', objective: 'clflow', spec, settings, backbone, thresholds: THRESHOLDS as never,
    norm: { method: 'clean-median-to-reject', offset: 0, scale: 1 }, metrics: {}, paramCount: 0, dataHash: '',
  });
  return { bytes: buildInferenceGraph(spec, { backbone, params: initialParams(spec), metadata: metadataProps(metadata) }), metadata };
}

/** Adds a ready model whose file is `bytes` (default: a fresh tiny model) to a project, as training leaves it. */
export function addModel(project: Project, bytes?: Uint8Array): { modelId: number; file: string } {
  const row = insertModel(project.db, { name: 'fault-model', datasetId: null, objective: 'clflow', backbone: 'mobilenetv2-imagenet', config: {}, paramCount: 0, trainDataHash: '', jobId: null });
  const rel = path.join('models', `model-${row.id}.onnx`);
  fs.mkdirSync(project.path('models'), { recursive: true });
  fs.writeFileSync(project.path(rel), bytes ?? buildTinyModel(row.id).bytes);
  updateModel(project.db, row.id, { status: 'ready', onnxPath: rel, thresholds: THRESHOLDS, scoreNorm: { method: 'clean-median-to-reject', offset: 0, scale: 1 } });
  return { modelId: row.id, file: project.path(rel) };
}

/** A new project holding one ready model whose file is `bytes` (default: a fresh tiny model). */
export function projectWithModel(dir: string, bytes?: Uint8Array): { project: Project; modelId: number; file: string } {
  const project = createProject(dir, 'fault tests');
  return { project, ...addModel(project, bytes) };
}
