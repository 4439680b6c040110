/**
 * Job kind `features.extract`: fills the project's feature cache (`features/`) for a dataset's clean images with a
 * backbone, in batches, in a worker thread. Training then reads cached features instead of running the backbone
 * on every epoch.
 */
import { AppError } from '../../core/errors.js';
import type { JobContext } from '../../core/job-types.js';
import { imageFilePath, queryImages } from '../../store/images.js';
import { openProject } from '../../store/project.js';
import { FeatureCache } from '../../model/features/cache.js';
import { ExtractPayload } from '../../model/backbone/extract-payload.js';
import { BackboneExtractor, extractFeatures } from '../../model/backbone/extractor.js';
import { resolveBackbone } from '../../model/backbone/project-backbones.js';

export interface ExtractResult {
  readonly images: number;
  readonly computed: number;
  readonly cached: number;
  readonly backboneSha256: string;
}

export async function run(ctx: JobContext<ExtractPayload>): Promise<ExtractResult> {
  const parsed = ExtractPayload.safeParse(ctx.payload);
  if (!parsed.success) throw new AppError('invalid_request', `features.extract: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const p = parsed.data;
  const project = openProject(ctx.projectDir, { readonly: true });
  let files: { file: string; sha256: string }[];
  let info;
  try {
    info = resolveBackbone(project, p.backbone);
    const { items, total } = queryImages(project.db, { datasetId: p.datasetId, splits: p.splits, labels: p.labels, limit: 1_000_000 });
    if (total === 0) throw new AppError('invalid_request', `dataset ${p.datasetId} has no ${p.labels.join('/')} images in ${p.splits.join('/')}`);
    files = items.map((im) => ({ file: imageFilePath(project, im), sha256: im.sha256 }));
  } finally {
    project.close();
  }
  const cache = new FeatureCache(`${ctx.projectDir}/features`, { maxBytes: p.cacheBytes });
  const extractor = await BackboneExtractor.create(info, { intraOpThreads: p.threads });
  ctx.log('info', `features.extract: ${files.length} images with ${info.name} on ${extractor.provider.provider} (${extractor.provider.reason})`);
  let computed = 0;
  let cached = 0;
  try {
    const preprocess = { width: p.width, height: p.height, fit: p.fit };
    for await (const r of extractFeatures(extractor, files, { preprocess, cache, batchSize: p.batchSize, signal: ctx.signal, progress: (f, m) => ctx.progress(f, m) })) {
      if (r.cached) cached++;
      else computed++;
    }
  } finally {
    await extractor.release();
  }
  return { images: files.length, computed, cached, backboneSha256: info.sha256 };
}
