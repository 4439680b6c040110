/**
 * Windowing for a grid of equal cells: which rows are visible (plus overscan) for a scroll position. Only those
 * cells exist in the DOM, so 100k thumbnails cost the same as 100.
 */
export interface GridWindow {
  readonly columns: number;
  readonly firstRow: number;
  /** Exclusive. */
  readonly endRow: number;
  readonly startIndex: number;
  /** Exclusive. */
  readonly endIndex: number;
  readonly totalHeight: number;
  readonly offsetY: number;
}

export function gridWindow(opts: {
  count: number;
  width: number;
  cellWidth: number;
  rowHeight: number;
  scrollTop: number;
  viewportHeight: number;
  overscanRows?: number;
}): GridWindow {
  const columns = Math.max(1, Math.floor(opts.width / opts.cellWidth));
  const rows = Math.ceil(opts.count / columns);
  const over = opts.overscanRows ?? 2;
  const firstRow = Math.max(0, Math.min(rows, Math.floor(opts.scrollTop / opts.rowHeight) - over));
  const endRow = Math.max(firstRow, Math.min(rows, Math.ceil((opts.scrollTop + opts.viewportHeight) / opts.rowHeight) + over));
  return {
    columns,
    firstRow,
    endRow,
    startIndex: firstRow * columns,
    endIndex: Math.min(opts.count, endRow * columns),
    totalHeight: rows * opts.rowHeight,
    offsetY: firstRow * opts.rowHeight,
  };
}

/** The scrollTop that brings cell `index` fully into view (unchanged if it already is). */
export function scrollToReveal(index: number, columns: number, rowHeight: number, scrollTop: number, viewportHeight: number): number {
  const top = Math.floor(index / columns) * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewportHeight) return top + rowHeight - viewportHeight;
  return scrollTop;
}

/** Pages needed to cover [start, end) with pages of `pageSize` items. */
export function pagesFor(start: number, end: number, pageSize: number): number[] {
  const out: number[] = [];
  for (let p = Math.floor(start / pageSize); p * pageSize < end; p++) out.push(p);
  return out;
}
