/**
 * The in-app scoring path (the one validation uses during training): backbone features through the feature cache's
 * extractor, then the flows + map head as a separate graph fed with the model's checkpointed params. The exported
 * ONNX file must give the same scores; this is what that promise is checked against. Aligned models align each image
 * in float (no PNG copy) so the comparison stays exact; their maps here are in the reference's frame.
 */
import { AppError } from '../core/errors.js';
import { BUILTIN_BACKBONE_NAME } from '../model/backbone/builtin.js';
import { resolveBackbone } from '../model/backbone/project-backbones.js';
import { modelBackbone } from '../model/backbone/colour-tap.js';
import type { BackboneInfo } from '../core/backbone.js';
import { FeatureCache } from '../model/features/cache.js';
import { float32Tensor, type SessionConfig } from '../runtime/index.js';
import { getModel } from '../store/models.js';
import type { Project } from '../store/project.js';
import { readCheckpoint } from '../train/checkpoint.js';
import { preprocessBatch } from '../model/features/preprocess.js';
import { alignerFor } from '../train/align.js';
import { imageFile } from '../train/data.js';
import { FeatureSource } from '../train/features.js';
import type { StoredModelConfig } from '../train/trainer.js';
import { FeatureScorer, type Scored } from '../model/flow/scorer.js';
import { createHash } from 'node:crypto';
import fs from 'node:fs';

export async function scoreInApp(project: Project, modelId: number, files: readonly string[], options: { backbone?: BackboneInfo; session?: SessionConfig } = {}): Promise<Scored> {
  const model = getModel(project.db, modelId);
  if (!model?.checkpointPath) throw new AppError('not_found', `model ${modelId} has no checkpoint`);
  const config = model.config as unknown as StoredModelConfig;
  // The in-app path scores one model input per image; a tiled model's score is the maximum over a part's tiles.
  if (config.settings.tiling) throw new AppError('invalid_request', `model ${modelId} is tiled: score it with its ONNX file (ModelRunner), which cuts each part into tiles`);
  const backbone = modelBackbone(options.backbone ?? resolveBackbone(project, config.settings.backbone ?? BUILTIN_BACKBONE_NAME, { builtinDir: project.path('backbones') }), config.settings, project.path('backbones'));
  if (backbone.sha256 !== config.backbone.sha256) throw new AppError('conflict', `model ${modelId} was trained on another backbone build`);
  const { tensors } = readCheckpoint(project.path(model.checkpointPath));
  const params: Record<string, ReturnType<typeof float32Tensor>> = {};
  for (const [name, t] of tensors) params[name] = float32Tensor(t.data, t.shape);
  const spec = config.spec;
  const preprocess = { height: spec.height, width: spec.width, fit: config.settings.fit };
  const session = options.session ?? {};
  const features = await FeatureSource.create(backbone, preprocess, new FeatureCache(project.path('features')), session, spec.taps.map((t) => t.name));
  const scorer = await FeatureScorer.create(spec, Math.min(8, files.length), session);
  const aligner = config.alignReference ? await alignerFor(imageFile(project, config.alignReference.path), preprocess, config.settings.align.maxShift, session) : undefined;
  try {
    if (!aligner) {
      const feats = await features.clean(files.map((file) => ({ file, sha256: createHash('sha256').update(fs.readFileSync(file)).digest('hex') })));
      return await scorer.score(feats, params, true);
    }
    const feats = [];
    for (const file of files) {
      const { image } = await aligner.align(await preprocessBatch([file], preprocess));
      feats.push(...(await features.fromImageBatch(image, 1)));
    }
    return await scorer.score(feats, params, true);
  } finally {
    await features.release();
    await scorer.release();
    await aligner?.release();
  }
}
