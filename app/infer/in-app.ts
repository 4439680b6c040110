/**
 * The in-app scoring path (the one validation uses during training): backbone features through the feature cache's
 * extractor, then the flows + map head as a separate graph fed with the model's checkpointed params. The exported
 * ONNX file must give the same scores; this is what that promise is checked against.
 */
import { AppError } from '../api/errors.js';
import { builtinBackbone } from '../model/backbone/builtin.js';
import type { BackboneInfo } from '../model/backbone/types.js';
import { FeatureCache } from '../model/features/cache.js';
import { float32Tensor, type SessionConfig } from '../runtime/index.js';
import { getModel } from '../store/models.js';
import type { Project } from '../store/project.js';
import { readCheckpoint } from '../train/checkpoint.js';
import { FeatureSource } from '../train/features.js';
import type { StoredModelConfig } from '../train/trainer.js';
import { FeatureScorer, type Scored } from './scorer.js';
import { createHash } from 'node:crypto';
import fs from 'node:fs';

export async function scoreInApp(project: Project, modelId: number, files: readonly string[], options: { backbone?: BackboneInfo; session?: SessionConfig } = {}): Promise<Scored> {
  const model = getModel(project.db, modelId);
  if (!model?.checkpointPath) throw new AppError('not_found', `model ${modelId} has no checkpoint`);
  const config = model.config as unknown as StoredModelConfig;
  const backbone = options.backbone ?? builtinBackbone({ outDir: project.path('backbones') });
  if (backbone.sha256 !== config.backbone.sha256) throw new AppError('conflict', `model ${modelId} was trained on another backbone build`);
  const { tensors } = readCheckpoint(project.path(model.checkpointPath));
  const params: Record<string, ReturnType<typeof float32Tensor>> = {};
  for (const [name, t] of tensors) params[name] = float32Tensor(t.data, t.shape);
  const spec = config.spec;
  const features = await FeatureSource.create(backbone, { height: spec.height, width: spec.width, fit: config.settings.fit }, new FeatureCache(project.path('features')), options.session ?? {});
  const scorer = await FeatureScorer.create(spec, Math.min(8, files.length), options.session ?? {});
  try {
    const feats = await features.clean(files.map((file) => ({ file, sha256: createHash('sha256').update(fs.readFileSync(file)).digest('hex') })));
    return await scorer.score(feats, params, true);
  } finally {
    await features.release();
    await scorer.release();
  }
}
