/**
 * The soak's short operations, as the workstation's views issue them: reads (dataset lists, filtered and sorted image
 * pages, one image, thumbnails as data URLs and as files, models, results and their map files, jobs) and edits (label,
 * split, note or tag changes of a few images, half of them undone). Each checks what it can of the answer.
 */
import { type ClientContext, pick } from './state.js';

interface Page<T> {
  readonly total: number;
  readonly items: T[];
}

const FILTERS: readonly object[] = [
  {},
  { labels: ['good'] },
  { labels: ['defect'] },
  { splits: ['test'] },
  { splits: ['train', 'val'] },
  { search: 'part-' },
  { tags: ['soak'] },
  { hasMask: true },
];
const SORTS = ['id', 'path', 'label', 'split', 'created'] as const;

async function imagePage(ctx: ClientContext): Promise<void> {
  const { random, shared } = ctx;
  const filter = random() < 0.3 ? { datasetId: pick(random, shared.images).datasetId ?? undefined } : pick(random, FILTERS);
  const offset = Math.floor(random() * Math.max(1, shared.images.length / 2));
  const page = await ctx.client.call<Page<{ id: number }>>('datasets.images', { ...filter, sort: pick(random, SORTS), order: random() < 0.5 ? 'asc' : 'desc', offset, limit: 50 });
  if (page.items.length > 50 || page.total < page.items.length) ctx.client.wrong('datasets.images', `a page of ${page.items.length} of a total of ${page.total}`);
}

async function scoredPage(ctx: ClientContext): Promise<void> {
  const { modelId } = ctx.shared;
  await ctx.client.call('datasets.images', { scoreModelId: modelId, sort: 'score', order: 'desc', limit: 50, ...(ctx.random() < 0.5 ? { score: { modelId, min: 0 } } : {}) });
}

async function oneImage(ctx: ClientContext): Promise<void> {
  const known = pick(ctx.random, ctx.shared.images);
  const image = await ctx.client.call<{ id: number }>('datasets.image', { id: known.id });
  if (image.id !== known.id) ctx.client.wrong('datasets.image', `asked for image ${known.id}, got ${image.id}`);
}

async function thumbnail(ctx: ClientContext): Promise<void> {
  const known = pick(ctx.random, ctx.shared.images);
  if (ctx.random() < 0.5 && known.thumbnailPath) {
    await ctx.client.file(known.thumbnailPath);
    return;
  }
  const { dataUrl } = await ctx.client.call<{ dataUrl: string }>('datasets.thumbnail', { id: known.id });
  if (!dataUrl.startsWith('data:image/webp;base64,')) ctx.client.wrong('datasets.thumbnail', `image ${known.id}: not a WebP data URL`);
}

async function results(ctx: ClientContext): Promise<void> {
  const { random, shared } = ctx;
  const sort = pick(random, ['score_desc', 'score_asc', 'image'] as const);
  const page = await ctx.client.call<Page<{ mapPath: string | null }>>('results.list', { modelId: shared.modelId, sort, offset: Math.floor(random() * 20), limit: 50 });
  const withMap = page.items.filter((r) => r.mapPath);
  if (withMap.length > 0 && random() < 0.5) await ctx.client.file(pick(random, withMap).mapPath!);
}

const READS: readonly ((ctx: ClientContext) => Promise<unknown>)[] = [
  (ctx) => ctx.client.call('datasets.list'),
  imagePage,
  imagePage,
  scoredPage,
  oneImage,
  thumbnail,
  (ctx) => ctx.client.call('models.list', {}),
  (ctx) => ctx.client.call('models.get', { id: ctx.shared.modelId }),
  results,
  (ctx) => ctx.client.call('jobs.list', { limit: 20 }),
];

export async function readOnce(ctx: ClientContext): Promise<void> {
  await pick(ctx.random, READS)(ctx);
}

/** Changes a few images (the client's own once it imported some) and undoes the latest change half the time. */
export async function editOnce(ctx: ClientContext): Promise<void> {
  const { random, client } = ctx;
  const own = ctx.datasets.flatMap((d) => d.imageIds);
  const from = own.length > 0 ? own : ctx.shared.images.map((i) => i.id);
  const ids = [...new Set(Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(random, from)))];
  const set = pick(random, [
    { label: pick(random, ['good', 'defect'] as const) },
    { split: pick(random, ['train', 'val', 'test'] as const) },
    { note: `soak client ${ctx.index}` },
    { addTags: ['soak'] },
  ]);
  const r = await client.call<{ updated: number; undoId: number | null }>('datasets.update', { ids, set });
  if (r.updated !== ids.length || r.undoId === null) client.wrong('datasets.update', `changed ${r.updated} of ${ids.length} images (undo ${r.undoId})`);
  if (random() < 0.5) await client.call('datasets.undo');
}
