import type { RequestOf, ResponseOf } from '../../../app/api/contract';
import { client } from './client';
import type { Ordering } from './selection';

export type ImageItem = ResponseOf<'datasets.images'>['items'][number];
export type ImageQuery = Omit<RequestOf<'datasets.images'>, 'offset' | 'limit'>;

const PAGE = 200;

/**
 * The filtered image list as lazily loaded pages: the grid asks for the visible range, only missing pages are
 * fetched, and a new query (filter / sort) drops the cache. Holds at most the pages the user has scrolled past.
 */
export class ImagePages implements Ordering {
  total = $state(0);
  error = $state<string | null>(null);
  loading = $state(false);
  /** Bumped when a page arrives, so cells re-read itemAt(). */
  version = $state(0);
  private pages = new Map<number, ImageItem[]>();
  private inflight = new Map<number, Promise<void>>();
  private positions = new Map<number, number>();
  private generation = 0;
  private query: ImageQuery = {};

  async reset(query: ImageQuery): Promise<void> {
    this.query = query;
    this.generation++;
    this.pages.clear();
    this.inflight.clear();
    this.positions.clear();
    this.version++;
    await this.loadPage(0);
  }

  /** Reload what is loaded (after an edit), keeping the scroll position. */
  async refresh(): Promise<void> {
    const loaded = [...this.pages.keys()];
    this.generation++;
    this.pages.clear();
    this.inflight.clear();
    this.positions.clear();
    await Promise.all((loaded.length ? loaded : [0]).map((p) => this.loadPage(p)));
  }

  ensure(start: number, end: number): void {
    for (let p = Math.floor(start / PAGE); p * PAGE < Math.max(end, start + 1); p++) {
      if (!this.pages.has(p) && !this.inflight.has(p)) void this.loadPage(p);
    }
  }

  itemAt(index: number): ImageItem | undefined {
    void this.version;
    return this.pages.get(Math.floor(index / PAGE))?.[index % PAGE];
  }

  idAt(index: number): number | undefined {
    return this.itemAt(index)?.id;
  }

  indexOf(id: number): number {
    return this.positions.get(id) ?? -1;
  }

  private loadPage(p: number): Promise<void> {
    const gen = this.generation;
    const job = (async () => {
      this.loading = true;
      try {
        const res = await client.call('datasets.images', { ...this.query, offset: p * PAGE, limit: PAGE });
        if (gen !== this.generation) return;
        this.total = res.total;
        this.pages.set(p, res.items);
        res.items.forEach((it, k) => this.positions.set(it.id, p * PAGE + k));
        this.error = null;
        this.version++;
      } catch (err) {
        if (gen === this.generation) this.error = (err as Error).message;
      } finally {
        this.inflight.delete(p);
        this.loading = this.inflight.size > 0;
      }
    })();
    this.inflight.set(p, job);
    return job;
  }
}
